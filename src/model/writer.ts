/**
 * The writer's actions (spec: Writer.tla). Each returns the next state, or null when the action is not
 * enabled with these parameters. `Set` is the spec's name; inside this file the JS Set class is
 * therefore reached as globalThis.Set.
 */
import { liveBlocks, notHeld, pushFree, withKey } from './derived.ts';
import type { BlockIndex, Key, ModelConfig, ModelState, Val } from './types.ts';
import { NO_VAL } from './types.ts';

const JsSet = globalThis.Set;

/** spec: SetInto — key gets the one-block value [block]; its old blocks are released. */
function setInto(state: ModelState, config: ModelConfig, key: Key, val: Val, block: BlockIndex, rest: readonly BlockIndex[]): ModelState {
  const freed = config.bug === 'LeakOnSet' ? [] : notHeld(state, config, key, state.ks.get(key)!);
  const freedSet = new JsSet(freed);
  return {
    ...state,
    ks: withKey(state.ks, key, [block]),
    freeList: [...freed].reverse().concat(rest),
    mem: state.mem.map((old, i) => (i + 1 === block ? val : freedSet.has(i + 1) ? NO_VAL : old)),
  };
}

/** spec: Set(k, v) */
export function Set(state: ModelState, config: ModelConfig, key: Key, val: Val): ModelState | null {
  if (state.freeList.length >= 1) return setInto(state, config, key, val, state.freeList[0]!, state.freeList.slice(1));
  if (config.bug === 'ReuseQueued' && state.queue.size > 0) {
    return setInto(state, config, key, val, Math.min(...state.queue), []);
  }
  return null;
}

/** spec: NeedsCopy(k, b) */
const needsCopy = (state: ModelState, config: ModelConfig, key: Key, block: BlockIndex): boolean =>
  config.bug !== 'SkipCopy' && state.view.get(key)!.includes(block);

/** spec: WriteBlock(k, i, v) — i is 1-based. */
export function WriteBlock(state: ModelState, config: ModelConfig, key: Key, index: number, val: Val): ModelState | null {
  const blocks = state.ks.get(key)!;
  if (index < 1 || index > blocks.length) return null;
  const block = blocks[index - 1]!;
  if (state.mem[block - 1] === val) return null;
  if (!needsCopy(state, config, key, block)) {
    return { ...state, mem: state.mem.map((old, i) => (i + 1 === block ? val : old)) };
  }
  const live = liveBlocks(state);
  const viewed = state.view.get(key)!;
  const toCopy = config.bug === 'CopyWhole' ? viewed.filter((b) => live.has(b)) : [block];
  const count = toCopy.length;
  if (state.freeList.length < count) return null;
  if (config.bug !== 'NoBound' && state.copies.size + count > config.copyBound) return null;
  const fresh = state.freeList.slice(0, count);
  const copyOf = new Map(toCopy.map((original, j) => [original, fresh[j]!]));
  const originalOf = new Map(fresh.map((copy, j) => [copy, toCopy[j]!]));
  return {
    ...state,
    freeList: state.freeList.slice(count),
    mem: state.mem.map((old, i) => {
      if (i + 1 === block) return val;
      const original = originalOf.get(i + 1);
      return original === undefined ? old : state.mem[original - 1]!;
    }),
    view: withKey(state.view, key, viewed.map((b) => copyOf.get(b) ?? b)),
    copies: new JsSet([...state.copies, ...fresh]),
  };
}

/** spec: AppendBlock(k, v) */
export function AppendBlock(state: ModelState, config: ModelConfig, key: Key, val: Val): ModelState | null {
  const blocks = state.ks.get(key)!;
  if (blocks.length === 0 || blocks.length >= config.maxLen || state.freeList.length < 1) return null;
  const block = state.freeList[0]!;
  return {
    ...state,
    ks: withKey(state.ks, key, [...blocks, block]),
    mem: state.mem.map((old, i) => (i + 1 === block ? val : old)),
    freeList: state.freeList.slice(1),
  };
}

/** spec: Del(k) */
export function Del(state: ModelState, config: ModelConfig, key: Key): ModelState | null {
  const blocks = state.ks.get(key)!;
  if (blocks.length === 0) return null;
  return { ...state, ks: withKey(state.ks, key, []), ...pushFree(state, notHeld(state, config, key, blocks)) };
}

/** spec: AllocFail — an out-of-memory reply; the state is unchanged unless the failure was false. */
export function AllocFail(state: ModelState, config: ModelConfig): ModelState | null {
  if (state.freeList.length > 0) return null;
  if (state.queue.size > 0 && config.bug !== 'FalseOom') return null;
  return { ...state, oomFalse: state.queue.size > 0 };
}

