import { Worker } from 'node:worker_threads';
import type { Engine } from '../engine.ts';
import { Q } from '../lazyfree/queue.ts';
import type { FreerToHost, FreerWorkerData } from './messages.ts';

export class FreerWorkerError extends Error {
  override readonly name = 'FreerWorkerError';
}

/**
 * Runs lazy free's FreeStep on a worker thread sharing the engine's buffer. UNLINK and FLUSHALL ASYNC
 * only queue; this thread frees. The command thread still helps when an allocation would otherwise
 * grow the buffer (spec NoFalseOOM), so the two may free side by side, each item by one of them.
 */
export class FreerWorker {
  private readonly worker: Worker;
  private readonly finished: Promise<number>;
  /** Set when the worker failed; the queue stays intact and the command thread's FreeStep still drains it. */
  failure: FreerWorkerError | null = null;
  /** stop() ends the worker with terminate(), whose exit code is 1: that exit is no failure. */
  private terminating = false;

  private constructor(private readonly engine: Engine, data: Omit<FreerWorkerData, 'entry' | 'sab'>, readyResolve: () => void, readyReject: (error: Error) => void) {
    Atomics.store(engine.store.arena.i32, Q.stopWorker, 0);
    const workerData: FreerWorkerData = { entry: new URL('./freer-worker.ts', import.meta.url).href, sab: engine.sharedBuffer, ...data };
    this.worker = new Worker(new URL('./bootstrap.mjs', import.meta.url), { workerData });
    this.finished = new Promise<number>((resolve, reject) => {
      this.worker.on('message', (message: FreerToHost) => {
        if (message.type === 'ready') readyResolve();
        else if (message.type === 'stopped') resolve(message.freedBlocks);
        else {
          this.failure = this.failed(`lazy-free worker failed: ${message.message}`);
          readyReject(this.failure);
          reject(this.failure);
        }
      });
      this.worker.on('error', (error) => {
        this.failure = this.failed(`lazy-free worker crashed: ${error.message}`);
        readyReject(this.failure);
        reject(this.failure);
      });
      this.worker.on('exit', (code) => {
        if (code !== 0 && this.failure === null && !this.terminating) {
          this.failure = this.failed(`lazy-free worker exited with code ${code}`);
          reject(this.failure);
        }
      });
    });
    this.finished.catch(() => undefined);
  }

  /**
   * The error for a dead worker. A worker that died inside a batch leaves its item counted as in
   * progress, which would make every allocation wait for it (LazyFree.reclaim): the count is cleared
   * and the half-freed object abandoned (its remaining blocks stay allocated; check() reports them).
   * This runs on the command thread between commands, so no batch of its own is in flight.
   */
  private failed(message: string): FreerWorkerError {
    const i32 = this.engine.store.arena.i32;
    const abandoned = Atomics.exchange(i32, Q.inProgress, 0);
    return new FreerWorkerError(abandoned > 0 ? `${message} (it held a half-freed object, now abandoned)` : message);
  }

  static async start(engine: Engine, options: { budgetBlocks?: number; crashAfterBlocks?: number } = {}): Promise<FreerWorker> {
    let readyResolve!: () => void;
    let readyReject!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    const freer = new FreerWorker(engine, { budgetBlocks: options.budgetBlocks ?? 1024, ...(options.crashAfterBlocks !== undefined ? { crashAfterBlocks: options.crashAfterBlocks } : {}) }, readyResolve, readyReject);
    await ready;
    return freer;
  }

  /** Stops after the current batch; resolves with the blocks the worker freed. */
  async stop(): Promise<number> {
    const i32 = this.engine.store.arena.i32;
    Atomics.store(i32, Q.stopWorker, 1);
    Atomics.add(i32, Q.wake, 1);
    Atomics.notify(i32, Q.wake);
    try {
      return await this.finished;
    } finally {
      this.terminating = true;
      await this.worker.terminate();
    }
  }
}
