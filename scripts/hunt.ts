/**
 * Long randomized campaigns of the model-based tests: the engine against the model, inline (every
 * profile of model-tests/engine/campaign.ts, fresh seeds) and in thread mode (lazy freer on its
 * worker; the dump inline, as a BGSAVE between event-loop turns, or on the dump worker), until the time
 * is up. Every failure's one-line replay command is appended to
 * .hunt/failures.txt (ignored by git) and printed.
 *
 *   npm run hunt -- --minutes 10            # both modes
 *   npm run hunt -- --minutes 5 --mode inline --runs 200
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROFILES, runCampaign } from '../model-tests/engine/campaign.ts';
import { runBackgroundDumpSeed, runThreadSeed, THREAD_PRESSURE_PROFILE, threadReplayLine } from '../model-tests/engine/thread-run.ts';
import { projectRoot } from './tlc.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    mode: { type: 'string', default: 'both' },
    runs: { type: 'string', default: '100' },
  },
});
const minutes = Number(values.minutes);
const mode = values.mode ?? 'both';
const runsPerBatch = Number(values.runs);
if (!(minutes > 0) || !['both', 'inline', 'thread'].includes(mode) || !(runsPerBatch > 0)) {
  console.error('usage: npm run hunt -- --minutes N [--mode both|inline|thread] [--runs runs-per-batch]');
  process.exit(2);
}

const huntDir = join(projectRoot, '.hunt');
const failuresFile = join(huntDir, 'failures.txt');
mkdirSync(huntDir, { recursive: true });
const deadline = Date.now() + minutes * 60_000;
const totals = { batches: 0, runs: 0, engineCommands: 0, threadSeeds: 0, threadCommands: 0, filesSaved: 0, failures: 0 };
const dumpDirectory = mkdtempSync(join(tmpdir(), 'sabre-hunt-'));

function recordFailure(line: string, detail: string): void {
  totals.failures++;
  appendFileSync(failuresFile, `${new Date().toISOString()} ${line}\n`);
  console.log(`FAILURE: ${line}\n  ${detail.split('\n')[0]}`);
}

let round = 0;
while (Date.now() < deadline) {
  if (mode !== 'thread') {
    const profile = PROFILES[round % PROFILES.length]!;
    const result = runCampaign(profile, runsPerBatch, 'model-tests/engine/inline.test.ts', (Date.now() ^ (round * 0x9e3779b1)) | 0);
    totals.batches++;
    totals.runs += result.stats.runs;
    totals.engineCommands += result.stats.engineCommands;
    if (result.failed) recordFailure(result.replay!, result.report ?? '');
  }
  if (mode !== 'inline' && Date.now() < deadline) {
    const seed = (Date.now() + round) % 1_000_000_000;
    // Rotate: inline dump steps with the freer worker, BGSAVE to a file (inline steps, then the dump
    // worker), and memory pressure.
    const variant = (['inline-dump', 'bgsave', 'dump-worker', 'pressure'] as const)[round % 4]!;
    try {
      if (variant === 'bgsave' || variant === 'dump-worker') {
        const figures = await runBackgroundDumpSeed(seed, dumpDirectory, variant === 'dump-worker' ? 'worker' : 'inline');
        totals.threadCommands += figures.commands;
        totals.filesSaved += figures.dumps;
      } else {
        totals.threadCommands += (await runThreadSeed(seed, variant === 'pressure' ? THREAD_PRESSURE_PROFILE : undefined)).commands;
      }
    } catch (error) {
      const line = threadReplayLine(seed) + (variant === 'bgsave' ? ' -t BGSAVE' : variant === 'dump-worker' ? " -t 'dump worker'" : variant === 'pressure' ? ' -t pressure' : ' -t quiescence');
      recordFailure(line, error instanceof Error ? error.message : String(error));
    }
    totals.threadSeeds++;
  }
  round++;
}
rmSync(dumpDirectory, { recursive: true, force: true });
console.log(`hunt: ${minutes} min, inline ${totals.batches} batches / ${totals.runs} runs / ${totals.engineCommands} engine commands, thread ${totals.threadSeeds} seeds / ${totals.threadCommands} commands / ${totals.filesSaved} files saved, ${totals.failures} failures${totals.failures > 0 ? ` (see ${failuresFile})` : ''}`);
process.exit(totals.failures > 0 ? 1 : 0);
