/**
 * The suite finds engine bugs: each seeded bug of src/engine/bugs.ts is switched on alone and the
 * inline model-based campaign of one profile must fail within the CI budget, with a fixed seed so CI
 * is deterministic. Each case prints the run that failed, the engine commands it took to get there
 * (runs before it + the failing run, before any shrinking: the campaign stops at the first failure)
 * and what disagreed; docs/model-based-tests.md ("Seeded bugs") carries the table. The same
 * campaigns pass with no bug switched on, so a red case is the bug and not the harness.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINE_BUG_NAMES, setEngineBugs, type EngineBug } from '../../src/engine/bugs.ts';
import { PROFILES, runCampaign } from './campaign.ts';

const FILE = 'model-tests/engine/engine-bugs.test.ts';
const SEED = 20261122;
/** Headroom: with seeds 1-20 each bug below was found within 40 runs of its profile (lose-dump-place), most within 10. */
const MAX_RUNS = 500;
/** A clean campaign costs about 0.5 s per 150 runs. */
const CLEAN_RUNS = 150;

const byName = (name: string) => PROFILES.find((p) => p.name === name)!;
/** The profile that aims at each bug's state (see PROFILES in campaign.ts). */
const PROFILE_OF: Record<EngineBug, string> = {
  'skip-copy-setrange': 'copies-near-bound',
  'release-copy-early': 'copies-near-bound',
  'free-needed-block': 'copies-near-bound',
  'reuse-queued-block': 'lazy-free-during-dump',
  'forget-copy-accounting': 'copies-near-bound',
  'lose-dump-place': 'many-keys',
  'scan-skips-after-delete': 'copies-near-bound',
};

describe('the model-based suite finds each seeded engine bug', () => {
  afterEach(() => setEngineBugs([]));

  it.each(ENGINE_BUG_NAMES.map((bug) => [bug, PROFILE_OF[bug]] as const))('finds %s (profile %s)', (bug, profile) => {
    setEngineBugs([bug]);
    let result;
    try {
      result = runCampaign(byName(profile), MAX_RUNS, FILE, SEED, undefined, 'none', { endOnFailure: true });
    } finally {
      setEngineBugs([]);
    }
    const { stats } = result;
    const commands = stats.engineCommands + stats.failedRunEngineCommands;
    const what = result.report?.split('\n')[0] ?? 'not found';
    console.log(`engine bug ${bug} | inline | ${profile} | seed ${result.seed} | failing run ${stats.runs + 1} | ${commands} engine commands = ${stats.engineCommands} in the runs before + ${stats.failedRunEngineCommands} in the failing run | ${what}`);
    expect(result.failed, `${bug} not found in ${MAX_RUNS} runs of ${profile}`).toBe(true);
  });

  it.each([...new Set(Object.values(PROFILE_OF))])('passes profile %s with no bug switched on', (profile) => {
    setEngineBugs([]);
    const result = runCampaign(byName(profile), CLEAN_RUNS, FILE, SEED, undefined, 'none', { endOnFailure: true });
    if (result.failed) console.error(`REPLAY: ${result.replay}\n${result.report}`);
    expect(result.failed, result.replay ?? '').toBe(false);
  });
});
