import { Arena, H, type ArenaOptions } from './arena.ts';
import { assertCheck, check, type Violation } from './check.ts';
import { systemClock, type Clock } from './clock.ts';
import * as keysCommands from './commands/keys.ts';
import * as strings from './commands/strings.ts';
import * as hashes from './commands/hashes.ts';
import * as sets from './commands/sets.ts';
import * as zsets from './commands/zsets.ts';
import * as lists from './commands/lists.ts';
import * as scanCommands from './commands/scan.ts';
import * as objectCommands from './commands/object.ts';
import { ACTIVE_EXPIRE_EFFORT_DEFAULT, ActiveExpire, type ActiveExpireCycleResult, type CycleKind } from './commands/expire.ts';
import { ScanCursors } from './scan-cursors.ts';
import { Core } from './core.ts';
import { EngineError } from './errors.ts';
import type { DbIndex } from './ids.ts';
import { BlockStore, type BlockWriteHooks } from './store.ts';
import { checkLazyFreeQueue } from './lazyfree/check-lazy-free.ts';
import { LazyFree, type LazyFreeCounters } from './lazyfree/lazy-free.ts';
import { Q } from './lazyfree/queue.ts';
import { checkDumpHeld } from './snapshot/check-dump.ts';
import { Dumper, type DumpCounters } from './snapshot/dumper.ts';
import type { Tracer } from './trace.ts';

export type { SetOptions, SetResult, ExpireSpec } from './commands/strings.ts';
export type { ExpireCondition, ExpireUnit } from './commands/keys.ts';
export type { ScanOptions, ScanReply } from './commands/scan.ts';
export type { ActiveExpireCycleResult } from './commands/expire.ts';
export type { ZAddOptions, ScoredMember, ScoreBound, ZRangeQuery } from './commands/zsets.ts';

export interface EngineOptions extends ArenaOptions {
  clock?: Clock;
  /** Write-path hooks (the dump installs its own); the default frees released blocks at once. */
  hooks?: (store: BlockStore) => BlockWriteHooks;
  /** Attach to an existing arena instead of creating one. */
  sharedBuffer?: SharedArrayBuffer;
  /** Most block copies a running dump may hold (spec CopyBound); see docs/snapshot.md. */
  copyBound?: number;
  /** UNLINK frees values of at most this many (estimated) blocks at once; see docs/lazyfree.md. */
  lazyFreeThresholdBlocks?: number;
  /** Receives one event per spec action (docs/action-map.md); installed once, nothing is built when absent. */
  tracer?: Tracer;
  /** Measures the active-expiry cycle's time limit (default performance.now; tests pass a fake). */
  expireCycleClockMs?: () => number;
}

export interface MemoryUsage {
  blockSizeBytes: number;
  blockCount: number;
  blockCountMax: number;
  freeBlocks: number;
  liveBlocks: number;
  /** Blocks queued for lazy free, estimated from the values when queued (they count among liveBlocks until freed). */
  lazyPendingBlocksEstimate: number;
  dumpCopyBlocks: number;
  bufferByteLength: number;
}

/**
 * The in-process API the RESP server calls: one method per command, keys and values as bytes,
 * replies as plain data, errors as EngineError carrying Redis's error text.
 */
export class Engine {
  readonly core: Core;
  private readonly cursors = new ScanCursors();
  private readonly activeExpire: ActiveExpire;

  /** The copy-on-write dump (null when the caller installed its own write hooks). */
  readonly dumper: Dumper | null;
  readonly lazyFree: LazyFree;

