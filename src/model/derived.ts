/** The spec's helper operators (spec: SabreBase.tla), as plain functions of a state. */
import type { BlockIndex, Key, ModelConfig, ModelState, Val } from './types.ts';
import { NO_VAL } from './types.ts';

export const contentOf = (state: ModelState, blocks: readonly BlockIndex[]): Val[] =>
  blocks.map((block) => state.mem[block - 1]!);

export const freeSet = (state: ModelState): Set<BlockIndex> => new Set(state.freeList);

export function liveBlocks(state: ModelState): Set<BlockIndex> {
  const live = new Set<BlockIndex>();
  for (const blocks of state.ks.values()) for (const block of blocks) live.add(block);
  return live;
}

export function viewBlocks(state: ModelState): Set<BlockIndex> {
  const viewed = new Set<BlockIndex>();
  for (const blocks of state.view.values()) for (const block of blocks) viewed.add(block);
  return viewed;
}

/** Copies, and old blocks the writer let go of, that the dump still reads. */
export function dumpHeld(state: ModelState): Set<BlockIndex> {
  const live = liveBlocks(state);
  return new Set([...viewBlocks(state)].filter((block) => !live.has(block)));
}

export const todo = (state: ModelState): Key[] =>
  [...state.view].filter(([, blocks]) => blocks.length > 0).map(([key]) => key);

export function dirty(state: ModelState): Key[] {
  const held = dumpHeld(state);
  return todo(state).filter((key) => state.view.get(key)!.some((block) => held.has(block)));
}

/** spec: PushFree — the first block of `blocks` is pushed first; freed blocks are scrubbed. */
export function pushFree(state: ModelState, blocks: readonly BlockIndex[]): Pick<ModelState, 'freeList' | 'mem'> {
  const freed = new Set(blocks);
  return {
    freeList: [...blocks].reverse().concat(state.freeList),
    mem: state.mem.map((val, i) => (freed.has(i + 1) ? NO_VAL : val)),
  };
}

/** spec: HeldByDump — the blocks of k's old value that the dump still reads. */
export function heldByDump(state: ModelState, config: ModelConfig, key: Key, blocks: readonly BlockIndex[]): Set<BlockIndex> {
  if (config.bug === 'FreeNeeded') return new Set();
  const viewed = new Set(state.view.get(key)!);
  return new Set(blocks.filter((block) => viewed.has(block)));
}

/** spec: NotHeld — the rest, in order. */
export function notHeld(state: ModelState, config: ModelConfig, key: Key, blocks: readonly BlockIndex[]): BlockIndex[] {
  const held = heldByDump(state, config, key, blocks);
  return blocks.filter((block) => !held.has(block));
}

export const withKey = <V>(map: ReadonlyMap<Key, V>, key: Key, value: V): Map<Key, V> =>
  new Map(map).set(key, value);
