import { prewarmDumpWorker } from '../engine/workers/dump-thread.ts';
import { mkdir } from 'node:fs/promises';
import { BLOCKS_PER_GROUP, META_BYTES_PER_BLOCK } from '../engine/arena.ts';
import type { EngineOptions } from '../engine/engine.ts';
import { removeStaleTempFiles } from '../rdb/index.ts';
import { hasFlag, reply, startServer, type CommandSpec, type Reply, type SabreServer } from '../server/index.ts';
import { EngineHost, type CommandContext, type ShutdownMode, type Stats } from './context.ts';
import { sabreCommands, sabreExecutor } from './index.ts';
import { startFreer, type Freer } from './lazy-free-path.ts';
import { misconfText, Persistence, SaveFailedError } from './persistence.ts';
import { clientMemoryByteLengthMax, type Settings } from './settings.ts';

/** The server could not start: the message is for the user (bad RDB, port in use...). */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export interface SabreInstance {
  readonly server: SabreServer;
  readonly context: CommandContext;
  /** Resolves when the server has stopped (SHUTDOWN, or stop()). */
  readonly stopped: Promise<void>;
  /** Saves as `mode` says (default: when save rules exist), then closes every connection. */
  stop(mode?: ShutdownMode): Promise<void>;
}

/** What a replaced logic worker hands to the next one, beside the buffer itself. */
export interface CarriedState {
  readonly dirty: number;
  readonly lastSaveUnixSec: number;
  readonly lastSaveStatus: 'ok' | 'err';
  readonly savesCompleted: number;
  readonly logicRestarts: number;
  readonly commandsProcessed: number;
  readonly expiredKeys: number;
  readonly startedAtMs: number;
}

export interface StartOptions {
  log?: (line: string) => void;
  /**
   * Attach to a dataset that is already in a SharedArrayBuffer (a new logic worker taking over)
   * instead of making a buffer and loading the RDB.
   */
  attach?: { readonly sharedBuffer: SharedArrayBuffer; readonly carried: CarriedState; readonly verify: boolean };
  /** In a logic worker: DEBUG RESTART-LOGIC asks the supervisor to replace the whole worker. */
  onLogicRestartRequest?: () => void;
}

export function carriedStateOf(context: CommandContext): CarriedState {
  const { stats, persistence, host } = context;
  return {
    dirty: stats.dirty, lastSaveUnixSec: persistence.lastSaveUnixSec, lastSaveStatus: persistence.lastSaveStatus,
    savesCompleted: persistence.savesCompleted, logicRestarts: host.restartCount, commandsProcessed: stats.commandsProcessed,
    expiredKeys: stats.expiredKeys, startedAtMs: stats.startedAtMs,
  };
}

const misconfReply = reply.error(misconfText);

/** A growable buffer cannot exceed 4 GiB in Node 20; without maxmemory the engine may grow to that. */
const bufferByteLengthLimit = 2 ** 32;

export function maxBlocksFor(settings: Settings): number {
  const bytesPerBlock = settings.blockSizeBytes + META_BYTES_PER_BLOCK;
  const budget = settings.maxmemory > 0 ? Math.min(settings.maxmemory, bufferByteLengthLimit) : bufferByteLengthLimit;
  const blocks = Math.floor((budget - 4096) / bytesPerBlock / BLOCKS_PER_GROUP) * BLOCKS_PER_GROUP;
  return Math.max(blocks, 16 * BLOCKS_PER_GROUP);
}

function engineOptionsFor(settings: Settings): EngineOptions {
  return { blockSizeBytes: settings.blockSizeBytes, maxBlocks: maxBlocksFor(settings), initialBlocks: 16 * 1024 };
}

function newHost(settings: Settings): EngineHost {
  return new EngineHost(engineOptionsFor(settings));
}

/**
 * Builds a whole Sabre: engine, RDB load, command table, TCP server, save-rule and active-expiry
 * timers. Used by the process entry (src/main.ts) and by the tests.
 */
