/**
 * Runs the paired engine/model commands under fast-check for one profile, and turns a failure into a
 * one-line replay command (seed + path). Used by the vitest suites and by `npm run hunt`.
 */
import fc from 'fast-check';
import type { BugName, ModelConfig } from '../../src/model/types.ts';
import { commandArb, type CommandWeights } from './commands.ts';
import { PairedRun } from './paired-run.ts';

export interface Profile {
  readonly name: string;
  readonly keys: readonly string[];
  readonly vals: readonly number[];
  readonly maxLen: number;
  readonly copyBounds: readonly number[];
  readonly lazyFreeThreshold: number;
  readonly blockSizeBytes: number;
  readonly maxBlocks?: number;
  readonly weights: CommandWeights;
  readonly maxCommands: number;
  readonly valueType?: 'string' | 'list' | 'hash';
}

/** Every inline profile: each aims at one kind of interesting state (the brief's list). */
export const PROFILES: readonly Profile[] = [
  // Dumps in progress with copies held, near a small copy bound, values grown and written partially.
  { name: 'copies-near-bound', keys: ['a', 'b', 'c', 'd'], vals: [1, 2, 3], maxLen: 4, copyBounds: [2, 3, 4], lazyFreeThreshold: 1, blockSizeBytes: 64, weights: { write: 4, dump: 2, free: 1, allocFail: 0, scan: 1 }, maxCommands: 200 },
  // Unlinks and flushes during dumps; the lazy-free queue drained in small steps.
  { name: 'lazy-free-during-dump', keys: ['a', 'b', 'c'], vals: [1, 2], maxLen: 3, copyBounds: [2, 8], lazyFreeThreshold: 1, blockSizeBytes: 64, weights: { write: 3, dump: 2, free: 3, allocFail: 0, scan: 1 }, maxCommands: 200 },
  // Allocation under pressure: 64 blocks for up to 5 keys of up to 5 blocks (+ entry and header each) and a dump.
  { name: 'memory-pressure', keys: ['a', 'b', 'c', 'd', 'e'], vals: [1, 2, 3], maxLen: 5, copyBounds: [3, 6], lazyFreeThreshold: 2, blockSizeBytes: 64, maxBlocks: 64, weights: { write: 5, dump: 2, free: 1, allocFail: 1, scan: 1 }, maxCommands: 250 },
  // Keys too long for the entry block (a key chain of two blocks): the dump passes and frees key chains too.
  { name: 'long-keys', keys: ['k'.repeat(70) + 'a', 'k'.repeat(70) + 'b', 'short'], vals: [1, 2], maxLen: 3, copyBounds: [2, 4], lazyFreeThreshold: 1, blockSizeBytes: 64, weights: { write: 4, dump: 3, free: 1, allocFail: 0, scan: 1 }, maxCommands: 200 },
  // Several databases: FLUSHALL ASYNC detaches each, the dump selects a database again for a dirty key of another.
  { name: 'databases', keys: ['a', 'b', '1/a', '1/c', '15/z'], vals: [1, 2, 3], maxLen: 3, copyBounds: [2, 3, 5], lazyFreeThreshold: 1, blockSizeBytes: 64, weights: { write: 4, dump: 3, free: 1, allocFail: 0, scan: 1 }, maxCommands: 200 },
  // Lists: a model block is one element; LSET writes one in place, RPUSH adds to the end node in place.
  { name: 'lists', keys: ['a', 'b', '1/c'], vals: [1, 2, 3], maxLen: 9, copyBounds: [2, 3, 6], lazyFreeThreshold: 2, blockSizeBytes: 64, weights: { write: 4, dump: 3, free: 1, allocFail: 0, scan: 1 }, maxCommands: 200, valueType: 'list' },
  { name: 'short-lists', keys: ['a', 'b'], vals: [1, 2], maxLen: 12, copyBounds: [2, 4], lazyFreeThreshold: 2, blockSizeBytes: 128, weights: { write: 5, dump: 2, free: 1, allocFail: 0, scan: 1 }, maxCommands: 200, valueType: 'list' },
  // Hashes: a model block is field i; HSET of an existing field writes its tree node (and value) in place.
  { name: 'hashes', keys: ['a', 'b', '2/c'], vals: [1, 2, 3], maxLen: 6, copyBounds: [2, 3, 6], lazyFreeThreshold: 2, blockSizeBytes: 64, weights: { write: 4, dump: 3, free: 1, allocFail: 0, scan: 1 }, maxCommands: 200, valueType: 'hash' },
  // Bigger blocks: the chunk layout follows the block size (pad = inline bytes, chunk = chain data bytes).
  { name: 'big-blocks', keys: ['a', 'b'], vals: [1, 2, 3], maxLen: 6, copyBounds: [2, 5], lazyFreeThreshold: 2, blockSizeBytes: 128, weights: { write: 4, dump: 2, free: 1, allocFail: 0, scan: 1 }, maxCommands: 200 },
  // Many short keys while a dump walks them: a delete before the walk's place or a SCAN cursor must not make either skip a key.
  { name: 'many-keys', keys: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], vals: [1, 2], maxLen: 2, copyBounds: [3, 6], lazyFreeThreshold: 1, blockSizeBytes: 64, weights: { write: 3, dump: 3, free: 1, allocFail: 0, scan: 1 }, maxCommands: 200 },
];

