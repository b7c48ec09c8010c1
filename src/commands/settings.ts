/**
 * The server's settings: what the command line and config file set, what CONFIG GET reads and
 * CONFIG SET changes. Names follow redis.conf directives.
 */
export interface SaveRule {
  readonly seconds: number;
  readonly changes: number;
}

/** What to do when the RDB at start cannot be read. */
export type BadRdbPolicy = 'exit' | 'start-empty';

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
  /** sabre-logic-worker: run the command logic in a replaceable worker thread (src/main.ts). */
  logicWorker: boolean;
  /** sabre-lazyfree-worker: free UNLINKed values on a worker thread (else on the command thread). */
  lazyfreeWorker: boolean;
  /** sabre-dump-step-blocks: blocks a BGSAVE dump step reads before commands run again. */
  dumpStepBlocks: number;
  /** sabre-dump-worker: BGSAVE walks the snapshot and writes the file on a worker thread (else between commands). */
  dumpWorker: boolean;
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
    dumpStepBlocks: 512,
    // Inline measured better on the 2-core machine (docs/snapshot.md, "The dump worker"): the worker
    // takes turns with the commands, so it adds hand-overs and a heap, not parallelism.
    dumpWorker: false,
    lazyfreeWorker: true,
    logicWorker: false,
    hz: 10,
    activeExpireEffort: 1,
  };
}

export function formatSaveRules(rules: readonly SaveRule[]): string {
  return rules.map((rule) => `${rule.seconds} ${rule.changes}`).join(' ');
}
