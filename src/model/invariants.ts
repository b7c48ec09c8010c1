/** The spec's properties (spec: Sabre.tla), as named predicates on states and steps. */
import { dirty, dumpHeld, freeSet, liveBlocks, viewBlocks } from './derived.ts';
import type { ModelConfig, ModelState, Val } from './types.ts';

const sameVals = (a: readonly Val[], b: readonly Val[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const snapKeys = (s: ModelState) => [...s.snap].filter(([, vals]) => vals.length > 0).map(([key]) => key);

export function DumpMatchesStart(s: ModelState): boolean {
  const keys = new Set(snapKeys(s));
  const written = s.out.map(([key]) => key);
  if (!s.out.every(([key, vals]) => keys.has(key) && sameVals(vals, s.snap.get(key)!))) return false;
  if (new Set(written).size !== written.length) return false;
  return s.dumping || (written.length === keys.size && written.every((key) => keys.has(key)));
}

export function NoUseAfterFree(s: ModelState): boolean {
  const free = freeSet(s);
  return ![...liveBlocks(s), ...viewBlocks(s)].some((block) => free.has(block));
}

export const NoDoubleFree = (s: ModelState): boolean => new Set(s.freeList).size === s.freeList.length;

export function NoLeak(s: ModelState, config: ModelConfig): boolean {
  const parts = [freeSet(s), liveBlocks(s), s.queue, dumpHeld(s)];
  const total = parts.reduce((n, part) => n + part.size, 0);
  const union = new Set(parts.flatMap((part) => [...part]));
  if (union.size !== config.blockCount || total !== union.size) return false; // cover and disjoint
  const perKey = [...s.ks.values()];
  return perKey.reduce((n, blocks) => n + blocks.length, 0) === liveBlocks(s).size; // no block twice
}

export function CopiesWithinBound(s: ModelState, config: ModelConfig): boolean {
  const held = dumpHeld(s);
  return s.copies.size <= config.copyBound && [...s.copies].every((block) => held.has(block));
}

export const NoFalseOOM = (s: ModelState): boolean => !s.oomFalse;

/** spec: CopyOnlyWhatChanges — an action property of the step s -> t. */
export function CopyOnlyWhatChanges(s: ModelState, t: ModelState): boolean {
  const newCopies = [...t.copies].filter((block) => !s.copies.has(block)).length;
  const changed = t.mem.filter((val, i) => !t.copies.has(i + 1) && val !== s.mem[i]).length;
  return newCopies <= changed;
}

/** spec: DirtyFirst — an action property of the step s -> t. */
export function DirtyFirst(s: ModelState, t: ModelState): boolean {
  if (t.out.length !== s.out.length + 1) return true;
  const dirtyKeys = dirty(s);
  return dirtyKeys.length === 0 || dirtyKeys.includes(t.out[t.out.length - 1]![0]);
}

export const STATE_INVARIANTS = {
  DumpMatchesStart, NoUseAfterFree, NoDoubleFree, NoLeak, CopiesWithinBound, NoFalseOOM,
} as const satisfies Record<string, (s: ModelState, config: ModelConfig) => boolean>;
export const STEP_PROPERTIES = { CopyOnlyWhatChanges, DirtyFirst } as const;
export type PropertyName = keyof typeof STATE_INVARIANTS | keyof typeof STEP_PROPERTIES;
