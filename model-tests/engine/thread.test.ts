/**
 * Thread mode: the lazy freer runs on its worker thread (src/engine/workers/freer.ts) while this thread
 * writes, unlinks, flushes and steps the dump. The worker's frees are not traced, so the model frees
 * its queue whenever the engine's is seen empty. After every command GET, DBSIZE and the dump output so
 * far are compared (check() would race the worker's queue walk); at each quiescent point (the worker
 * idle, its queue empty) check() and the block counts too, and at each DumpEnd the decoded file must
 * equal the model's snapshot for that dump. SABRE_THREAD_SEEDS scales the seeds.
 * There is no dump worker yet: the dump runs inline here (docs/model-based-tests.md).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FreerWorker } from '../../src/engine/workers/freer.ts';
import { type Profile, modelConfigFor } from './campaign.ts';
import { commandArb, setObserveOptions } from './commands.ts';
import { decodedSoFar, observe } from './observe.ts';
import { Divergence, PairedRun } from './paired-run.ts';

const PROFILE: Profile = {
  name: 'thread', keys: ['a', 'b', 'c', 'd'], vals: [1, 2, 3], maxLen: 5, copyBounds: [3], lazyFreeThreshold: 1, blockSizeBytes: 64,
  weights: { write: 5, dump: 2, free: 0, allocFail: 0 }, maxCommands: 300,
};
const SEEDS = Number(process.env.SABRE_THREAD_SEEDS ?? 6);
const FIRST_SEED = Number(process.env.SABRE_SEED ?? Date.now() % 100_000);

async function quiesce(run: PairedRun): Promise<void> {
  for (let waited = 0; ; waited++) {
    const lazy = run.engine.lazyFreeCounters();
    if (lazy.pendingObjects + lazy.inProgress === 0) break;
    if (waited > 500) throw new Divergence(`the freer worker left ${lazy.pendingObjects} objects queued for 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  run.drainModelQueue();
  observe(run, 'quiescent', { engineCheck: true });
}

async function runSeed(seed: number): Promise<{ commands: number; quiescent: number; dumps: number }> {
  const run = new PairedRun({ model: modelConfigFor(PROFILE, 3), blockSizeBytes: PROFILE.blockSizeBytes, keepTrace: false });
  const commands = fc.sample(fc.commands([commandArb(PROFILE.keys, PROFILE.vals, PROFILE.maxLen, PROFILE.weights)], { maxCommands: PROFILE.maxCommands, size: 'max' }), { seed, numRuns: 1 })[0]!;
  const freer = await FreerWorker.start(run.engine, { budgetBlocks: 4 });
  let executed = 0;
  let quiescent = 0;
  let dumps = 0;
  try {
    setObserveOptions({ engineCheck: false });
    for (const command of commands) {
      if (!command.check(run)) continue;
      const wasDumping = run.model.dumping;
      command.run(run, run);
      executed++;
      if (wasDumping && !run.model.dumping) {
        dumps++;
        const written = new Map(decodedSoFar(run.dumpChunks).entries.map((e) => [new TextDecoder('latin1').decode(e.key), run.codec.decode(e.value.type === 'string' ? e.value.bytes : new Uint8Array(1))]));
        const snapshot = new Map([...run.model.snap].filter(([, vals]) => vals.length > 0));
        expect(written, `seed ${seed}: dump ${dumps} = the model's snapshot`).toEqual(snapshot);
      }
      if (executed % 25 === 0 || (wasDumping && !run.model.dumping)) {
        await quiesce(run);
        quiescent++;
      }
    }
    await quiesce(run);
  } finally {
    setObserveOptions({ engineCheck: true });
    await freer.stop();
  }
  if (freer.failure !== null) throw freer.failure;
  return { commands: executed, quiescent: quiescent + 1, dumps };
}

describe('engine vs model, lazy free on a worker thread', () => {
  it(`agrees with the model at every command and at quiescence (${SEEDS} seeds)`, async () => {
    const totals = { commands: 0, quiescent: 0, dumps: 0 };
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      try {
        const figures = await runSeed(seed);
        totals.commands += figures.commands;
        totals.quiescent += figures.quiescent;
        totals.dumps += figures.dumps;
      } catch (error) {
        console.error(`REPLAY: SABRE_SEED=${seed} SABRE_THREAD_SEEDS=1 npx vitest run model-tests/engine/thread.test.ts`);
        throw error;
      }
    }
    console.log(`thread mode: seeds ${FIRST_SEED}..${FIRST_SEED + SEEDS - 1}, ${totals.commands} commands, ${totals.quiescent} quiescent checks, ${totals.dumps} whole dumps compared`);
  });
});
