import type { Engine } from '../engine/engine.ts';

/**
 * UNLINK and FLUSHALL/FLUSHDB ASYNC. The engine's lazy-free API (src/engine/lazyfree: a cost
 * estimate, a queue, a background freer) was not in the tree when this was written, so these take
 * the engine's synchronous path: same replies and the same dataset afterwards, but the blocks are
 * released on the command thread. `lazyFreeAvailable` is what INFO lazyfree reports.
 */
export const lazyFreeAvailable = false;

export function unlinkKeys(engine: Engine, db: number, keys: Buffer[]): number {
  return engine.del(db, keys);
}

export function flushDatabaseAsync(engine: Engine, db: number): void {
  engine.flushdb(db);
}

export function flushAllAsync(engine: Engine): void {
  engine.flushall();
}
