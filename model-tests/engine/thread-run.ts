/**
 * One thread-mode run (see thread.test.ts): the lazy freer on its worker thread, the commands of one
 * seed on this thread, compared after every command, at quiescence and at each DumpEnd.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { dumpToFile } from '../../src/engine/snapshot/dump-file.ts';
import { readRdbFile } from '../../src/rdb/index.ts';
import { dumpOnWorker } from '../../src/engine/workers/dump-thread.ts';
import { FreerWorker } from '../../src/engine/workers/freer.ts';
import { type Profile, modelConfigFor } from './campaign.ts';
import { commandArb, setObserveOptions } from './commands.ts';
import { decodedSoFar, observe } from './observe.ts';
import { Divergence, modelKey, PairedRun } from './paired-run.ts';

export const threadReplayLine = (seed: number): string => `SABRE_SEED=${seed} SABRE_THREAD_SEEDS=1 npx vitest run model-tests/engine/thread.test.ts`;

/** 64 blocks for 5 keys of up to 5 blocks and a dump: allocations wait for, or help, the worker's batches. */
export const THREAD_PRESSURE_PROFILE: Profile = {
  name: 'thread-pressure', keys: ['a', 'b', 'c', 'd', 'e'], vals: [1, 2, 3], maxLen: 5, copyBounds: [3], lazyFreeThreshold: 1, blockSizeBytes: 64, maxBlocks: 64,
  weights: { write: 5, dump: 2, free: 0, allocFail: 4 }, maxCommands: 300,
};

export const THREAD_PROFILE: Profile = {
  name: 'thread', keys: ['a', 'b', 'c', 'd'], vals: [1, 2, 3], maxLen: 5, copyBounds: [3], lazyFreeThreshold: 1, blockSizeBytes: 64,
  weights: { write: 5, dump: 2, free: 0, allocFail: 0 }, maxCommands: 300,
};

export async function quiesce(run: PairedRun): Promise<void> {
  for (let waited = 0; ; waited++) {
    const lazy = run.engine.lazyFreeCounters();
    if (lazy.pendingObjects + lazy.inProgress === 0) break;
    if (waited > 500) throw new Divergence(`the freer worker left ${lazy.pendingObjects} objects queued for 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  run.drainModelQueue();
  observe(run, 'quiescent', { engineCheck: true });
}

export async function runThreadSeed(seed: number, profile: Profile = THREAD_PROFILE, keepTrace = false): Promise<{ commands: number; quiescent: number; dumps: number; run: PairedRun }> {
  const run = new PairedRun({ model: modelConfigFor(profile, profile.copyBounds[0]!), blockSizeBytes: profile.blockSizeBytes, keepTrace, ...(profile.maxBlocks !== undefined ? { maxBlocks: profile.maxBlocks } : {}) });
  const commands = fc.sample(fc.commands([commandArb(profile.keys, profile.vals, profile.maxLen, profile.weights)], { maxCommands: profile.maxCommands, size: 'max' }), { seed, numRuns: 1 })[0]!;
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
      if (wasDumping && !run.model.dumping && command.toString() !== 'DumpAbort') {
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
  return { commands: executed, quiescent: quiescent + 1, dumps, run };
}


/**
 * BGSAVE as the server runs it, while this loop writes with the lazy freer on its worker: `inline`,
 * dumpToFile (src/engine/snapshot/dump-file.ts) steps the dump between turns of the event loop;
 * `worker`, dumpOnWorker (src/engine/workers/dump-thread.ts) walks it on the dump worker in turns with
 * the commands, and its DumpStep events reach the tracer in their true order among the commands. The
 * events are mirrored before the next command; the file, once saved, must hold the model's `out` in
 * order, which equals its snapshot.
 */
export async function runBackgroundDumpSeed(seed: number, directory: string, dumper: 'inline' | 'worker' = 'inline', profile: Profile = THREAD_PROFILE, keepTrace = false): Promise<{ commands: number; dumps: number; keysDumped: number; run: PairedRun }> {
  const run = new PairedRun({ model: modelConfigFor(profile, profile.copyBounds[0]!), engineCopyBound: profile.copyBounds[0]!, blockSizeBytes: profile.blockSizeBytes, keepTrace });
  const writes = { ...profile.weights, dump: 0, free: 0 };
  const commands = fc.sample(fc.commands([commandArb(profile.keys, profile.vals, profile.maxLen, writes)], { maxCommands: profile.maxCommands, size: 'max' }), { seed, numRuns: 1 })[0]!;
  const freer = await FreerWorker.start(run.engine, { budgetBlocks: 4 });
  let executed = 0;
  let dumps = 0;
  let keysDumped = 0;
  let dump: Promise<unknown> | null = null;
  const finishDump = async (): Promise<void> => {
    await dump;
    dump = null;
    run.mirrorBackground('dump-file');
    if (run.model.dumping) throw new Divergence(`seed ${seed}: the ${dumper} dump returned, the model's dump has not ended`);
    const file = await readRdbFile(join(directory, `seed-${seed}.rdb`));
    const written = file.entries.map((e) => [modelKey(e.dbIndex, e.key), e.value.type === 'string' ? run.codec.decode(e.value.bytes) : e.value.type]);
    const expected = run.model.out.map(([key, vals]) => [key, vals]);
    if (JSON.stringify(written) !== JSON.stringify(expected)) throw new Divergence(`seed ${seed}: dump ${dumps} file holds ${JSON.stringify(written)}, the model's out is ${JSON.stringify(expected)}`);
    keysDumped += written.length;
  };
  try {
    setObserveOptions({ engineCheck: false, dumpOutput: false });
    for (const command of commands) {
      if (dump === null && executed % 30 === 5) {
        dumps++;
        const target = join(directory, `seed-${seed}.rdb`);
        dump = dumper === 'worker' ? dumpOnWorker(run.engine, target, { stepBlocks: 3, minChunkBytes: 256 }).done : dumpToFile(run.engine, target, { stepBlocks: 3, minChunkBytes: 256 });
        dump.catch(() => undefined); // awaited in finishDump; a divergence thrown before must not leave it unhandled
        run.mirrorBackground('DumpBegin (dump-file)');
      }
      if (!command.check(run)) continue;
      command.run(run, run);
      executed++;
      if (executed % 3 === 0) await new Promise((resolve) => setImmediate(resolve)); // the dump steps here
      if (dump !== null && !run.engine.dumping) await finishDump();
    }
    if (dump !== null) await finishDump();
    await quiesce(run);
  } finally {
    setObserveOptions({ engineCheck: true });
    await freer.stop();
  }
  if (freer.failure !== null) throw freer.failure;
  return { commands: executed, dumps, keysDumped, run };
}
