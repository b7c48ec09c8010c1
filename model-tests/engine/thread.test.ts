/**
 * Thread mode: the lazy freer runs on its worker thread (src/engine/workers/freer.ts) while this thread
 * writes, unlinks, flushes and steps the dump. The worker's frees are not traced, so the model frees
 * its queue whenever the engine's is seen empty. After every command GET, DBSIZE and the dump output so
 * far are compared (check() would race the worker's queue walk); at each quiescent point (the worker
 * idle, its queue empty) check() and the block counts too, and at each DumpEnd the decoded file must
 * equal the model's snapshot for that dump. SABRE_THREAD_SEEDS scales the seeds.
 * There is no dump worker yet: the dump runs inline here (docs/model-based-tests.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { runBackgroundDumpSeed, runThreadSeed, threadReplayLine } from './thread-run.ts';

const SEEDS = Number(process.env.SABRE_THREAD_SEEDS ?? 6);
const FIRST_SEED = Number(process.env.SABRE_SEED ?? Date.now() % 100_000);

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
