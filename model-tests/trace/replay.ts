/**
 * Replays a trace through the model, each event checked as a model transition. An event that leaves
 * an argument out (a FreeStep's block) may match several transitions, so the replay keeps every state
 * the log could have reached, as TLC does.
 */
import { type Action, apply, candidateActions } from '../../src/model/actions.ts';
import { canonicalState } from '../../src/model/canonical.ts';
import { initialState, type ModelConfig, type ModelState } from '../../src/model/types.ts';
import type { TraceEvent } from './trace-event.ts';

function matches(event: TraceEvent, action: Action): boolean {
  if (event.action !== action.name) return false;
  const args = action as Partial<Record<'key' | 'index' | 'val' | 'block', unknown>>;
  return (['key', 'index', 'val', 'block'] as const).every((field) => event[field] === undefined || event[field] === args[field]);
}

export type ReplayResult = { ok: true; states: ModelState[] } | { ok: false; failedAt: number; event: TraceEvent };

export function replayThroughModel(events: readonly TraceEvent[], config: ModelConfig): ReplayResult {
  let states = [initialState(config)];
  const candidates = [...candidateActions(config)];
  for (const [at, event] of events.entries()) {
    const following = new Map<string, ModelState>();
    for (const state of states) {
      for (const action of candidates) {
        if (!matches(event, action)) continue;
        const after = apply(state, config, action);
        if (after === null) continue;
        if (event.written !== undefined) {
          const last = after.out[after.out.length - 1]!;
          if (last[1].length !== event.written.length || last[1].some((v, i) => v !== event.written![i])) continue;
        }
        following.set(canonicalState(after), after);
      }
    }
    if (following.size === 0) return { ok: false, failedAt: at, event };
    states = [...following.values()];
  }
  return { ok: true, states };
}
