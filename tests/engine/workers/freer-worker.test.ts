import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { dumpToFile, loadRdbFile } from '../../../src/engine/snapshot/dump-file.ts';
import { FreerWorker, FreerWorkerError } from '../../../src/engine/workers/freer.ts';
import { makeTempDir } from '../../rdb/redis-server.ts';
import { b } from '../helpers.ts';
import { captureDataset, runCommand, writeArb } from '../snapshot/dump-helpers.ts';

function bigValues(engine: Engine, round: number): void {
  const fields = Array.from({ length: 400 }, (_, i) => [b(`f${i}`), b(`v${round}-${i}`)] as [Uint8Array, Uint8Array]);
  engine.hset(0, b(`hash${round % 5}`), fields);
  engine.endCommand();
  engine.sadd(1, b(`set${round % 3}`), fields.map(([f]) => f));
  engine.endCommand();
  engine.set(0, b(`str${round % 4}`), new Uint8Array(20_000).fill(round & 0xff));
  engine.endCommand();
}

describe('lazy free on a worker thread', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    temp = await makeTempDir('sabre-workers-');
  });
  afterAll(async () => temp.remove());

  it('frees what UNLINK and FLUSHALL ASYNC queue while the command thread writes and dumps (several seeds, check() when quiet)', async () => {
    let freedByWorkers = 0;
    for (const seed of [1, 2, 3, 4]) {
      const engine = new Engine({ initialBlocks: 256, clock: new ManualClock(1e12), copyBound: 16, lazyFreeThresholdBlocks: 4 });
      const freer = await FreerWorker.start(engine, { budgetBlocks: 200 });
      const commands = fc.sample(fc.array(writeArb, { minLength: 200, maxLength: 200 }), { seed, numRuns: 1 })[0]!;
      for (let round = 0; round < 20; round++) bigValues(engine, round);
      const atBegin = captureDataset(engine);
      const target = path.join(temp.dir, `seed-${seed}.rdb`);
      const dump = dumpToFile(engine, target, { stepBlocks: 32, minChunkBytes: 1024 });
      let i = 0;
      while (engine.dumping || i < commands.length) {
        if (i < commands.length) runCommand(engine, commands[i]!);
        if (i % 7 === 0) {
          bigValues(engine, i);
          engine.unlink(0, [b(`hash${i % 5}`), b(`str${i % 4}`)]);
          engine.unlink(1, [b(`set${i % 3}`)]);
          engine.endCommand();
        }
        if (i % 97 === 0) engine.flushallAsync();
        i++;
        if (i % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await dump;
      // One more big value, with the command thread idle: only the worker can free it.
      bigValues(engine, 1000);
      engine.unlink(0, [b('hash0')]);
      for (let waited = 0; engine.lazyFreeCounters().pendingObjects + engine.lazyFreeCounters().inProgress > 0 && waited < 2000; waited++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      freedByWorkers += await freer.stop();
      while (engine.freeStep(1000) > 0); // whatever a starved worker left: the test is about sharing, not speed
      expect(engine.lazyFreeCounters()).toMatchObject({ pendingObjects: 0, inProgress: 0 });
      engine.assertCheck();
      expect(captureDataset(await loadRdbFile(target, { clock: new ManualClock(1e12) }))).toEqual(atBegin);
    }
    expect(freedByWorkers).toBeGreaterThan(0);
  });

  it('reports a crashed worker with a clear error; the queue stays sound and the command thread drains it', async () => {
    const engine = new Engine({ initialBlocks: 256 });
    const freer = await FreerWorker.start(engine, { budgetBlocks: 50, crashAfterBlocks: 100 });
    for (let round = 0; round < 10; round++) {
      bigValues(engine, round);
      engine.unlink(0, [b(`hash${round % 5}`)]);
    }
    // Let the worker reach its simulated crash before stopping it: a starved worker would stop cleanly.
    await expect.poll(() => freer.failure, { timeout: 20_000 }).not.toBeNull();
    await expect(freer.stop()).rejects.toThrow(FreerWorkerError);
    expect(freer.failure?.message).toMatch(/lazy-free worker failed: simulated freer crash/);
    while (engine.freeStep(500) > 0);
    engine.assertCheck();
    expect(engine.lazyFreeCounters().pendingObjects).toBe(0);
  });
});
