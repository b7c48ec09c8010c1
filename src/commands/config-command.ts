import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { applyDirective, DirectiveError, directives, directiveValue, isDirective, protectedDirectives, type DirectiveName } from '../cli/directives.ts';
import { globMatch } from '../engine/glob.ts';
import { CommandError, reply, type ClientState, type CommandSpec, type Reply } from '../server/index.ts';
import { allowsProtectedAction } from '../server/local-peer.ts';
import type { CommandContext } from './context.ts';
import { bind, define, noKeys } from './spec.ts';

const directiveNames = Object.keys(directives) as DirectiveName[];

function configGet(ctx: CommandContext, patterns: readonly Buffer[]): Reply {
  const entries: [Reply, Reply][] = [];
  const seen = new Set<string>();
  for (const pattern of patterns) {
    const lowered = Buffer.from(pattern.toString('latin1').toLowerCase(), 'latin1');
    for (const name of directiveNames) {
      if (seen.has(name) || !globMatch(lowered, Buffer.from(name, 'latin1'))) continue;
      seen.add(name);
      entries.push([reply.bulk(name), reply.bulk(directiveValue(ctx.settings, name))]);
    }
  }
  return reply.map(entries);
}

function setFailed(name: string, reason: string): CommandError {
  return new CommandError(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`);
}

/** strerror's words for what Redis's chdir() would report, so the reply reads as Redis's does. */
const directoryErrorTexts: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};

/**
 * CONFIG SET dir takes an existing, enterable directory and never creates one: creating it would
 * let a client lay out any path the process may write (Redis 7 refuses a missing one the same way).
 */
function checkExistingDirectory(dir: string): string | null {
  try {
    if (!statSync(dir).isDirectory()) return directoryErrorTexts.ENOTDIR!;
    accessSync(dir, fsConstants.X_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    return directoryErrorTexts[code] ?? (error as Error).message;
  }
}

/**
 * CONFIG SET name value [name value ...]: all or nothing, as Redis 7 does — every pair is checked
 * on a copy of the settings before any is applied.
 */
function configSet(ctx: CommandContext, client: ClientState, argv: readonly Buffer[]): Reply {
  if (argv.length % 2 !== 0) throw new CommandError("ERR wrong number of arguments for 'config|set' command");
  const candidate = { ...ctx.settings, save: [...ctx.settings.save] };
  const names = new Set<string>();
  for (let i = 2; i < argv.length; i += 2) {
    const name = argv[i]!.toString('latin1').toLowerCase();
    const value = argv[i + 1]!.toString('utf8');
    if (!isDirective(name)) throw new CommandError(`ERR Unknown option or number of arguments for CONFIG SET - '${argv[i]!.toString('latin1')}'`);
    if (names.has(name)) throw new CommandError(`ERR Duplicate parameter - ${name}`);
    names.add(name);
    if (!directives[name].runtime) throw setFailed(name, "can't set immutable config");
    if (protectedDirectives.has(name) && !allowsProtectedAction(ctx.settings.enableProtectedConfigs, client.remoteAddress)) {
      throw setFailed(name, "can't set protected config");
    }
    try {
      applyDirective(candidate, name, [value]);
    } catch (error) {
      if (error instanceof DirectiveError) throw setFailed(name, error.message);
      throw error;
    }
    if (name === 'dir') {
      const problem = checkExistingDirectory(candidate.dir);
      if (problem !== null) throw setFailed(name, problem);
    }
  }
  Object.assign(ctx.settings, candidate);
  if (names.has('requirepass')) ctx.server?.setRequirePassword(ctx.settings.requirepass);
  if (names.has('client-query-buffer-limit')) ctx.server?.setQueryBufferLimit(ctx.settings.clientQueryBufferLimit);
  if (names.has('maxmemory-clients')) ctx.server?.enforceClientMemory();
  return reply.ok();
}

const configHelp = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'HELP',
  '    Print this help.',
];

export function configCommand(ctx: CommandContext): CommandSpec {
  const adminFlags = ['admin', 'noscript', 'loading', 'stale'] as const;
  return {
    name: 'config', arity: -2, flags: [], firstKey: 0, lastKey: 0, keyStep: 0, group: 'server', since: '2.0.0',
    summary: 'A container for server configuration commands',
    subcommands: [
      bind(ctx, define('get', -3, adminFlags, noKeys, 'server', '2.0.0', 'Get the values of configuration parameters',
        (c, _client, argv) => configGet(c, argv.slice(2)))),
      bind(ctx, define('set', -4, adminFlags, noKeys, 'server', '2.0.0', 'Set configuration parameters to the given values',
        (c, client, argv) => configSet(c, client, argv))),
      bind(ctx, define('resetstat', 2, adminFlags, noKeys, 'server', '2.0.0', 'Reset the stats returned by INFO',
        (c) => {
          c.stats.commandsProcessed = 0;
          c.stats.expiredKeys = 0;
          c.host.engine.resetExpireCycleStats();
          c.host.engine.takeExpiredKeyCount();
          return reply.ok();
        })),
      bind(ctx, define('help', 2, ['loading', 'stale'], noKeys, 'server', '5.0.0', 'Show helpful text about the different subcommands',
        () => reply.array(configHelp.map((line) => reply.simple(line))))),
    ],
  };
}
