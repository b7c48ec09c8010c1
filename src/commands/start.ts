import { mkdir } from 'node:fs/promises';
import { BLOCKS_PER_GROUP, META_BYTES_PER_BLOCK } from '../engine/arena.ts';
import type { EngineOptions } from '../engine/engine.ts';
import { startServer, type SabreServer } from '../server/index.ts';
import { EngineHost, type CommandContext, type ShutdownMode, type Stats } from './context.ts';
import { sabreCommands, sabreExecutor } from './index.ts';
import { startFreer, type Freer } from './lazy-free-path.ts';
import { Persistence } from './persistence.ts';
import type { Settings } from './settings.ts';

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

export interface StartOptions {
  log?: (line: string) => void;
}

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
  await mkdir(settings.dir, { recursive: true });
  const stats: Stats = { commandsProcessed: 0, dirty: 0, expiredKeys: 0, startedAtMs: Date.now() };
  let host = newHost(settings);
  let persistence = new Persistence(host, settings, stats);
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
    shutdown: async (mode) => {
      if (stopping !== null) return;
      const mustSave = mode === 'save' || (mode === 'default' && settings.save.length > 0);
      // A BGSAVE still running is let finish; then the final save (as Redis, which kills the child and saves).
      await persistence.settled();
      if (mustSave) await persistence.save();
      log(mode === 'nosave' || !mustSave ? 'Shutting down without saving' : `DB saved on disk, shutting down`);
      stopping = closeEverything();
    },
  };

  let server: SabreServer;
  try {
    server = await startServer({
      executor: sabreExecutor(context),
      commands: sabreCommands(context),
      host: settings.bind,
      port: settings.port,
      requirePassword: settings.requirepass,
      maxClientCount: settings.maxclients,
      parserLimits: { bulkByteLengthMax: settings.protoMaxBulkLen },
    });
  } catch (error) {
    throw new StartupError(`cannot listen on ${settings.bind}:${settings.port}: ${error instanceof Error ? error.message : String(error)}`);
  }
  context.server = server;
  // With --port 0 the system picked one; CONFIG GET port reports it.
  settings.port = server.port;

  freer = await startFreer(() => context.host.engine, { worker: settings.lazyfreeWorker, log });
  context.freerKind = () => freer?.kind ?? 'inline';
  persistence.startRuleTimer((error) => log(`Background save failed: ${error instanceof Error ? error.message : String(error)}`));
  const expireTimer = setInterval(() => {
    const result = context.host.engine.activeExpireStep(200);
    context.host.engine.endCommand();
    stats.expiredKeys += result.expired;
  }, settings.activeExpireIntervalMs);
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