  constructor(options: EngineOptions = {}) {
    this.activeExpire = new ActiveExpire(options.expireCycleClockMs);
    const arena = options.sharedBuffer ? Arena.attach(options.sharedBuffer, options.growthFactor) : Arena.create(options);
    const tracer = options.tracer ?? null;
    let dumper: Dumper | null = null;
    const hooks = options.hooks ?? ((store: BlockStore) => (dumper = new Dumper(store, { copyBound: options.copyBound, tracer })));
    this.core = new Core(new BlockStore(arena, hooks), options.clock ?? systemClock);
    this.dumper = dumper;
    this.lazyFree = new LazyFree(this.core, this.dumper, tracer, options.lazyFreeThresholdBlocks);
    if (tracer !== null) {
      this.core.tracer = tracer;
      const traced = this.dumper as Dumper | null;
      if (traced !== null) this.core.takeTracedCopies = () => traced.takeTracedCopies();
    }
    if (this.dumper !== null) {
      const installed: Dumper = this.dumper;
      installed.attach(this.core, this.lazyFree);
      this.core.checkExtensions.push((walk) => checkDumpHeld(walk, installed));
    }
    this.core.checkExtensions.push((walk) => checkLazyFreeQueue(walk, this.lazyFree.queue));
  }

  // Snapshot (docs/snapshot.md): the inline step functions; src/engine/snapshot/dump-file.ts runs them to a file.
  /** `compress`: LZF for strings of 21+ bytes when it saves space (Redis's rdbcompression), default true. */
  dumpBegin(sink: (chunk: Uint8Array) => void, minChunkBytes?: number, compress?: boolean): void { this.requireDumper().dumpBegin(sink, minChunkBytes, compress); }
  /** Returns true while the dump still runs. */
  dumpStep(budgetBlocks: number): boolean { return this.requireDumper().dumpStep(budgetBlocks); }
  dumpAbort(): void { this.requireDumper().abort(); }
  get dumping(): boolean { return this.dumper?.dumping ?? false; }
  dumpCounters(): DumpCounters { return this.requireDumper().counters(); }

  // Lazy free (docs/lazyfree.md)
  unlink(db: DbIndex, keys: Uint8Array[]): number { return this.lazyFree.unlink(db, keys); }
  flushdbAsync(db: DbIndex): void { this.lazyFree.flushAsync(db); }
  flushallAsync(): void { this.lazyFree.flushAsync(); }
  freeStep(budgetBlocks: number): number { return this.lazyFree.freeStep(budgetBlocks); }
  lazyFreeCounters(): LazyFreeCounters { return this.lazyFree.counters(); }

  private requireDumper(): Dumper {
    if (this.dumper === null) throw new Error('this engine was built with custom write hooks and has no dumper');
    return this.dumper;
  }

  get store(): BlockStore {
    return this.core.store;
  }

  get sharedBuffer(): SharedArrayBuffer {
    return this.core.store.arena.sab;
  }

  check(): Violation[] {
    this.enterTurn();
    return check(this.core);
  }

  assertCheck(): void {
    this.enterTurn();
    assertCheck(this.core);
  }

  /**
   * While a dump worker runs, the dataset is the writer's or the worker's in turns: every command
   * takes the writer's turn first (docs/snapshot.md, "Dump worker"). Costs a property read otherwise.
   */
  enterTurn(): void {
    const turn = this.dumper?.turn;
    if (turn !== undefined && turn.needed) turn.enter();
  }

  /** Gives the turn back before the current run of synchronous work ends (a caller that waits synchronously). */
  leaveTurn(): void {
    this.dumper?.turn.leave();
  }

  /** Drops what is left of the current command's block reservation (tests call it between commands). */
  endCommand(): void {
    this.core.store.alloc.endCommand();
    // Copies of a command with no writer action of the spec (e.g. PEXPIRE) belong to no event.
    if (this.core.tracer !== null) this.core.takeTracedCopies();
  }

  memoryUsage(): MemoryUsage {
    const arena = this.core.store.arena;
    const u32 = arena.u32;
    return {
      blockSizeBytes: arena.blockSizeBytes,
      blockCount: arena.blockCount,
      blockCountMax: arena.blockCountMax,
      freeBlocks: Atomics.load(u32, H.freeBlocks),
      liveBlocks: Atomics.load(u32, H.liveBlocks),
      lazyPendingBlocksEstimate: Atomics.load(u32, Q.pendingBlocksEstimate),
      dumpCopyBlocks: Atomics.load(u32, H.dumpCopyBlocks),
      bufferByteLength: arena.sab.byteLength,
    };
  }

