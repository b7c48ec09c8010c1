import { match } from 'ts-pattern';
import type { ClientState } from './client-state.ts';
import type { CommandFlag, CommandSpec, RegisteredCommand } from './command-table.ts';
import { reply, type Reply } from './reply.ts';
import type { ServerContext } from './server-context.ts';

/** ACL categories as COMMAND INFO lists them, derived from the flags and the group. */
function aclCategories(spec: CommandSpec): string[] {
  const categories = new Set<string>();
  const byFlag = (flag: CommandFlag): string | null =>
    match(flag)
      .with('write', () => '@write')
      .with('readonly', () => '@read')
      .with('admin', () => '@admin')
      .with('fast', () => '@fast')
      .with('blocking', () => '@blocking')
      .with('pubsub', () => '@pubsub')
      .otherwise(() => null);
  for (const flag of spec.flags) {
    const category = byFlag(flag);
    if (category !== null) categories.add(category);
  }
  if (!spec.flags.includes('fast')) categories.add('@slow');
  if (spec.flags.includes('admin')) categories.add('@dangerous');
  categories.add(`@${spec.group === 'sorted_set' ? 'sortedset' : spec.group}`);
  return [...categories];
}

/** The ten-item array of Redis 7 COMMAND INFO; tips and key specifications are left empty. */
export function commandInfoReply(command: RegisteredCommand): Reply {
  const spec = command.spec;
  return reply.array([
    reply.bulk(command.fullName),
    reply.integer(spec.arity),
    reply.set(spec.flags.map((flag) => reply.simple(flag))),
    reply.integer(spec.firstKey),
    reply.integer(spec.lastKey),
    reply.integer(spec.keyStep),
    reply.set(aclCategories(spec).map((category) => reply.simple(category))),
    reply.set([]),
    reply.array([]),
    reply.array([...command.subcommands.values()].map(commandInfoReply)),
  ]);
}

/** The COMMAND DOCS map of one command: what redis-cli 7 reads to build its help and hints. */
export function commandDocsReply(command: RegisteredCommand): Reply {
  const spec = command.spec;
  const entries: (readonly [Reply, Reply])[] = [
    [reply.bulk('summary'), reply.bulk(spec.summary)],
    [reply.bulk('since'), reply.bulk(spec.since)],
    [reply.bulk('group'), reply.bulk(spec.group)],
  ];
  if (command.subcommands.size > 0) {
    entries.push([
      reply.bulk('subcommands'),
      reply.map([...command.subcommands.values()].map((sub) => [reply.bulk(sub.fullName), commandDocsReply(sub)] as const)),
    ]);
  }
  return reply.map(entries);
}

const commandHelpLines = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all Sabre commands.',
  'COUNT',
  '    Return the total number of commands in this server.',
  'LIST',
  '    Return a list of all commands in this server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple commands.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple commands.',
  'HELP',
  '    Print this help.',
];

export function commandCommand(context: ServerContext): CommandSpec {
  const all = () => [...context.commands.all()];
  const sub = (name: string, arity: number, summary: string, handler: (client: ClientState, argv: Buffer[]) => Reply): CommandSpec => ({
    name, arity, flags: ['loading', 'stale'], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server',
    since: '7.0.0', summary, handler,
  });
  const named = (argv: Buffer[]) => argv.slice(2).map((arg) => context.commands.get(arg.toString('latin1')));

  return {
    name: 'command', arity: -1, flags: ['loading', 'stale'], firstKey: 0, lastKey: 0, keyStep: 0,
    group: 'server', since: '2.8.13', summary: 'Get array of Redis command details',
    handler: () => reply.array(all().map(commandInfoReply)),
    subcommands: [
      sub('count', 2, 'Get total number of Redis commands', () => reply.integer(context.commands.size)),
      sub('list', -2, 'Get an array of Redis command names', () => reply.array(all().map((c) => reply.bulk(c.fullName)))),
      sub('info', -2, 'Get array of specific Redis command details, or all when no argument is given', (_client, argv) =>
        reply.array((argv.length === 2 ? all() : named(argv)).map((c) => (c === undefined ? reply.null() : commandInfoReply(c))))),
      sub('docs', -2, 'Get array of specific Redis command documentation', (_client, argv) => {
        const commands = argv.length === 2 ? all() : named(argv).filter((c): c is RegisteredCommand => c !== undefined);
        return reply.map(commands.map((c) => [reply.bulk(c.fullName), commandDocsReply(c)] as const));
      }),
      sub('help', 2, 'Show helpful text about the different subcommands', () =>
        reply.array(commandHelpLines.map((line) => reply.simple(line)))),
    ],
  };
}
