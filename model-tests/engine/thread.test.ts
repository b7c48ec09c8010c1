/**
 * Thread mode: the lazy freer runs on its worker thread (src/engine/workers/freer.ts) while this thread
 * writes, unlinks, flushes and steps the dump. The worker's frees are not traced, so the model frees
 * its queue whenever the engine's is seen empty. After every command GET, DBSIZE and the dump output so
 * far are compared (check() would race the worker's queue walk); at each quiescent point (the worker
 * idle, its queue empty) check() and the block counts too, and at each DumpEnd the decoded file must
 * equal the model's snapshot for that dump. SABRE_THREAD_SEEDS scales the seeds.
 * The BGSAVE variants run the dump inline between turns of the event loop, or on the dump worker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTraceWithTlc } from '../trace/check-trace.ts';
import { replayThroughModel } from '../trace/replay.ts';
import type { Profile } from './campaign.ts';
import { runBackgroundDumpSeed, runThreadSeed, THREAD_PRESSURE_PROFILE, threadReplayLine } from './thread-run.ts';

const SEEDS = Number(process.env.SABRE_THREAD_SEEDS ?? 6);
// Fixed in CI (a red build is a regression, not a new draw); fresh locally and in `npm run hunt`.
const FIRST_SEED = Number(process.env.SABRE_SEED ?? (process.env.CI ? 20261122 % 100_000 : Date.now() % 100_000));

describe('engine vs model, lazy free on a worker thread', () => {
  it(`agrees with the model at every command and at quiescence (${SEEDS} seeds)`, async () => {
    const totals = { commands: 0, quiescent: 0, dumps: 0 };
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      try {
        const figures = await runThreadSeed(seed);
        totals.commands += figures.commands;
        totals.quiescent += figures.quiescent;
        totals.dumps += figures.dumps;
      } catch (error) {
        console.error(`REPLAY: ${threadReplayLine(seed)}`);
        throw error;
      }
    }
    console.log(`thread mode: seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}, ${totals.commands} commands, ${totals.quiescent} quiescent checks, ${totals.dumps} whole dumps compared`);
  });
});

describe('engine vs model, BGSAVE to a file while writing, lazy freer on its worker', () => {
  const directory = mkdtempSync(join(tmpdir(), 'sabre-mbt-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it(`saves files holding the model's snapshot while writes and frees go on (${SEEDS} seeds)`, async () => {
    const totals = { commands: 0, dumps: 0, keysDumped: 0 };
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      try {
        const figures = await runBackgroundDumpSeed(seed, directory);
        totals.commands += figures.commands;
        totals.dumps += figures.dumps;
        totals.keysDumped += figures.keysDumped;
      } catch (error) {
        console.error(`REPLAY: ${threadReplayLine(seed).replace('thread.test.ts', "thread.test.ts -t BGSAVE")}`);
        throw error;
      }
    }
    console.log(`background dump: seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}, ${totals.commands} commands, ${totals.dumps} files saved, ${totals.keysDumped} keys compared`);
  });
});

describe('engine vs model, BGSAVE on the dump worker while writing, lazy freer on its worker', () => {
  const directory = mkdtempSync(join(tmpdir(), 'sabre-mbt-worker-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it(`saves files holding the model's snapshot, its DumpSteps in the model's order (${SEEDS} seeds)`, async () => {
    const totals = { commands: 0, dumps: 0, keysDumped: 0, steps: 0 };
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      try {
        const figures = await runBackgroundDumpSeed(seed, directory, 'worker');
        totals.commands += figures.commands;
        totals.dumps += figures.dumps;
        totals.keysDumped += figures.keysDumped;
        totals.steps += figures.run.actionCounts.DumpStep ?? 0;
      } catch (error) {
        console.error(`REPLAY: ${threadReplayLine(seed).replace('thread.test.ts', "thread.test.ts -t 'dump worker'")}`);
        throw error;
      }
    }
    console.log(`dump worker: seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}, ${totals.commands} commands, ${totals.dumps} files saved, ${totals.keysDumped} keys compared, ${totals.steps} model DumpSteps from the worker's trace`);
    expect(totals.keysDumped).toBeGreaterThan(0);
  });
});

/** TLC-sized: 2 keys of at most 2 blocks, so a drained queue has few orders to search. */
const THREAD_TRACE_PROFILE: Profile = {
  name: 'thread-trace', keys: ['a', 'b'], vals: [1, 2], maxLen: 2, copyBounds: [2], lazyFreeThreshold: 1, blockSizeBytes: 64,
  weights: { write: 3, dump: 2, free: 0, allocFail: 0 }, maxCommands: 60,
};

describe('thread-mode traces', () => {
  it('replays a thread-mode trace through the model and TLC accepts it', async () => {
    // Seeds in order until a trace holds a whole dump with a written key (the first one usually does).
    for (let seed = FIRST_SEED; seed < FIRST_SEED + 20; seed++) {
      const { run } = await runThreadSeed(seed, THREAD_TRACE_PROFILE, true);
      const trace = run.trace;
      if (run.deviations.appendDirtyFirst > 0 || !trace.some((e) => e.action === 'DumpEnd') || !trace.some((e) => (e.written?.length ?? 0) > 0)) continue;
      expect(replayThroughModel(trace, run.config.model).ok, `seed ${seed}`).toBe(true);
      const { keys, blockCount, maxLen, copyBound, lazyFreeThreshold } = run.config.model;
      const verdict = checkTraceWithTlc(trace, { keys, blockCount, maxLen, copyBound, lazyFreeThreshold });
      console.log(`thread-mode trace (seed ${seed}) of ${trace.length} events: TLC ${verdict.accepted ? 'accepts' : 'REJECTS'} in ${verdict.seconds.toFixed(1)} s`);
      expect(verdict.accepted, `seed ${seed}`).toBe(true);
      return;
    }
    throw new Error(`no thread-mode trace with a whole dump in seeds ${FIRST_SEED}..${FIRST_SEED + 19}`);
  });
});

describe('engine vs model, lazy free on a worker thread under memory pressure', () => {
  it(`never reports out-of-memory while the worker holds queued blocks, and agrees with the model (${SEEDS} seeds)`, async () => {
    const totals = { commands: 0, oom: 0 };
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      try {
        const { commands, run } = await runThreadSeed(seed, THREAD_PRESSURE_PROFILE);
        totals.commands += commands;
        totals.oom += run.deviations.engineOom;
      } catch (error) {
        console.error(`REPLAY: ${threadReplayLine(seed)} -t pressure`);
        throw error;
      }
    }
    console.log(`thread mode under pressure: seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}, ${totals.commands} commands, ${totals.oom} out-of-memory replies`);
    expect(totals.oom).toBeGreaterThan(0);
  });
});
