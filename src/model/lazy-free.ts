/** Lazy free (spec: LazyFree.tla). */
import { notHeld, pushFree, withKey } from './derived.ts';
import type { BlockIndex, Key, ModelConfig, ModelState } from './types.ts';

/** spec: Unlink(k) — small values are freed at once, bigger ones queued for the freer. */
export function Unlink(state: ModelState, config: ModelConfig, key: Key): ModelState | null {
  const blocks = state.ks.get(key)!;
  if (blocks.length === 0) return null;
  const released = notHeld(state, config, key, blocks);
  const ks = withKey(state.ks, key, []);
  if (blocks.length <= config.lazyFreeThreshold) return { ...state, ks, ...pushFree(state, released) };
  return { ...state, ks, queue: new Set([...state.queue, ...released]) };
}

/** spec: FlushAsync — an empty keyspace at once; every old block the dump does not read is queued. */
export function FlushAsync(state: ModelState, config: ModelConfig): ModelState | null {
  if (![...state.ks.values()].some((blocks) => blocks.length > 0)) return null;
  const queue = new Set(state.queue);
  for (const [key, blocks] of state.ks) for (const block of notHeld(state, config, key, blocks)) queue.add(block);
  return { ...state, ks: new Map([...state.ks.keys()].map((key) => [key, []])), queue };
}

/** spec: FreeStep(b) */
export function FreeStep(state: ModelState, config: ModelConfig, block: BlockIndex): ModelState | null {
  if (!state.queue.has(block)) return null;
  const queue = config.bug === 'FreeTwice' ? state.queue : new Set([...state.queue].filter((b) => b !== block));
  return { ...state, queue, ...pushFree(state, [block]) };
}