export async function startSabre(settings: Settings, options: StartOptions = {}): Promise<SabreInstance> {
  const log = options.log ?? ((line: string) => console.log(line));
  // DEVIATION: Redis exits when its dir is missing; Sabre creates the one the operator named on the
  // command line or in the config file, so `npm start` (./data) works on a fresh clone. Only the
  // operator chooses it: CONFIG SET dir never creates a directory (config-command.ts).
  await mkdir(settings.dir, { recursive: true });
  // A logic worker taking over (attach) runs in the same process as the one before: nothing is stale.
  if (options.attach === undefined) {
    for (const stale of removeStaleTempFiles(settings.dir, { keep: settings.dbfilename })) log(`Removed stale temp file ${stale.path}: ${stale.reason}`);
  }
  const stats: Stats = { commandsProcessed: 0, dirty: 0, expiredKeys: 0, startedAtMs: Date.now() };
  let host: EngineHost;
  let persistence: Persistence;
  if (options.attach !== undefined) {
    const { sharedBuffer, carried, verify } = options.attach;
    host = new EngineHost({ ...engineOptionsFor(settings), sharedBuffer });
    // After a crash the buffer may hold a half-done command: walk it before serving from it.
    if (verify) {
      const violations = host.engine.check();
      if (violations.length > 0) throw new StartupError(`the dataset left by the previous logic fails its check: ${JSON.stringify(violations.slice(0, 3))}`);
    }
    host.restartCount = carried.logicRestarts + 1;
    persistence = new Persistence(host, settings, stats);
    Object.assign(stats, { dirty: carried.dirty, commandsProcessed: carried.commandsProcessed, expiredKeys: carried.expiredKeys, startedAtMs: carried.startedAtMs });
    persistence.lastSaveUnixSec = carried.lastSaveUnixSec;
    persistence.lastSaveStatus = carried.lastSaveStatus;
    persistence.savesCompleted = carried.savesCompleted;
  } else {
    host = newHost(settings);
    persistence = new Persistence(host, settings, stats);
    try {
      const loaded = await persistence.loadIfPresent(engineOptionsFor(settings));
      if (loaded !== null) log(`DB loaded from disk: ${loaded.keys} keys from ${persistence.rdbPath()}`);
    } catch (error) {
      const message = `cannot load ${persistence.rdbPath()}: ${error instanceof Error ? error.message : String(error)}`;
      if (settings.onBadRdb === 'exit') {
        throw new StartupError(`${message}\nFix or move the file, or start with --sabre-on-bad-rdb start-empty to start with an empty dataset.`);
      }
      log(`${message}; starting with an empty dataset (sabre-on-bad-rdb start-empty). The file is left as it is until the next save.`);
      host = newHost(settings);
      persistence = new Persistence(host, settings, stats);
    }
  }

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | null = null;
  const timers: NodeJS.Timeout[] = [];

  let freer: Freer | null = null;
  const closeEverything = async () => {
    await freer?.stop();
    for (const timer of timers) clearInterval(timer);
    persistence.stopRuleTimer();
    await persistence.settled();
    await context.server?.close();
    resolveStopped();
  };

  const context: CommandContext = {
    host,
    settings,
    stats,
    persistence,
    server: null,
    freerKind: () => 'inline',
    requestLogicRestart: options.onLogicRestartRequest ?? null,
    shutdown: (mode, shutdownOptions = {}) => {
      if (stopping !== null) return Promise.resolve();
      // A second SHUTDOWN (or signal) while the final save is written waits for the same attempt.
      shutdownAttempt ??= attemptShutdown(mode, shutdownOptions.force ?? false).finally(() => (shutdownAttempt = null));
      return shutdownAttempt;
    },
  };

  let shutdownAttempt: Promise<void> | null = null;
  /**
   * Redis's finishShutdown for RDB: the final save must succeed, or the server logs why and keeps
   * running with every key (the caller decides what to tell: SHUTDOWN's error reply, a signal's log).
   */
  const attemptShutdown = async (mode: ShutdownMode, force: boolean): Promise<void> => {
    log('User requested shutdown...');
    const mustSave = mode === 'save' || (mode === 'default' && settings.save.length > 0);
    // A BGSAVE still running is let finish (Redis kills its child instead); the rule timer may start
    // another between two turns, hence the loop. save() claims the slot before it first yields.
    while (persistence.saveInProgress) await persistence.settled();
    if (mustSave) {
      log('Saving the final RDB snapshot before exiting.');
      let saved = false;
      try {
        await persistence.save();
        saved = true;
      } catch (error) {
        const reason = error instanceof SaveFailedError ? error.reason : String(error);
        if (!force) {
          log(`Error trying to save the DB, can't exit: ${reason}`);
          log('Errors trying to shut down the server. Check the logs for more information.');
          throw error;
        }
        log(`Error trying to save the DB. Exit anyway (SHUTDOWN FORCE): ${reason}`);
      }
      if (saved) log('DB saved on disk');
    } else {
      log('Shutting down without saving');
    }
    stopping = closeEverything();
  };

  /** Redis's processCommand: with MISCONF in force, write commands and PING are refused. */
  const refuseCommand = (spec: CommandSpec, fullName: string): Reply | null =>
    persistence.writesRefused() && (hasFlag(spec, 'write') || fullName === 'ping') ? misconfReply : null;

  let server: SabreServer;
  try {
    server = await startServer({
      executor: sabreExecutor(context),
      commands: sabreCommands(context),
      host: settings.bind,
      port: settings.port,
      requirePassword: settings.requirepass,
      maxClientCount: settings.maxclients,
      refuseCommand,
      // Read live: CONFIG SET protected-mode / timeout take effect at the next accept / sweep.
      protectedMode: () => settings.protectedMode,
      clientIdleTimeoutSec: () => settings.clientIdleTimeoutSec,
      parserLimits: { bulkByteLengthMax: settings.protoMaxBulkLen, requestByteLengthMax: settings.clientQueryBufferLimit },
      clientMemoryByteLengthMax: () => clientMemoryByteLengthMax(settings),
    });
  } catch (error) {
    throw new StartupError(`cannot listen on ${settings.bind}:${settings.port}: ${error instanceof Error ? error.message : String(error)}`);
  }
  context.server = server;
  // With --port 0 the system picked one; CONFIG GET port reports it.
  settings.port = server.port;

  freer = await startFreer(() => context.host.engine, { worker: settings.lazyfreeWorker, log });
  // The dump worker is booted now, so that a BGSAVE's first bytes need not wait for a thread to load.
  if (settings.dumpWorker) await prewarmDumpWorker();
  context.freerKind = () => freer?.kind ?? 'inline';
  persistence.startRuleTimer((error) => log(`Background saving error: ${error instanceof SaveFailedError ? error.reason : String(error)}`));
  // Redis's activeExpireCycle, `hz` times a second (src/engine/commands/expire.ts); hz is fixed at
  // start, effort is read every cycle. While a cycle stops at its time limit, fast cycles run between
  // event-loop turns (the engine spaces them to at most half the time), as Redis's beforeSleep does.
  let fastExpiryPending = false;
  const expireCycle = (kind: 'slow' | 'fast') => {
    const engine = context.host.engine;
    const result = engine.activeExpireCycle(settings.activeExpireEffort, settings.hz, kind);
    engine.endCommand();
    stats.expiredKeys += engine.takeExpiredKeyCount();
    if (result.timeCapReached && !fastExpiryPending && stopping === null) {
      fastExpiryPending = true;
      setTimeout(() => {
        fastExpiryPending = false;
        if (stopping === null) expireCycle('fast');
      }, 2).unref();
    }
  };
  const expireTimer = setInterval(() => expireCycle('slow'), 1000 / settings.hz);
  expireTimer.unref();
  timers.push(expireTimer);

  return {
    server,
    context,
    stopped,
    stop: async (mode = 'default') => {
      if (stopping === null) await context.shutdown(mode);
      await stopping;
    },
  };
}
