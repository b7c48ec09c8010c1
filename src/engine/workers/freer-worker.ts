import { parentPort, workerData } from 'node:worker_threads';
import { Arena } from '../arena.ts';
import { LazyFreeQueue, Q } from '../lazyfree/queue.ts';
import { BlockStore } from '../store.ts';
import type { FreerToHost, FreerWorkerData } from './messages.ts';

/**
 * The lazy freer on its own thread: drains the queue in the shared buffer with FreeStep batches and
 * sleeps on the queue's wake word when it is empty. Blocks go back through the allocator's lock-free
 * push, so the command thread's allocation fast path never waits for this thread.
 */
const data = workerData as FreerWorkerData;
const post = (message: FreerToHost): void => parentPort!.postMessage(message);
const store = new BlockStore(Arena.attach(data.sab));
const queue = new LazyFreeQueue(store);
let freedBlocks = 0;
try {
  post({ type: 'ready' });
  const i32 = store.arena.i32;
  while (Atomics.load(i32, Q.stopWorker) === 0) {
    const wake = Atomics.load(i32, Q.wake);
    const freed = queue.freeStep(data.budgetBlocks);
    freedBlocks += freed;
    if (data.crashAfterBlocks !== undefined && freedBlocks >= data.crashAfterBlocks) throw new Error('simulated freer crash');
    if (freed === 0) Atomics.wait(i32, Q.wake, wake, 50);
  }
  post({ type: 'stopped', freedBlocks });
} catch (error) {
  post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}
