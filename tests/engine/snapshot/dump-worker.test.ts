import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { DumpFailedError } from '../../../src/engine/snapshot/dump-file.ts';
import { dumpOnWorker } from '../../../src/engine/workers/dump-thread.ts';
import { FreerWorker } from '../../../src/engine/workers/freer.ts';
import { decodeRdb } from '../../../src/rdb/index.ts';
import { makeTempDir } from '../../rdb/redis-server.ts';
import { b } from '../helpers.ts';
import { canonicalFromRdb, captureDataset, runCommand, writeArb, type Command } from './dump-helpers.ts';

const turnOfTheLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A dataset of every type, with values big enough to span many worker steps. */
function engineWithData(copyBound: number): Engine {
  const engine = new Engine({ initialBlocks: 256, copyBound, clock: new ManualClock(1_700_000_000_000) });
  for (let i = 0; i < 400; i++) {
    engine.set(i % 3 === 0 ? 1 : 0, b(`k${i}`), b(`value-${i}-`.repeat(1 + (i % 13))));
    engine.endCommand();
  }
  engine.hset(0, b('h1'), Array.from({ length: 300 }, (_, i) => [b(`f${i}`), b(`v${i}`.repeat(i % 7))] as [Uint8Array, Uint8Array]));
  engine.zadd(0, b('z1'), Array.from({ length: 200 }, (_, i) => ({ member: b(`m${i}`), score: i % 9 })));
  engine.sadd(0, b('t1'), Array.from({ length: 200 }, (_, i) => b(`s${i}`)));
  engine.rpush(0, b('l1'), Array.from({ length: 300 }, (_, i) => b(`e${i}`.repeat(1 + (i % 5)))));
  engine.set(0, b('s1'), new Uint8Array(70_000).map((_, i) => i));
  engine.endCommand();
  return engine;
}

/**
 * Runs writes in batches with a turn of the event loop between them until the dump is over (or
 * `limit`); every 25th batch, check() in the writer's turn, while the worker is mid-dump.
 */
async function writeWhileDumping(engine: Engine, writes: readonly Command[], batch: number, limit = Infinity): Promise<number> {
  let sent = 0;
  for (let i = 0; engine.dumping && sent < limit; i++) {
    for (let j = 0; j < batch && sent < limit; j++) runCommand(engine, writes[sent++ % writes.length]!);
    if (i % 25 === 0) engine.assertCheck();
    await turnOfTheLoop();
  }
  return sent;
}

