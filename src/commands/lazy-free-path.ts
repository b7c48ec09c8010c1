import type { Engine } from '../engine/engine.ts';
import { FreerWorker } from '../engine/workers/freer.ts';

/**
 * UNLINK and FLUSHALL/FLUSHDB ASYNC go to the engine's lazy free (src/engine/lazyfree): UNLINK
 * detaches keys in O(log n) each and frees small values at once, queueing big ones; FLUSH ASYNC
 * swaps in empty databases in O(1) and queues the old trees. The queue lives in the
 * SharedArrayBuffer; `startFreer` drains it.
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

export interface Freer {
  /** 'worker' while the freer thread runs; 'inline' when steps run on the command thread. */
  readonly kind: 'worker' | 'inline';
  stop(): Promise<void>;
}

/**
 * The freer. By default a worker thread (src/engine/workers/freer.ts) drains the queue in the
 * shared buffer, as Redis frees on a background thread. Without it (`sabre-lazyfree-worker no`, or
 * if it fails to start or dies) the command thread frees a bounded batch per turn of the event
 * loop while objects are queued, so a command never waits behind more than one batch. Either way,
 * allocation helps before the buffer grows (the engine's reclaim), which bounds memory when a
 * producer outpaces the freer.
 */
export async function startFreer(engineOf: () => Engine, options: { worker: boolean; log: (line: string) => void }): Promise<Freer> {
  let worker: FreerWorker | null = null;
  if (options.worker) {
    try {
      worker = await FreerWorker.start(engineOf(), { budgetBlocks: freeStepBlocks });
    } catch (error) {
      options.log(`lazy-free worker did not start (${error instanceof Error ? error.message : String(error)}); freeing on the command thread`);
    }
  }
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let reportedFailure = false;
  const tick = () => {
    if (stopped) return;
    const workerAlive = worker !== null && worker.failure === null;
    if (worker !== null && !workerAlive && !reportedFailure) {
      reportedFailure = true;
      options.log(`${worker.failure?.message ?? 'lazy-free worker stopped'}; freeing on the command thread`);
    }
    const engine = engineOf();
    if (!workerAlive && engine.lazyFreeCounters().pendingObjects > 0) {
      engine.freeStep(freeStepBlocks);
      setImmediate(tick);
      return;
    }
    timer = setTimeout(tick, workerAlive ? 100 : 2);
    timer.unref();
  };
  tick();
  return {
    get kind() {
      return worker !== null && worker.failure === null ? 'worker' : 'inline';
    },
    stop: async () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      if (worker !== null && worker.failure === null) await worker.stop().catch(() => undefined);
    },
  };
}
