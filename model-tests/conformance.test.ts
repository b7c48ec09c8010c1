/**
 * The model has exactly the spec's behaviours at the CI bounds: for every manifest config marked
 * `conformance`, the model's breadth-first state graph equals TLC's (same states, same labelled
 * edges). Golden digests in spec/golden/ keep the model checked, loudly, where TLC cannot run; where it
 * can, TLC's graph is regenerated and the golden must still match it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../scripts/manifest.ts';
import { specDir, tlcJar } from '../scripts/tlc.ts';
import { next } from '../src/model/actions.ts';
import { canonicalState } from '../src/model/canonical.ts';
import { exploreGraph, type StateGraph } from '../src/model/explore.ts';
import { type BugName, initialState, type ModelConfig, type ModelState } from '../src/model/types.ts';
import { modelConfigOf } from './spec-config.ts';
import { edgeDigest, type LabelledGraph, tlcGraph } from './tlc-graph.ts';

interface Golden { config: string; states: number; edges: number; edgesPerAction: Record<string, number>; statesSha256: string; edgesSha256: string }

const sha256 = (items: Iterable<string>) => createHash('sha256').update([...items].sort().join('\n')).digest('hex');

function modelDigests(graph: StateGraph) {
  const edgeDigests = new Set<string>();
  for (const edge of graph.edges) {
    const [from, label, to] = edge.split(' ');
    edgeDigests.add(edgeDigest(graph.states[Number(from)]!, label!, graph.states[Number(to)]!));
  }
  return { states: new Set(graph.states), edgeDigests };
}

function goldenOf(config: string, graph: { states: Set<string>; edgeDigests: Set<string>; edgesPerAction: Map<string, number> }): Golden {
  return {
    config,
    states: graph.states.size,
    edges: graph.edgeDigests.size,
    edgesPerAction: Object.fromEntries([...graph.edgesPerAction].sort()),
    statesSha256: sha256(graph.states),
    edgesSha256: sha256(graph.edgeDigests),
  };
}

/**
 * Explores the mutant breadth-first and stops at the first state or labelled edge that the reference
 * graph lacks; a mutant that only removes behaviour shows up as fewer states or edges.
 */
function firstDifference(reference: { states: Set<string>; edgeDigests: Set<string> }, mutantConfig: ModelConfig): string | null {
  const init = initialState(mutantConfig);
  const seen = new Set([canonicalState(init)]);
  const edges = new Set<string>();
  let frontier = [init];
  while (frontier.length > 0) {
    const following: ModelState[] = [];
    for (const state of frontier) {
      const from = canonicalState(state);
      for (const step of next(state, mutantConfig)) {
        const to = canonicalState(step.state);
        if (!reference.states.has(to)) return `reaches a state TLC does not: ${to}`;
        const digest = edgeDigest(from, step.action.name, to);
        if (!reference.edgeDigests.has(digest)) return `takes ${step.action.name} where TLC cannot, from ${from}`;
        edges.add(digest);
        if (!seen.has(to)) { seen.add(to); following.push(step.state); }
      }
    }
    frontier = following;
  }
  if (seen.size < reference.states.size) return `reaches ${seen.size} of TLC's ${reference.states.size} states`;
  if (edges.size < reference.edgeDigests.size) return `has ${edges.size} of TLC's ${reference.edgeDigests.size} edges`;
  return null;
}

let tlcProblem: string | null = null;
beforeAll(() => {
  try { tlcJar(); } catch (error) { tlcProblem = (error as Error).message; }
  // CI always has TLC (.ci/run installs Java and Maven): there a missing TLC is a failure, not a fallback.
  if (tlcProblem && process.env.CI) throw new Error(`TLC is required in CI: ${tlcProblem}`);
  if (tlcProblem) console.warn(`\n!!! TLC unavailable, the model is checked against spec/golden only: ${tlcProblem}\n`);
});

const entries = readManifest().configs.filter((entry) => entry.conformance);

describe.each(entries)('model = TLC on $config', (entry) => {
  const config = modelConfigOf(entry.config);
  const goldenFile = join(specDir, 'golden', entry.config.replace(/\.cfg$/, '.json'));
  let model: ReturnType<typeof modelDigests> & { graph: StateGraph };
  let tlc: LabelledGraph | null = null;

  beforeAll(() => {
    const graph = exploreGraph(config);
    model = { graph, ...modelDigests(graph) };
    if (!tlcProblem) tlc = tlcGraph(entry.config);
  }, 600_000);

  it('has the same states and labelled edges as TLC', () => {
    const modelGolden = goldenOf(entry.config, { ...model, edgesPerAction: model.graph.edgesPerAction });
    console.log(`${entry.config}: model ${modelGolden.states} states, ${modelGolden.edges} edges` +
      (tlc ? `; TLC ${tlc.states.size} states, ${tlc.edgeDigests.size} edges` : '; TLC not run'));
    if (tlc) {
      const missing = [...tlc.states].filter((s) => !model.states.has(s));
      const extra = [...model.states].filter((s) => !tlc!.states.has(s));
      expect(missing.slice(0, 3), 'states TLC reaches and the model does not').toEqual([]);
      expect(extra.slice(0, 3), 'states the model reaches and TLC does not').toEqual([]);
      expect(model.states.size).toBe(tlc.states.size);
      expect(Object.fromEntries(model.graph.edgesPerAction)).toEqual(Object.fromEntries(tlc.edgesPerAction));
      expect(sha256(model.edgeDigests)).toBe(sha256(tlc.edgeDigests));
      const tlcGolden = goldenOf(entry.config, tlc);
      if (!existsSync(goldenFile) || process.env.SABRE_UPDATE_GOLDEN === '1') {
        writeFileSync(goldenFile, `${JSON.stringify(tlcGolden, null, 2)}\n`);
      }
      expect(JSON.parse(readFileSync(goldenFile, 'utf8')), `${goldenFile} is stale: rerun with SABRE_UPDATE_GOLDEN=1`).toEqual(tlcGolden);
    }
    expect(JSON.parse(readFileSync(goldenFile, 'utf8'))).toEqual(modelGolden);
  });

  it('differs from TLC as soon as one action of the model changes', () => {
    // Each bug switch changes one action in a small way (a guard or an update): the conformance
    // check must see every one of them, or it would not catch a model that drifted from the spec.
    const mutants: BugName[] = ['SkipCopy', 'CleanFirst', 'NoBound', 'FalseOom', 'FreeTwice', 'LeakOnSet'];
    for (const bug of mutants) {
      const difference = firstDifference(model, { ...config, bug });
      console.log(`  model with Bug=${bug}: ${difference ?? 'SAME GRAPH'}`);
      expect(difference, `the model with ${bug} still matches TLC`).not.toBeNull();
    }
  }, 600_000);
});