describe('the dump on a worker thread', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    temp = await makeTempDir('sabre-dump-worker-');
  });
  afterAll(async () => temp.remove());

  it('writes exactly the dataset as of DumpBegin while random writes of every type go on (many seeds)', async () => {
    let seedsRun = 0;
    let writesSent = 0;
    let copies = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(writeArb, { minLength: 50, maxLength: 300 }), fc.integer({ min: 1, max: 16 }), fc.constantFrom(4, 16, 4096), async (writes, batch, copyBound) => {
        const engine = engineWithData(copyBound);
        const atBegin = captureDataset(engine);
        const target = path.join(temp.dir, `seed-${seedsRun}.rdb`);
        const dump = dumpOnWorker(engine, target, { stepBlocks: 8, minChunkBytes: 256 });
        writesSent += await writeWhileDumping(engine, writes, batch);
        const result = await dump.done;
        expect(engine.dumping).toBe(false);
        expect(canonicalFromRdb(decodeRdb(await readFile(target)).entries)).toEqual(atBegin);
        engine.assertCheck();
        expect(engine.memoryUsage().dumpCopyBlocks).toBe(0);
        copies += result.counters.copiesMade;
        expect(result.counters.peakCopies).toBeLessThanOrEqual(copyBound);
        seedsRun++;
      }),
      { numRuns: Number(process.env.SABRE_DUMP_WORKER_SEEDS ?? 12), ...(process.env.CI ? { seed: 20261122 } : {}) },
    );
    console.log(`dump worker: ${seedsRun} seeds, ${writesSent} writes during the dumps, ${copies} copies made`);
    expect(copies).toBeGreaterThan(0);
  });

  it('and with the freer worker draining UNLINKs and FLUSHALL ASYNC at the same time', async () => {
    const engine = engineWithData(16);
    const freer = await FreerWorker.start(engine, { budgetBlocks: 32 });
    try {
      engine.lazyFree.thresholdBlocks; // the default threshold: big values are queued for the freer
      const atBegin = captureDataset(engine);
      const target = path.join(temp.dir, 'with-freer.rdb');
      const dump = dumpOnWorker(engine, target, { stepBlocks: 4, minChunkBytes: 128 });
      let round = 0;
      while (engine.dumping) {
        engine.unlink(0, [b('h1'), b('z1'), b('l1'), b(`k${round % 400}`)]);
        engine.hset(0, b('h1'), Array.from({ length: 100 }, (_, i) => [b(`g${i}`), b(`w${round}`)] as [Uint8Array, Uint8Array]));
        engine.rpush(0, b('l1'), Array.from({ length: 100 }, (_, i) => b(`n${i}-${round}`)));
        if (round % 7 === 3) engine.flushallAsync();
        engine.endCommand();
        round++;
        await turnOfTheLoop();
      }
      await dump.done;
      expect(canonicalFromRdb(decodeRdb(await readFile(target)).entries)).toEqual(atBegin);
      await freer.stop();
      expect(freer.failure).toBeNull();
      while (engine.freeStep(1024) > 0);
      engine.assertCheck();
      console.log(`dump worker with the freer worker: ${round} rounds of UNLINK/HSET/RPUSH/FLUSHALL ASYNC during the dump`);
    } finally {
      await freer.stop().catch(() => undefined);
    }
  });

  for (const fault of ['crash', 'full disk', 'abort'] as const) {
    it(`a ${fault} mid-dump leaves the previous RDB, no temp file, the dataset intact and nothing leaked`, async () => {
      const target = path.join(temp.dir, `fault-${fault.replace(' ', '-')}.rdb`);
      await writeFile(target, 'previous file');
      const engine = engineWithData(8);
      const writes: Command[] = fc.sample(writeArb, { numRuns: 400, seed: 7 });
      const dump = dumpOnWorker(engine, target, {
        stepBlocks: 4,
        minChunkBytes: 256,
        ...(fault === 'crash' ? { crashAtStep: 40 } : {}),
        ...(fault === 'full disk' ? { failWriteAfterBytes: 3000 } : {}),
      });
      // The dataset the writes make, minus the dump: every write keeps landing while the dump fails.
      const sent = await writeWhileDumping(engine, writes, 3, fault === 'abort' ? 60 : Infinity);
      if (fault === 'abort') engine.dumpAbort(); // the engine's abort reaches the worker
      const failure = await dump.done.then(() => null, (error: unknown) => error);
      expect(failure).toBeInstanceOf(DumpFailedError);
      expect(String(failure)).toMatch(fault === 'crash' ? /exited with code 70/ : fault === 'full disk' ? /ENOSPC/ : /aborted/);
      expect(engine.dumping).toBe(false);
      expect(await readFile(target, 'utf8')).toBe('previous file');
      expect((await readdir(temp.dir)).filter((name) => name.startsWith('temp-'))).toEqual([]);
      engine.assertCheck();
      expect(engine.memoryUsage().dumpCopyBlocks).toBe(0);
      // The same writes on a fresh engine that never dumped give the same dataset.
      const reference = engineWithData(8);
      for (let i = 0; i < sent; i++) runCommand(reference, writes[i % writes.length]!);
      engine.enterTurn();
      expect(captureDataset(engine)).toEqual(captureDataset(reference));
      console.log(`${fault}: ${sent} writes during the failed dump; ${String(failure).split('\n')[0]}`);
      // and the next dump works
      const next = dumpOnWorker(engine, target, { stepBlocks: 64 });
      await next.done;
      expect(canonicalFromRdb(decodeRdb(await readFile(target)).entries)).toEqual(captureDataset(engine));
    });
  }
});
