/**
 * One thread-mode run (see thread.test.ts): the lazy freer on its worker thread, the commands of one
 * seed on this thread, compared after every command, at quiescence and at each DumpEnd.
 */
import fc from 'fast-check';
import { FreerWorker } from '../../src/engine/workers/freer.ts';
import { type Profile, modelConfigFor } from './campaign.ts';
import { commandArb, setObserveOptions } from './commands.ts';
import { decodedSoFar, observe } from './observe.ts';
import { Divergence, modelKey, PairedRun } from './paired-run.ts';

export const threadReplayLine = (seed: number): string => `SABRE_SEED=${seed} SABRE_THREAD_SEEDS=1 npx vitest run model-tests/engine/thread.test.ts`;

export const THREAD_PROFILE: Profile = {
  name: 'thread', keys: ['a', 'b', 'c', 'd'], vals: [1, 2, 3], maxLen: 5, copyBounds: [3], lazyFreeThreshold: 1, blockSizeBytes: 64,
  weights: { write: 5, dump: 2, free: 0, allocFail: 0 }, maxCommands: 300,
};

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

export async function runThreadSeed(seed: number): Promise<{ commands: number; quiescent: number; dumps: number }> {
  const run = new PairedRun({ model: modelConfigFor(THREAD_PROFILE, 3), blockSizeBytes: THREAD_PROFILE.blockSizeBytes, keepTrace: false });
  const commands = fc.sample(fc.commands([commandArb(THREAD_PROFILE.keys, THREAD_PROFILE.vals, THREAD_PROFILE.maxLen, THREAD_PROFILE.weights)], { maxCommands: THREAD_PROFILE.maxCommands, size: 'max' }), { seed, numRuns: 1 })[0]!;
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
        const written = new Map(decodedSoFar(run.dumpChunks).entries.map((e) => [modelKey(e.dbIndex, e.key), run.codec.decode(e.value.type === 'string' ? e.value.bytes : new Uint8Array(1))]));
        const snapshot = new Map([...run.model.snap].filter(([, vals]) => vals.length > 0));
        const same = written.size === snapshot.size && [...snapshot].every(([key, vals]) => JSON.stringify(written.get(key)) === JSON.stringify(vals));
        if (!same) throw new Divergence(`seed ${seed}: dump ${dumps} wrote ${JSON.stringify([...written])}, the model's snapshot is ${JSON.stringify([...snapshot])}`);
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

