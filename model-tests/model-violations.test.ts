/**
 * For every seeded-bug config of spec/Sabre.tla, the model with the same bug switch violates the same
 * property, and its shortest counterexample (breadth-first, like TLC's) is printed. For safety bugs
 * the length must equal the one TLC found, recorded in spec/manifest.json.
 */
import { describe, expect, it } from 'vitest';
import { readManifest } from '../scripts/manifest.ts';
import { type Action, apply, candidateActions } from '../src/model/actions.ts';
import { canonicalState } from '../src/model/canonical.ts';
import { type Counterexample, findViolation } from '../src/model/explore.ts';
import type { PropertyName } from '../src/model/invariants.ts';
import { initialState, type ModelConfig, type ModelState } from '../src/model/types.ts';
import { modelConfigOf } from './spec-config.ts';

const describeAction = (action: Action | null) =>
  action === null ? 'Init' : `${action.name}(${Object.entries(action).filter(([k]) => k !== 'name').map(([, v]) => JSON.stringify(v)).join(', ')})`;

const print = (title: string, steps: Counterexample['steps']) =>
  console.log(`${title}\n${steps.map((s, i) => `  ${i + 1}. ${describeAction(s.action)}  ${canonicalState(s.state)}`).join('\n')}`);

const manifest = readManifest();
const safety = manifest.configs.filter((e) => e.module === 'Sabre.tla' && e.mode === 'safety-violation');
const liveness = manifest.configs.filter((e) => e.module === 'Sabre.tla' && e.mode === 'liveness-violation');

describe('the model violates what TLC says a seeded bug violates', () => {
  it.each(safety)('$config: $expect', (entry) => {
    const config = modelConfigOf(entry.config);
    const found = findViolation(config, entry.expect as PropertyName);
    expect(found, `model with Bug=${config.bug} never violates ${entry.expect}`).not.toBeNull();
    print(`${entry.config}: model violates ${entry.expect} in ${found!.steps.length} states`, found!.steps);
    expect(found!.steps.length).toBe(entry.traceLength);
    // That the correct model satisfies the property at these bounds follows from conformance.test.ts
    // (the model's graph is TLC's) and from TLC passing MCSabreSmall and MCSabreMedium.
  }, 300_000);
});

/** Shortest path to a state from which the unfair process may stutter forever. */
function shortestPathTo(config: ModelConfig, goal: (s: ModelState) => boolean): Counterexample['steps'] | null {
  const init = initialState(config);
  const seen = new Map<string, Counterexample['steps']>([[canonicalState(init), [{ action: null, state: init }]]]);
  let frontier = [init];
  while (frontier.length > 0) {
    const following: ModelState[] = [];
    for (const state of frontier) {
      const path = seen.get(canonicalState(state))!;
      if (goal(state)) return path;
      for (const action of candidateActions(config)) {
        const after = apply(state, config, action);
        if (after === null || seen.has(canonicalState(after))) continue;
        seen.set(canonicalState(after), [...path, { action, state: after }]);
        following.push(after);
      }
    }
    frontier = following;
  }
  return null;
}

describe('without fairness the model can stall a background process forever', () => {
  const stalls: Record<string, (s: ModelState) => boolean> = {
    DumpTerminates: (s) => s.dumping,
    LazyFreeDrains: (s) => s.queue.size > 0,
  };
  it.each(liveness)('$config: $expect', (entry) => {
    const path = shortestPathTo(modelConfigOf(entry.config), stalls[entry.expect]!);
    expect(path, `no state where ${entry.expect} can be starved`).not.toBeNull();
    print(`${entry.config}: from this state the unfair process may never run again (${entry.expect})`, path!);
  });
});