  // Strings
  get(db: DbIndex, key: Uint8Array) { return strings.get(this.core, db, key); }
  set(db: DbIndex, key: Uint8Array, value: Uint8Array, options?: strings.SetOptions) { return strings.set(this.core, db, key, value, options); }
  mget(db: DbIndex, keys: Uint8Array[]) { return strings.mget(this.core, db, keys); }
  mset(db: DbIndex, pairs: [Uint8Array, Uint8Array][]) { strings.mset(this.core, db, pairs); }
  append(db: DbIndex, key: Uint8Array, value: Uint8Array) { return strings.append(this.core, db, key, value); }
  strlen(db: DbIndex, key: Uint8Array) { return strings.strlen(this.core, db, key); }
  getrange(db: DbIndex, key: Uint8Array, start: number, end: number) { return strings.getrange(this.core, db, key, start, end); }
  setrange(db: DbIndex, key: Uint8Array, offset: number, value: Uint8Array) { return strings.setrange(this.core, db, key, offset, value); }
  incr(db: DbIndex, key: Uint8Array) { return strings.incrby(this.core, db, key, 1n); }
  decr(db: DbIndex, key: Uint8Array) { return strings.incrby(this.core, db, key, -1n); }
  incrby(db: DbIndex, key: Uint8Array, delta: bigint) { return strings.incrby(this.core, db, key, delta); }
  decrby(db: DbIndex, key: Uint8Array, delta: bigint) {
    if (delta === -(2n ** 63n)) throw new EngineError('ERR decrement would overflow');
    return strings.incrby(this.core, db, key, -delta);
  }
  incrbyfloat(db: DbIndex, key: Uint8Array, increment: number) { return strings.incrbyfloat(this.core, db, key, increment); }

  // Keys
  del(db: DbIndex, keys: Uint8Array[]) { return keysCommands.del(this.core, db, keys); }
  exists(db: DbIndex, keys: Uint8Array[]) { return keysCommands.exists(this.core, db, keys); }
  type(db: DbIndex, key: Uint8Array) { return keysCommands.type(this.core, db, key); }
  expire(db: DbIndex, key: Uint8Array, seconds: number, condition?: keysCommands.ExpireCondition | readonly keysCommands.ExpireCondition[]) { return keysCommands.expire(this.core, db, key, seconds, 'EX', condition); }
  pexpire(db: DbIndex, key: Uint8Array, milliseconds: number, condition?: keysCommands.ExpireCondition | readonly keysCommands.ExpireCondition[]) { return keysCommands.expire(this.core, db, key, milliseconds, 'PX', condition); }
  expireat(db: DbIndex, key: Uint8Array, unixSeconds: number, condition?: keysCommands.ExpireCondition | readonly keysCommands.ExpireCondition[]) { return keysCommands.expire(this.core, db, key, unixSeconds, 'EXAT', condition); }
  pexpireat(db: DbIndex, key: Uint8Array, unixMilliseconds: number, condition?: keysCommands.ExpireCondition | readonly keysCommands.ExpireCondition[]) { return keysCommands.expire(this.core, db, key, unixMilliseconds, 'PXAT', condition); }
  ttl(db: DbIndex, key: Uint8Array) { return keysCommands.ttl(this.core, db, key, 's'); }
  pttl(db: DbIndex, key: Uint8Array) { return keysCommands.ttl(this.core, db, key, 'ms'); }
  persist(db: DbIndex, key: Uint8Array) { return keysCommands.persist(this.core, db, key); }
  rename(db: DbIndex, source: Uint8Array, destination: Uint8Array) { keysCommands.rename(this.core, db, source, destination); }
  dbsize(db: DbIndex) { return keysCommands.dbsize(this.core, db); }
  keys(db: DbIndex, pattern: Uint8Array) { return keysCommands.keys(this.core, db, pattern); }
  randomkey(db: DbIndex, random?: () => number) { return keysCommands.randomkey(this.core, db, random); }
  flushdb(db: DbIndex) { keysCommands.flushdb(this.core, db); }
  flushall() { keysCommands.flushall(this.core); }

