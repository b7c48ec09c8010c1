/**
 * Breadth-first exploration of the model's state graph, the way TLC explores the spec's: every
 * reachable state once, every enabled action from each. Bounded by `stateCountMax` so that a wrong
 * config fails instead of exhausting memory.
 */
import { type Action, type ActionName, next } from './actions.ts';
import { canonicalState } from './canonical.ts';
import { type PropertyName, STATE_INVARIANTS, STEP_PROPERTIES } from './invariants.ts';
import { initialState, type ModelConfig, type ModelState } from './types.ts';

export interface StateGraph {
  /** Canonical text of each state, in breadth-first order; index 0 is Init. */
  states: string[];
  /** Distinct (from, action name, to) edges, as 'from label to' with state indices. */
  edges: Set<string>;
  /** Distinct edges per action name. */
  edgesPerAction: Map<ActionName, number>;
  depth: number;
}

export function exploreGraph(config: ModelConfig, stateCountMax = 5_000_000): StateGraph {
  const index = new Map<string, number>();
  const states: string[] = [];
  const edges = new Set<string>();
  let frontier: ModelState[] = [initialState(config)];
  index.set(canonicalState(frontier[0]!), 0);
  states.push(canonicalState(frontier[0]!));
  let depth = 1;
  while (frontier.length > 0) {
    const following: ModelState[] = [];
    for (const state of frontier) {
      const from = index.get(canonicalState(state))!;
      for (const step of next(state, config)) {
        const text = canonicalState(step.state);
        let to = index.get(text);
        if (to === undefined) {
          to = states.length;
          if (to >= stateCountMax) throw new Error(`more than ${stateCountMax} states: config too large`);
          index.set(text, to);
          states.push(text);
          following.push(step.state);
        }
        edges.add(`${from} ${step.action.name} ${to}`);
      }
    }
    if (following.length > 0) depth++;
    frontier = following;
  }
  const edgesPerAction = new Map<ActionName, number>();
  for (const edge of edges) {
    const name = edge.split(' ')[1] as ActionName;
    edgesPerAction.set(name, (edgesPerAction.get(name) ?? 0) + 1);
  }
  return { states, edges, edgesPerAction, depth };
}

export interface Counterexample {
  property: PropertyName;
  /** Init first, then each action and the state it led to. */
  steps: { action: Action | null; state: ModelState }[];
}

/** The shortest path from Init to a state (or step) that violates `property`, or null if none. */
export function findViolation(config: ModelConfig, property: PropertyName, stateCountMax = 5_000_000): Counterexample | null {
  const init = initialState(config);
  const parent = new Map<string, { prior: string | null; action: Action | null; state: ModelState }>();
  parent.set(canonicalState(init), { prior: null, action: null, state: init });
  const pathTo = (text: string): Counterexample['steps'] => {
    const steps: Counterexample['steps'] = [];
    for (let at: string | null = text; at !== null; at = parent.get(at)!.prior) {
      const { action, state } = parent.get(at)!;
      steps.unshift({ action, state });
    }
    return steps;
  };
  const stateCheck = property in STATE_INVARIANTS ? STATE_INVARIANTS[property as keyof typeof STATE_INVARIANTS] : null;
  const stepCheck = property in STEP_PROPERTIES ? STEP_PROPERTIES[property as keyof typeof STEP_PROPERTIES] : null;
  if (stateCheck && !stateCheck(init, config)) return { property, steps: pathTo(canonicalState(init)) };
  let frontier = [init];
  while (frontier.length > 0) {
    const following: ModelState[] = [];
    for (const state of frontier) {
      const from = canonicalState(state);
      for (const step of next(state, config)) {
        const text = canonicalState(step.state);
        if (stepCheck && !stepCheck(state, step.state)) {
          return { property, steps: [...pathTo(from), { action: step.action, state: step.state }] };
        }
        if (parent.has(text)) continue;
        if (parent.size >= stateCountMax) throw new Error(`more than ${stateCountMax} states: config too large`);
        parent.set(text, { prior: from, action: step.action, state: step.state });
        if (stateCheck && !stateCheck(step.state, config)) return { property, steps: pathTo(text) };
        following.push(step.state);
      }
    }
    frontier = following;
  }
  return null;
}
