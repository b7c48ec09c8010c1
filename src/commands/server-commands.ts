import { CommandError, reply, type CommandSpec, type Reply } from '../server/index.ts';
import { allowsProtectedAction } from '../server/local-peer.ts';
import { option, Texts } from './args.ts';
import type { CommandContext, ShutdownMode } from './context.ts';
import { SaveFailedError, SaveInProgressError } from './persistence.ts';
import { flushAllAsync, flushDatabaseAsync, unlinkKeys } from './lazy-free-path.ts';
import { allKeys, bind, define, noKeys, type CommandDefinition } from './spec.ts';

/** FLUSHALL/FLUSHDB's optional ASYNC | SYNC. */
function flushMode(argv: readonly Buffer[]): 'async' | 'sync' {
  if (argv.length > 2) throw new CommandError(Texts.syntax);
  if (argv.length === 1) return 'sync';
  const word = option(argv[1]);
  if (word === 'ASYNC') return 'async';
  if (word === 'SYNC') return 'sync';
  throw new CommandError(Texts.syntax);
}

/**
 * SAVE's and BGSAVE's reply when the file cannot be written. DEVIATION: Redis answers a bare `ERR`
 * (and BGSAVE "Background saving started" even when the child cannot open its file) and puts the
 * reason in its log only; Sabre says why in the reply too, and logs it.
 */
function saveErrorReply(error: unknown): Reply {
  if (error instanceof SaveInProgressError) return reply.error(error.message);
  if (error instanceof SaveFailedError) {
    console.error(`sabre: ${error.message}`);
    return reply.error(`ERR ${error.message}`);
  }
  throw error;
}

/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE]: Redis 7.0's options. FORCE exits even when the final save
 * fails; NOW changes nothing here (it skips waiting for replicas, and Sabre has none).
 */
function shutdownOptions(argv: readonly Buffer[]): { mode: ShutdownMode; force: boolean } {
  let mode: ShutdownMode = 'default';
  let force = false;
  for (const arg of argv.slice(1)) {
    const word = option(arg);
    if (word === 'NOSAVE' && mode !== 'save') mode = 'nosave';
    else if (word === 'SAVE' && mode !== 'nosave') mode = 'save';
    else if (word === 'ABORT' && argv.length === 2) throw new CommandError('ERR No shutdown in progress.');
    else if (word === 'FORCE') force = true;
    else if (word !== 'NOW') throw new CommandError(Texts.syntax);
  }
  return { mode, force };
}

export const serverCommands: CommandDefinition[] = [
  define('dbsize', 1, ['readonly', 'fast'], noKeys, 'server', '1.0.0', 'Return the number of keys in the selected database',
    (ctx, client) => reply.integer(ctx.host.engine.dbsize(client.dbIndex))),
  define('unlink', -2, ['write', 'fast'], allKeys, 'generic', '4.0.0', 'Delete a key asynchronously in another thread',
    (ctx, client, argv) => reply.integer(unlinkKeys(ctx.host.engine, client.dbIndex, argv.slice(1)))),
  define('flushdb', -1, ['write'], noKeys, 'server', '1.0.0', 'Remove all keys from the current database',
    (ctx, client, argv) => {
      if (flushMode(argv) === 'async') flushDatabaseAsync(ctx.host.engine, client.dbIndex);
      else ctx.host.engine.flushdb(client.dbIndex);
      return reply.ok();
    }),
  define('flushall', -1, ['write'], noKeys, 'server', '1.0.0', 'Remove all keys from all databases',
    (ctx, _client, argv) => {
      if (flushMode(argv) === 'async') flushAllAsync(ctx.host.engine);
      else ctx.host.engine.flushall();
      return reply.ok();
    }),
  define('save', 1, ['admin', 'noscript', 'no_multi'], noKeys, 'server', '1.0.0', 'Synchronously save the dataset to disk',
    (ctx) => ctx.persistence.save().then(() => reply.ok(), saveErrorReply)),
  define('bgsave', -1, ['admin', 'noscript'], noKeys, 'server', '1.0.0', 'Asynchronously save the dataset to disk',
    (ctx, _client, argv) => {
      if (argv.length > 2 || (argv.length === 2 && option(argv[1]) !== 'SCHEDULE')) throw new CommandError(Texts.syntax);
      const persistence = ctx.persistence;
      if (persistence.saveInProgress) {
        if (argv.length === 2) {
          persistence.bgsaveScheduled = true;
          return reply.simple('Background saving scheduled');
        }
        return reply.error('ERR Background save already in progress');
      }
      let started;
      try {
        started = persistence.bgsave();
      } catch (error) {
        return saveErrorReply(error);
      }
      started.done.catch((error: unknown) => console.error(`sabre: Background saving error: ${error instanceof SaveFailedError ? error.reason : String(error)}`));
      return reply.simple('Background saving started');
    }),
  define('lastsave', 1, ['loading', 'stale', 'fast'], noKeys, 'server', '1.0.0', 'Get the UNIX time stamp of the last successful save to disk',
    (ctx) => reply.integer(ctx.persistence.lastSaveUnixSec)),
  define('shutdown', -1, ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'], noKeys, 'server', '1.0.0',
    'Synchronously save the dataset to disk and then shut down the server',
    async (ctx, _client, argv) => {
      const { mode, force } = shutdownOptions(argv);
      try {
        await ctx.shutdown(mode, { force });
      } catch (error) {
        console.error(`sabre: SHUTDOWN could not save: ${error instanceof Error ? error.message : String(error)}`);
        return reply.error('ERR Errors trying to SHUTDOWN. Check logs.');
      }
      // As Redis: no reply, the connection closes with the server.
      return new Promise<Reply>(() => undefined);
    }),
  define('time', 1, ['loading', 'stale', 'fast'], noKeys, 'server', '2.6.0', 'Return the current server time',
    () => {
      const nowUs = BigInt(Math.round(performance.timeOrigin * 1000 + performance.now() * 1000));
      return reply.array([reply.bulk(String(nowUs / 1_000_000n)), reply.bulk(String(nowUs % 1_000_000n))]);
    }),
];