  // Hashes
  hset(db: DbIndex, key: Uint8Array, pairs: [Uint8Array, Uint8Array][]) { return hashes.hset(this.core, db, key, pairs); }
  hget(db: DbIndex, key: Uint8Array, field: Uint8Array) { return hashes.hget(this.core, db, key, field); }
  hdel(db: DbIndex, key: Uint8Array, fields: Uint8Array[]) { return hashes.hdel(this.core, db, key, fields); }
  hlen(db: DbIndex, key: Uint8Array) { return hashes.hlen(this.core, db, key); }
  hgetall(db: DbIndex, key: Uint8Array) { return hashes.hgetall(this.core, db, key); }
  hexists(db: DbIndex, key: Uint8Array, field: Uint8Array) { return hashes.hexists(this.core, db, key, field); }
  hincrby(db: DbIndex, key: Uint8Array, field: Uint8Array, delta: bigint) { return hashes.hincrby(this.core, db, key, field, delta); }

  // Sets
  sadd(db: DbIndex, key: Uint8Array, members: Uint8Array[]) { return sets.sadd(this.core, db, key, members); }
  srem(db: DbIndex, key: Uint8Array, members: Uint8Array[]) { return sets.srem(this.core, db, key, members); }
  sismember(db: DbIndex, key: Uint8Array, member: Uint8Array) { return sets.sismember(this.core, db, key, member); }
  scard(db: DbIndex, key: Uint8Array) { return sets.scard(this.core, db, key); }
  smembers(db: DbIndex, key: Uint8Array) { return sets.smembers(this.core, db, key); }

  // Sorted sets
  zadd(db: DbIndex, key: Uint8Array, entries: zsets.ScoredMember[], options?: zsets.ZAddOptions) { return zsets.zadd(this.core, db, key, entries, options); }
  zrem(db: DbIndex, key: Uint8Array, members: Uint8Array[]) { return zsets.zrem(this.core, db, key, members); }
  zscore(db: DbIndex, key: Uint8Array, member: Uint8Array) { return zsets.zscore(this.core, db, key, member); }
  zcard(db: DbIndex, key: Uint8Array) { return zsets.zcard(this.core, db, key); }
  zrank(db: DbIndex, key: Uint8Array, member: Uint8Array) { return zsets.zrank(this.core, db, key, member, false); }
  zrevrank(db: DbIndex, key: Uint8Array, member: Uint8Array) { return zsets.zrank(this.core, db, key, member, true); }
  zrange(db: DbIndex, key: Uint8Array, query: zsets.ZRangeQuery) { return zsets.zrange(this.core, db, key, query); }

  // Lists
  lpush(db: DbIndex, key: Uint8Array, elements: Uint8Array[]) { return lists.push(this.core, db, key, elements, true); }
  rpush(db: DbIndex, key: Uint8Array, elements: Uint8Array[]) { return lists.push(this.core, db, key, elements, false); }
  lpushx(db: DbIndex, key: Uint8Array, elements: Uint8Array[]) { return lists.push(this.core, db, key, elements, true, true); }
  rpushx(db: DbIndex, key: Uint8Array, elements: Uint8Array[]) { return lists.push(this.core, db, key, elements, false, true); }
  /** Without count: one element or null. With count: an array (possibly empty), or null when the key is absent. */
  lpop(db: DbIndex, key: Uint8Array): Uint8Array | null;
  lpop(db: DbIndex, key: Uint8Array, count: number): Uint8Array[] | null;
  lpop(db: DbIndex, key: Uint8Array, count?: number): Uint8Array | Uint8Array[] | null {
    const popped = lists.pop(this.core, db, key, count ?? 1, true);
    return count === undefined ? (popped?.[0] ?? null) : popped;
  }
  rpop(db: DbIndex, key: Uint8Array): Uint8Array | null;
  rpop(db: DbIndex, key: Uint8Array, count: number): Uint8Array[] | null;
  rpop(db: DbIndex, key: Uint8Array, count?: number): Uint8Array | Uint8Array[] | null {
    const popped = lists.pop(this.core, db, key, count ?? 1, false);
    return count === undefined ? (popped?.[0] ?? null) : popped;
  }
  llen(db: DbIndex, key: Uint8Array) { return lists.llen(this.core, db, key); }
  lrange(db: DbIndex, key: Uint8Array, start: number, stop: number) { return lists.lrange(this.core, db, key, start, stop); }
  lindex(db: DbIndex, key: Uint8Array, index: number) { return lists.lindex(this.core, db, key, index); }
  lset(db: DbIndex, key: Uint8Array, index: number, element: Uint8Array) { lists.lset(this.core, db, key, index, element); }

