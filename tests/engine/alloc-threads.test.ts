import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { H } from '../../src/engine/arena.ts';
import type { BlockIndex } from '../../src/engine/ids.ts';
import { BlockStore } from '../../src/engine/store.ts';

function freeListOf(store: BlockStore): number[] {
  const arena = store.arena;
  const seen: number[] = [];
  for (let block = arena.u32[H.freeHead]!; block !== 0; block = arena.u32[arena.blockWord(block as BlockIndex)]!) {
    seen.push(block);
    if (seen.length > arena.blockCount) throw new Error('free list has a cycle');
  }
  return seen;
}

describe('allocator under concurrent frees', () => {
  it('loses no block and hands none out twice while two worker threads free and the main thread allocates', async () => {
    const store = BlockStore.create({ initialBlocks: 64, maxBlocks: 1 << 18 });
    const perWorker = 50_000;
    store.prepare(2 * perWorker);
    const given: number[][] = [[], []];
    for (let i = 0; i < 2 * perWorker; i++) given[i % 2]!.push(store.alloc.allocate());
    const sync = new SharedArrayBuffer(16);
    const flags = new Int32Array(sync);
    const workers = given.map((blocks) => new Worker(new URL('./fixtures/ts-worker.mjs', import.meta.url), {
      workerData: { entry: new URL('./fixtures/free-worker.ts', import.meta.url).href, sab: store.arena.sab, blocks, sync },
    }));
    const done = workers.map((worker) => new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    }));
    while (Atomics.load(flags, 0) < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    Atomics.store(flags, 1, 1);
    const mine = new Set<number>();
    let poppedWhileWorkersFreed = 0;
    // Pop while the workers push: pops compete with pushes on freeHead until both workers are done.
    for (let i = 0; i < 30_000 || Atomics.load(flags, 2) < 2; i++) {
      const freedSoFar = Atomics.load(flags, 3);
      if (freedSoFar > 0 && freedSoFar < 2 * perWorker) poppedWhileWorkersFreed++;
      store.prepare(1);
      const block = store.alloc.allocate();
      if (mine.has(block)) throw new Error(`block ${block} handed out twice`);
      mine.add(block);
      if (i % 3 === 0) {
        store.alloc.free(block);
        mine.delete(block);
      }
    }
    await Promise.all(done);
    expect(poppedWhileWorkersFreed).toBeGreaterThan(1000);
    await Promise.all(workers.map((worker) => worker.terminate()));
    const free = freeListOf(store);
    expect(new Set(free).size).toBe(free.length);
    for (const block of free) expect(mine.has(block)).toBe(false);
    const u32 = store.arena.u32;
    expect(u32[H.liveBlocks]).toBe(mine.size);
    expect(u32[H.freeBlocks]).toBe(free.length + store.arena.blockCount - u32[H.nextUnusedBlock]!);
    expect(u32[H.freeBlocks]! + u32[H.liveBlocks]!).toBe(store.arena.blockCount - 1);
  });
});