export function modelConfigFor(profile: Profile, copyBound: number, bug: BugName = 'none'): ModelConfig {
  const perKey = profile.maxLen;
  return {
    keys: profile.keys,
    vals: profile.vals,
    // A generous pool: live + held by the dump + copies + queued, with room to spare (DEVIATION in docs).
    blockCount: 3 * profile.keys.length * perKey + copyBound + 2 * perKey + 4,
    maxLen: profile.maxLen,
    copyBound,
    lazyFreeThreshold: profile.lazyFreeThreshold,
    bug,
  };
}

export interface CampaignStats {
  runs: number;
  engineCommands: number;
  modelSteps: number;
  appendDirtyFirst: number;
  engineOom: number;
  /** Engine commands of the last run that failed (the first failure when shrinking is off). */
  failedRunEngineCommands: number;
}

export interface CampaignResult {
  failed: boolean;
  seed: number;
  replay: string | null;
  report: string | null;
  stats: CampaignStats;
}

/** The property: a fresh PairedRun per run; `onRun` sees each finished run (traces, figures). */
export function pairedProperty(profile: Profile, stats: CampaignStats, onRun?: (run: PairedRun) => void, replayPath?: string, modelBug: BugName = 'none') {
  return fc.property(
    fc.constantFrom(...profile.copyBounds),
    fc.commands([commandArb(profile.keys, profile.vals, profile.maxLen, profile.weights)], { maxCommands: profile.maxCommands, size: 'max', ...(replayPath ? { replayPath } : {}) }),
    (copyBound, commands) => {
      // DEVIATION: a list node holds several elements (model blocks), so the engine may hold fewer copies
      // than the model; the model's bound is then the engine's times MaxLen and never binds first.
      const modelCopyBound = profile.valueType === 'list' ? copyBound * profile.maxLen : copyBound;
      const run = new PairedRun({ engineCopyBound: copyBound, model: modelConfigFor(profile, modelCopyBound, modelBug), blockSizeBytes: profile.blockSizeBytes, maxBlocks: profile.maxBlocks, keepTrace: onRun !== undefined, valueType: profile.valueType ?? 'string', stepProperties: modelBug === 'none' });
      try {
        fc.modelRun(() => ({ model: run, real: run }), commands);
      } catch (error) {
        stats.failedRunEngineCommands = run.engineCommands;
        throw error;
      }
      stats.runs++;
      stats.engineCommands += run.engineCommands;
      stats.modelSteps += Object.values(run.actionCounts).reduce((a, b) => a + b, 0);
      stats.appendDirtyFirst += run.deviations.appendDirtyFirst;
      stats.engineOom += run.deviations.engineOom;
      onRun?.(run);
    },
  );
}

/** fast-check needs the seed, the path of the shrunk case, and the commands' own replay path. */
export function replayLine(testFile: string, profile: string, seed: number, path: string | undefined, commandsPath: string | undefined): string {
  const env = [`SABRE_PROFILE=${profile}`, `SABRE_SEED=${seed}`, ...(path ? [`SABRE_PATH=${path}`] : []), ...(commandsPath ? [`SABRE_REPLAY_PATH='${commandsPath}'`] : [])];
  return `${env.join(' ')} npx vitest run ${testFile}`;
}

export interface CampaignOptions {
  /** Stop at the first failure without shrinking (engine-bugs.test.ts: a seeded bug makes shrinking slow). */
  readonly endOnFailure?: boolean;
}

/** Seed and path come from SABRE_SEED / SABRE_PATH when set (a replay), else a fresh seed. */
export function runCampaign(profile: Profile, numRuns: number, testFile: string, seed?: number, onRun?: (run: PairedRun) => void, modelBug: BugName = 'none', options: CampaignOptions = {}): CampaignResult {
  const envSeed = process.env.SABRE_SEED;
  const replaying = envSeed !== undefined && (process.env.SABRE_PROFILE ?? profile.name) === profile.name;
  // In CI the seeds are fixed, so that a red build is a regression and never a rare new draw;
  // fresh seeds are what `npm run hunt` and local runs are for.
  const freshSeed = process.env.CI ? 20261122 : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const chosenSeed = replaying ? Number(envSeed) : (seed ?? freshSeed);
  const path = replaying ? process.env.SABRE_PATH : undefined;
  const commandsPath = replaying ? process.env.SABRE_REPLAY_PATH : undefined;
  const stats: CampaignStats = { runs: 0, engineCommands: 0, modelSteps: 0, appendDirtyFirst: 0, engineOom: 0, failedRunEngineCommands: 0 };
  const details = fc.check(pairedProperty(profile, stats, onRun, commandsPath, modelBug), { seed: chosenSeed, ...(path ? { path } : {}), numRuns, ...(options.endOnFailure ? { endOnFailure: true } : {}) });
  if (!details.failed) return { failed: false, seed: chosenSeed, replay: null, report: null, stats };
  const shrunkCommands = /replayPath="([^"]*)"/.exec(fc.stringify(details.counterexample))?.[1];
  const replay = replayLine(testFile, profile.name, details.seed, details.counterexamplePath ?? undefined, shrunkCommands);
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return { failed: true, seed: chosenSeed, replay, report: `${error}\n${fc.defaultReportMessage(details) ?? ''}`, stats };
}
