import type { ScanOptions } from '../engine/engine.ts';
import { CommandError, formatDouble, reply, type CommandSpec, type Reply } from '../server/index.ts';
import { asBuffer, integerArg, option, Texts } from './args.ts';
import type { CommandContext } from './context.ts';
import { bind, define, noKeys, oneKey, type CommandDefinition } from './spec.ts';

/** SCAN's options after the cursor: MATCH, COUNT (>= 1), and TYPE for SCAN only. */
export function parseScanOptions(argv: readonly Buffer[], start: number, allowType: boolean): ScanOptions {
  const options: ScanOptions = {};
  for (let i = start; i < argv.length; i++) {
    const word = option(argv[i]);
    const value = argv[i + 1];
    if (value === undefined) throw new CommandError(Texts.syntax);
    if (word === 'COUNT') {
      const count = integerArg(value);
      if (count < 1) throw new CommandError(Texts.syntax);
      options.count = count;
    } else if (word === 'MATCH') {
      options.match = value;
    } else if (word === 'TYPE' && allowType) {
      options.type = value.toString('latin1');
    } else {
      throw new CommandError(Texts.syntax);
    }
    i++;
  }
  return options;
}

function scanReply(cursor: string, items: Reply[]): Reply {
  return reply.array([reply.bulk(cursor), reply.array(items)]);
}

export const scanCommands: CommandDefinition[] = [
  define('scan', -2, ['readonly'], noKeys, 'generic', '2.8.0', 'Incrementally iterate the keys space',
    (ctx, client, argv) => {
      const { cursor, elements } = ctx.host.engine.scan(client.dbIndex, argv[1]!.toString('latin1'), parseScanOptions(argv, 2, true));
      return scanReply(cursor, elements.map((key) => reply.bulk(asBuffer(key))));
    }),
  define('hscan', -3, ['readonly'], oneKey, 'hash', '2.8.0', 'Incrementally iterate hash fields and associated values',
    (ctx, client, argv) => {
      const { cursor, elements } = ctx.host.engine.hscan(client.dbIndex, argv[1]!, argv[2]!.toString('latin1'), parseScanOptions(argv, 3, false));
      return scanReply(cursor, elements.flatMap(([field, value]) => [reply.bulk(asBuffer(field)), reply.bulk(asBuffer(value))]));
    }),
  define('sscan', -3, ['readonly'], oneKey, 'set', '2.8.0', 'Incrementally iterate Set elements',
    (ctx, client, argv) => {
      const { cursor, elements } = ctx.host.engine.sscan(client.dbIndex, argv[1]!, argv[2]!.toString('latin1'), parseScanOptions(argv, 3, false));
      return scanReply(cursor, elements.map((member) => reply.bulk(asBuffer(member))));
    }),
  define('zscan', -3, ['readonly'], oneKey, 'sorted_set', '2.8.0', 'Incrementally iterate sorted sets elements and associated scores',
    (ctx, client, argv) => {
      const { cursor, elements } = ctx.host.engine.zscan(client.dbIndex, argv[1]!, argv[2]!.toString('latin1'), parseScanOptions(argv, 3, false));
      // Redis sends ZSCAN scores as bulk strings under both protocols.
      return scanReply(cursor, elements.flatMap(({ member, score }) => [reply.bulk(asBuffer(member)), reply.bulk(formatDouble(score))]));
    }),
];

const objectHelp = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'IDLETIME <key>',
  '    Return the idle time of a <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Print this help.',
];

/** OBJECT is a container: the server's table resolves its subcommands and checks their arity. */
export function objectCommand(ctx: CommandContext): CommandSpec {
  const sub = (name: string, summary: string, read: (db: number, key: Buffer) => Reply): CommandSpec =>
    bind(ctx, define(name, 3, ['readonly'], [2, 2, 1], 'generic', '2.2.3', summary, (_ctx, client, argv) => read(client.dbIndex, argv[2]!)));
  const engine = () => ctx.host.engine;
  return {
    name: 'object', arity: -2, flags: [], firstKey: 0, lastKey: 0, keyStep: 0, group: 'generic', since: '2.2.3',
    summary: 'A container for object introspection commands',
    subcommands: [
      sub('encoding', 'Inspect the internal encoding of a Redis object', (db, key) => {
        const encoding = engine().objectEncoding(db, key);
        return encoding === null ? reply.null() : reply.bulk(encoding);
      }),
      sub('refcount', 'Get the number of references to the value of the key', (db, key) => {
        const count = engine().objectRefcount(db, key);
        return count === null ? reply.null() : reply.integer(count);
      }),
      sub('idletime', 'Get the time since a Redis object was last accessed', (db, key) => {
        const seconds = engine().objectIdletime(db, key);
        return seconds === null ? reply.null() : reply.integer(seconds);
      }),
      bind(ctx, define('help', 2, ['loading', 'stale'], noKeys, 'generic', '6.2.0', 'Show helpful text about the different subcommands',
        () => reply.array(objectHelp.map((line) => reply.simple(line))))),
    ],
  };
}
