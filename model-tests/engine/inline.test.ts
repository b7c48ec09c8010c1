/**
 * The engine against the model, inline: fast-check drives both through the same random sequence of
 * spec actions, the test choosing every interleaving of writer, dump and freer; after every command
 * everything observable is compared (observe.ts). A failure prints its one-line replay command.
 * SABRE_RUNS scales the runs per profile (CI default below).
 */
import { describe, expect, it } from 'vitest';
import { PROFILES, runCampaign } from './campaign.ts';

const RUNS = Number(process.env.SABRE_RUNS ?? 150);
const FILE = 'model-tests/engine/inline.test.ts';

describe('engine vs model, inline interleavings', () => {
  it.each(PROFILES.map((profile) => [profile.name, profile] as const))('agrees with the model under profile %s', (_, profile) => {
    const started = performance.now();
    const result = runCampaign(profile, RUNS, FILE);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const { stats } = result;
    console.log(`${profile.name}: seed ${result.seed}, ${stats.runs} runs, ${stats.engineCommands} engine commands, ${stats.modelSteps} model steps, ${stats.engineOom} OOM, ${stats.appendDirtyFirst} append-dirty steps, ${seconds} s`);
    if (result.failed) console.error(`REPLAY: ${result.replay}\n${result.report}`);
    expect(result.failed, result.replay ?? '').toBe(false);
  });
});