  // Iteration
  scan(db: DbIndex, cursor: string, options?: scanCommands.ScanOptions) { return scanCommands.scan(this.core, this.cursors, db, cursor, options); }
  hscan(db: DbIndex, key: Uint8Array, cursor: string, options?: scanCommands.ScanOptions) { return scanCommands.hscan(this.core, this.cursors, db, key, cursor, options); }
  sscan(db: DbIndex, key: Uint8Array, cursor: string, options?: scanCommands.ScanOptions) { return scanCommands.sscan(this.core, this.cursors, db, key, cursor, options); }
  zscan(db: DbIndex, key: Uint8Array, cursor: string, options?: scanCommands.ScanOptions) { return scanCommands.zscan(this.core, this.cursors, db, key, cursor, options); }

  // OBJECT
  objectEncoding(db: DbIndex, key: Uint8Array) { return objectCommands.objectEncoding(this.core, db, key); }
  objectRefcount(db: DbIndex, key: Uint8Array) { return objectCommands.objectRefcount(this.core, db, key); }
  objectIdletime(db: DbIndex, key: Uint8Array) { return objectCommands.objectIdletime(this.core, db, key); }

  // Expiry (docs/engine.md, "Expiry")
  /**
   * One active-expiry cycle: 'slow' `hz` times a second, 'fast' between event-loop turns (it does
   * nothing unless the last cycle left a backlog); `effort` is active-expire-effort, 1..10.
   */
  activeExpireCycle(effort = ACTIVE_EXPIRE_EFFORT_DEFAULT, hz = 10, kind: CycleKind = 'slow'): ActiveExpireCycleResult { return this.activeExpire.cycle(this.core, effort, hz, kind); }
  /** Keys of `db` with a TTL. O(1). */
  expiresCount(db: DbIndex): number { return this.core.keyspace.expires.size(db); }
  /** Mean remaining TTL (ms) of the live keys of `db` with a TTL, from 16 evenly spaced deadlines. O(log n). */
  averageTtlMs(db: DbIndex): number { return this.core.keyspace.expires.averageTtlMs(db, this.core.nowMs()); }
  /** Keys expired (lazily or actively) since the last call; the caller adds them to its stats. */
  takeExpiredKeyCount(): number {
    const count = this.core.expiredKeyCount;
    this.core.expiredKeyCount = 0;
    return count;
  }
  expireCycleStats(): { staleShare: number; timeCapReachedCount: number } {
    return { staleShare: this.activeExpire.staleShare, timeCapReachedCount: this.activeExpire.timeCapReachedCount };
  }
  resetExpireCycleStats(): void { this.activeExpire.resetStats(); }
}

/** Engine methods that are not commands on the dataset (everything else takes the writer's turn). */
const NOT_COMMANDS = new Set(['constructor', 'dumpBegin', 'dumpStep', 'dumpAbort', 'dumpCounters', 'lazyFreeCounters', 'requireDumper', 'check', 'assertCheck', 'enterTurn', 'leaveTurn', 'endCommand', 'memoryUsage', 'takeExpiredKeyCount', 'expireCycleStats', 'resetExpireCycleStats']);

// Every command enters the writer's turn before it touches the dataset: one place, so that a command
// added later cannot forget it. With no dump worker the wrapper costs one property read.
for (const name of Object.getOwnPropertyNames(Engine.prototype)) {
  const descriptor = Object.getOwnPropertyDescriptor(Engine.prototype, name)!;
  if (NOT_COMMANDS.has(name) || typeof descriptor.value !== 'function') continue;
  const command = descriptor.value as (this: Engine, ...args: unknown[]) => unknown;
  Object.defineProperty(Engine.prototype, name, {
    ...descriptor,
    value: function (this: Engine, ...args: unknown[]): unknown {
      this.enterTurn();
      return command.apply(this, args);
    },
  });
}