const debugHelp = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'RESTART-LOGIC',
  '    Sabre: replace the command logic, keeping the data in the SharedArrayBuffer: a new engine',
  '    object, or with --sabre-logic-worker yes a new worker thread (clients reconnect).',
  'CHECK',
  "    Sabre: walk the whole buffer and verify the engine's invariants.",
  'CRASH-LOGIC',
  '    Sabre, with --sabre-logic-worker yes: crash the logic worker (a new one attaches to the data).',
  'HELP',
  '    Print this help.',
];

/**
 * The whole-buffer check reads every block, so it waits (up to 10 s) until the lazy-free worker
 * holds no batch: blocks half way back to the free list would look leaked.
 */
async function checkWhenFreerIdle(ctx: CommandContext): Promise<Reply> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const counters = ctx.host.engine.lazyFreeCounters();
    if ((counters.pendingObjects === 0 && counters.inProgress === 0) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const violations = ctx.host.engine.check();
  return violations.length === 0 ? reply.ok() : reply.error(`ERR ${violations.length} violations: ${JSON.stringify(violations.slice(0, 3))}`);
}

/** Redis 7's refusal, word for word (processCommand), for every subcommand including HELP. */
const debugNotAllowedText =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, ' +
  'otherwise you need to set this option in the configuration file, and then restart the server.';

/**
 * DEBUG, with Sabre's own subcommands: RESTART-LOGIC and CHECK. Closed unless enable-debug-command
 * opens it: CHECK stalls every client for as long as the whole-buffer walk takes (docs/server.md,
 * "DEBUG CHECK"), and RESTART-LOGIC / CRASH-LOGIC drop every connection.
 */
export function debugCommand(ctx: CommandContext): CommandSpec {
  return bind(ctx, define('debug', -2, ['admin', 'noscript', 'loading', 'stale'], noKeys, 'server', '1.0.0', 'A container for debugging commands',
    (c, client, argv) => {
      if (!allowsProtectedAction(c.settings.enableDebugCommand, client.remoteAddress)) throw new CommandError(debugNotAllowedText);
      const sub = option(argv[1]);
      if (sub === 'RESTART-LOGIC' && argv.length === 2) {
        if (c.requestLogicRestart !== null) {
          if (c.host.engine.dumping) throw new CommandError('ERR cannot restart the command logic while a background save runs');
          // The reply goes out first; the supervisor then closes this worker's connections.
          setImmediate(c.requestLogicRestart);
          return reply.ok();
        }
        c.host.restartLogic();
        return reply.ok();
      }
      if (sub === 'CHECK' && argv.length === 2) return checkWhenFreerIdle(c);
      if (sub === 'CRASH-LOGIC' && argv.length === 2) {
        // As Redis's DEBUG SEGFAULT, for tests of recovery; only where a crash is survivable.
        if (c.requestLogicRestart === null) throw new CommandError('ERR CRASH-LOGIC needs --sabre-logic-worker yes');
        setImmediate(() => {
          throw new Error('DEBUG CRASH-LOGIC');
        });
        return reply.ok();
      }
      if (sub === 'HELP' && argv.length === 2) return reply.array(debugHelp.map((line) => reply.simple(line)));
      return reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.toString('latin1')}'. Try DEBUG HELP.`);
    }));
}
