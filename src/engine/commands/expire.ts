import { DATABASE_COUNT } from '../arena.ts';
import type { Core } from '../core.ts';
import { readEntryKey } from '../entry.ts';
import { assert } from '../errors.ts';
import { NULL_BLOCK } from '../ids.ts';

export interface ActiveExpireCycleResult {
  /** Index entries looked at (each one either expired and deleted, or the first live one of its database). */
  sampled: number;
  expired: number;
  timeCapReached: boolean;
}

/** Redis's active-expire-effort range; the default 1 is Redis's default too. */
export const ACTIVE_EXPIRE_EFFORT_MIN = 1;
export const ACTIVE_EXPIRE_EFFORT_MAX = 10;
export const ACTIVE_EXPIRE_EFFORT_DEFAULT = 1;

/**
 * What one cycle may do, scaled by effort as Redis scales it (expire.c): at effort 1, 20 keys per
 * loop and 25 % of the cycle's period; each step of effort adds a quarter of the keys per loop and
 * 2 % of the period, and lowers the acceptable stale share by 1 %.
 */
export function cycleLimits(effort: number, hz: number, kind: CycleKind = 'slow'): { keysPerLoop: number; timeLimitMs: number; acceptableStalePerc: number } {
  assert(Number.isInteger(effort) && effort >= ACTIVE_EXPIRE_EFFORT_MIN && effort <= ACTIVE_EXPIRE_EFFORT_MAX, `active-expire-effort ${effort} out of range`);
  assert(hz > 0, 'hz must be positive');
  const extra = effort - 1;
  return {
    keysPerLoop: 20 + 5 * extra,
    // A fast cycle gets 1 ms (+ a quarter per effort step), as Redis's.
    timeLimitMs: kind === 'fast' ? 1 + 0.25 * extra : ((25 + 2 * extra) / 100) * (1000 / hz),
    acceptableStalePerc: 10 - extra,
  };
}

/**
 * 'slow': the `hz` cycle. 'fast': Redis's short cycle between event-loop turns, which runs only
 * while the last cycle stopped at its time limit or the stale share is above the acceptable one,
 * and at most once per two of its durations (so at most half the time goes to it).
 */
export type CycleKind = 'slow' | 'fast';

const NO_WORK: ActiveExpireCycleResult = Object.freeze({ sampled: 0, expired: 0, timeCapReached: false });

/**
 * Active expiry in the shape of Redis's activeExpireCycle: `hz` cycles a second; each visits the
 * databases round-robin (resuming where the last cycle stopped) and runs loops of `keysPerLoop`
 * looks, repeating while the share of expired keys in the last loop is above the acceptable stale
 * share, until the time limit.
 *
 * DEVIATION: Redis samples its expires dictionary at random, so some looks find live keys. Sabre's
 * expiry index (expires.ts) is ordered by deadline, so the "sample" is the earliest keys: every look
 * but the last of a database finds an expired key, and the first live key ends that database (the
 * share of expired keys among the rest is 0, below any acceptable share). A loop whose looks all
 * found expired keys (100 % stale) repeats. No look is wasted, and the acceptable stale share only
 * decides what Redis's loop would also decide. The fast cycle (`kind` 'fast') is Redis's too; the
 * server runs it between event-loop turns while a backlog remains.
 */
export class ActiveExpire {
  private nextDb = 0;
  /** Share of keys with a TTL that were expired but still present after a cycle, smoothed as Redis does. */
  staleShare = 0;
  timeCapReachedCount = 0;
  private lastTimeCapReached = false;
  private lastFastStartMs = -Infinity;

  /** `monotonicMs` measures the time limit (tests pass a fake to make the limit deterministic). */
  constructor(private readonly monotonicMs: () => number = () => performance.now()) {}

  cycle(core: Core, effort: number, hz: number, kind: CycleKind = 'slow'): ActiveExpireCycleResult {
    const { keysPerLoop, timeLimitMs, acceptableStalePerc } = cycleLimits(effort, hz, kind);
    const startMs = this.monotonicMs();
    if (kind === 'fast') {
      if (!this.lastTimeCapReached && this.staleShare * 100 < acceptableStalePerc) return NO_WORK;
      if (startMs < this.lastFastStartMs + 2 * timeLimitMs) return NO_WORK;
      this.lastFastStartMs = startMs;
    }
    const nowMs = core.nowMs();
    const expires = core.keyspace.expires;
    let sampled = 0;
    let expired = 0;
    let timeCapReached = false;
    for (let visited = 0; visited < DATABASE_COUNT && !timeCapReached; visited++) {
      const db = this.nextDb;
      this.nextDb = (db + 1) % DATABASE_COUNT;
      for (let loops = 0; ; loops++) {
        assert(loops <= core.store.arena.blockCount, 'expiry loop does not end');
        let loopSampled = 0;
        let loopExpired = 0;
        let metLiveKey = false;
        while (loopSampled < keysPerLoop) {
          const indexNode = expires.earliest(db);
          if (indexNode === NULL_BLOCK) break;
          loopSampled++;
          if (expires.expireAtOf(indexNode) > nowMs) {
            metLiveKey = true;
            break;
          }
          const deleted = core.deleteKey(db, readEntryKey(core.store, expires.keyNodeOf(indexNode)));
          assert(deleted, 'an indexed key is missing from the keyspace');
          loopExpired++;
        }
        sampled += loopSampled;
        expired += loopExpired;
        if (loopSampled === 0 || metLiveKey || (loopExpired * 100) / loopSampled <= acceptableStalePerc) break;
        if (this.monotonicMs() - startMs > timeLimitMs) {
          timeCapReached = true;
          // Resume in this database: its backlog is not done.
          this.nextDb = db;
          break;
        }
      }
    }
    core.expiredKeyCount += expired;
    if (timeCapReached) this.timeCapReachedCount++;
    this.lastTimeCapReached = timeCapReached;
    this.staleShare = this.staleShare * 0.95 + currentStaleShare(core, nowMs) * 0.05;
    return { sampled, expired, timeCapReached };
  }

  resetStats(): void {
    this.staleShare = 0;
    this.timeCapReachedCount = 0;
  }
}

/** Expired-but-present keys over keys with a TTL, all databases, exact. O(databases * log n). */
function currentStaleShare(core: Core, nowMs: number): number {
  const expires = core.keyspace.expires;
  let withTtl = 0;
  let stale = 0;
  for (let db = 0; db < DATABASE_COUNT; db++) {
    const size = expires.size(db);
    if (size === 0) continue;
    withTtl += size;
    stale += expires.expiredCount(db, nowMs);
  }
  return withTtl === 0 ? 0 : stale / withTtl;
}
