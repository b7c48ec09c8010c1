/** The dumper's actions (spec: CowDump.tla). */
import { contentOf, dirty, dumpHeld, pushFree, todo, withKey } from './derived.ts';
import type { Key, ModelConfig, ModelState } from './types.ts';

/** spec: DumpBegin — O(1) in the engine: the dump's view is the keyspace as it stands. */
export function DumpBegin(state: ModelState, _config: ModelConfig): ModelState | null {
  if (state.dumping) return null;
  return {
    ...state,
    dumping: true,
    snap: new Map([...state.ks].map(([key, blocks]) => [key, contentOf(state, blocks)])),
    view: state.ks,
    out: [],
  };
}

/** spec: DumpStep(k) — write k as the dump sees it, then release what only the dump held for k. */
export function DumpStep(state: ModelState, config: ModelConfig, key: Key): ModelState | null {
  if (!todo(state).includes(key)) return null;
  const dirtyKeys = dirty(state);
  if (config.bug !== 'CleanFirst' && dirtyKeys.length > 0 && !dirtyKeys.includes(key)) return null;
  const viewed = state.view.get(key)!;
  const held = dumpHeld(state);
  const mine = viewed.filter((block) => held.has(block));
  const released = new Set(config.bug === 'ReleaseCopyEarly' ? [...mine, ...state.copies] : mine);
  const others = [...released].filter((block) => !viewed.includes(block)).sort((a, b) => a - b);
  const order = [...viewed.filter((block) => released.has(block)), ...others];
  return {
    ...state,
    out: [...state.out, [key, contentOf(state, viewed)]],
    ...pushFree(state, order),
    copies: new Set([...state.copies].filter((block) => !released.has(block))),
    view: withKey(state.view, key, []),
  };
}

/** spec: DumpEnd */
export function DumpEnd(state: ModelState, _config: ModelConfig): ModelState | null {
  if (!state.dumping || todo(state).length > 0) return null;
  return { ...state, dumping: false };
}
