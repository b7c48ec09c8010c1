import type { Engine } from '../engine/engine.ts';

/**
 * UNLINK and FLUSHALL/FLUSHDB ASYNC go to the engine's lazy free (src/engine/lazyfree): UNLINK
 * detaches keys in O(log n) each and frees small values at once, queueing big ones; FLUSH ASYNC
 * swaps in empty databases in O(1) and queues the old trees. The queue lives in the
 * SharedArrayBuffer; `startFreer` drains it between commands.
 */
export function unlinkKeys(engine: Engine, db: number, keys: Buffer[]): number {
  return engine.unlink(db, keys);
}

export function flushDatabaseAsync(engine: Engine, db: number): void {
  engine.flushdbAsync(db);
}

export function flushAllAsync(engine: Engine): void {
  engine.flushallAsync();
}

/** Blocks freed per step; one step of 4,096 blocks stays well under a millisecond of work. */
const freeStepBlocks = 4096;

/**
 * The freer: while objects are queued, frees a bounded batch per turn of the event loop, so a
 * command never waits behind more than one batch. DEVIATION: Redis frees on a background thread;
 * here the steps run on the command thread between commands (the engine's step functions are
 * built to run on a worker too, which is not wired here). Allocation also helps the freer before
 * the buffer grows (the engine's reclaim), which bounds memory when a producer outpaces it.
 */
export function startFreer(engineOf: () => Engine, intervalMs = 2): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    if (stopped) return;
    const engine = engineOf();
    if (engine.lazyFreeCounters().pendingObjects > 0) {
      engine.freeStep(freeStepBlocks);
      setImmediate(tick);
      return;
    }
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  };
  tick();
  return {
    stop: () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    },
  };
}
