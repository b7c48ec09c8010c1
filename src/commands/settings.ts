import { defaultClientMemoryByteLengthMax } from '../server/client-memory.ts';

/**
 * The server's settings: what the command line and config file set, what CONFIG GET reads and
 * CONFIG SET changes. Names follow redis.conf directives.
 */
export interface SaveRule {
  readonly seconds: number;
  readonly changes: number;
}

/** maxmemory-clients: bytes, or a percentage of maxmemory (Redis 7 accepts both). */
export type ClientMemoryLimit = { readonly kind: 'bytes'; readonly byteLength: number } | { readonly kind: 'percent'; readonly percent: number };

/** What to do when the RDB at start cannot be read. */
export type BadRdbPolicy = 'exit' | 'start-empty';

/**
 * enable-protected-configs / enable-debug-command, as Redis 7: `local` allows the action from a
 * loopback peer only (src/server/local-peer.ts).
 */
export type ProtectedActionPolicy = 'no' | 'yes' | 'local';

export interface Settings {
  port: number;
  bind: string;
  dir: string;
  dbfilename: string;
  save: SaveRule[];
  requirepass: string | null;
  /** Bytes; 0 = no limit beyond the buffer's own maximum. */
  maxmemory: number;
  maxclients: number;
  /** Engine block size; fixed once the buffer exists. */
  blockSizeBytes: number;
  /** proto-max-bulk-len. */
  protoMaxBulkLen: number;
  /** sabre-on-bad-rdb: a corrupt RDB at start stops the server unless the user asks to start empty. */
  onBadRdb: BadRdbPolicy;
  rdbcompression: boolean;
  /** stop-writes-on-bgsave-error: refuse writes (MISCONF) while save rules exist and the last save failed. */
  stopWritesOnBgsaveError: boolean;
  /** sabre-logic-worker: run the command logic in a replaceable worker thread (src/main.ts). */
  logicWorker: boolean;
  /** sabre-lazyfree-worker: free UNLINKed values on a worker thread (else on the command thread). */
  lazyfreeWorker: boolean;
  /** sabre-dump-step-blocks: blocks a BGSAVE dump step reads before commands run again. */
  dumpStepBlocks: number;
  /** sabre-dump-worker: BGSAVE walks the snapshot and writes the file on a worker thread (else between commands). */
  dumpWorker: boolean;
  /** enable-protected-configs: who may CONFIG SET dir and dbfilename (fixed at start, as in Redis). */
  enableProtectedConfigs: ProtectedActionPolicy;
  /** enable-debug-command: who may run DEBUG (fixed at start, as in Redis). */
  enableDebugCommand: ProtectedActionPolicy;
  /** protected-mode: without requirepass, only loopback peers may connect. */
  protectedMode: boolean;
  /** timeout: a client silent this many seconds is closed; 0 = never. */
  clientIdleTimeoutSec: number;
  /** client-query-buffer-limit: a client whose unfinished request holds more is closed. */
  clientQueryBufferLimit: number;
  /** maxmemory-clients: cap on the memory of all clients together; 0 bytes = none. */
  maxmemoryClients: ClientMemoryLimit;
  /** hz: active-expiry cycles a second (Redis's server cron frequency, 1..500, default 10). */
  hz: number;
  /** active-expire-effort: 1..10, how much work an active-expiry cycle may do (default 1). */
  activeExpireEffort: number;
}

/** Defaults safe for a laptop: loopback, a port that a system Redis on 6379 does not own. */
export function defaultSettings(): Settings {
  return {
    port: 7379,
    bind: '127.0.0.1',
    dir: './data',
    dbfilename: 'dump.rdb',
    // Redis 7's defaults: after 3600 s with 1 change, 300 s with 100, 60 s with 10000.
    save: [{ seconds: 3600, changes: 1 }, { seconds: 300, changes: 100 }, { seconds: 60, changes: 10000 }],
    requirepass: null,
    maxmemory: 0,
    maxclients: 10000,
    blockSizeBytes: 64,
    protoMaxBulkLen: 512 * 1024 * 1024,
    onBadRdb: 'exit',
    rdbcompression: true,
    stopWritesOnBgsaveError: true,
    dumpStepBlocks: 512,
    // Inline measured better on the 2-core machine (docs/snapshot.md, "The dump worker"): the worker
    // takes turns with the commands, so it adds hand-overs and a heap, not parallelism.
    dumpWorker: false,
    lazyfreeWorker: true,
    logicWorker: false,
    // Redis 7's defaults: the admin surface closed, idle clients kept.
    enableProtectedConfigs: 'no',
    enableDebugCommand: 'no',
    protectedMode: true,
    clientIdleTimeoutSec: 0,
    clientQueryBufferLimit: 1024 * 1024 * 1024,
    // DEVIATION: Redis's default is 0 (no cap); see defaultClientMemoryByteLengthMax.
    maxmemoryClients: { kind: 'bytes', byteLength: defaultClientMemoryByteLengthMax() },
    hz: 10,
    activeExpireEffort: 1,
  };
}

/** maxmemory-clients in bytes now: a percentage of maxmemory is 0 (no cap) while maxmemory is 0, as in Redis. */
export function clientMemoryByteLengthMax(settings: Settings): number {
  const limit = settings.maxmemoryClients;
  return limit.kind === 'bytes' ? limit.byteLength : Math.floor((settings.maxmemory * limit.percent) / 100);
}

export function formatSaveRules(rules: readonly SaveRule[]): string {
  return rules.map((rule) => `${rule.seconds} ${rule.changes}`).join(' ');
}
