import { describe, expect, it } from 'vitest';
import { H } from '../../src/engine/arena.ts';
import { Engine } from '../../src/engine/engine.ts';
import { NODE_COUNT, NODE_HEIGHT } from '../../src/engine/tree.ts';
import type { BlockIndex } from '../../src/engine/ids.ts';
import { b } from './helpers.ts';

function populated(): Engine {
  const engine = new Engine({ initialBlocks: 64 });
  for (let i = 0; i < 20; i++) engine.set(0, b(`key:${i}`), new Uint8Array(i * 10).fill(i));
  engine.endCommand();
  expect(engine.check()).toEqual([]);
  return engine;
}

const names = (engine: Engine) => new Set(engine.check().map((violation) => violation.name));

describe('check', () => {
  it('names a leaked block NoLeak', () => {
    const engine = populated();
    const store = engine.store;
    store.prepare(1);
    store.alloc.allocate();
    expect(names(engine)).toContain('NoLeak');
  });

  it('names a block freed while still reachable NoUseAfterFree', () => {
    const engine = populated();
    const root = engine.store.arena.u32[H.dbRoots]! as BlockIndex;
    engine.store.alloc.free(root);
    expect(names(engine)).toContain('NoUseAfterFree');
  });

  it('names a block pushed twice NoDoubleFree', () => {
    const engine = populated();
    engine.del(0, [b('key:5')]);
    const head = engine.store.arena.u32[H.freeHead]! as BlockIndex;
    engine.store.alloc.free(head);
    expect(names(engine)).toContain('NoDoubleFree');
  });

  it('names wrong counters CountsAddUp', () => {
    const engine = populated();
    engine.store.arena.u32[H.liveBlocks]! += 1;
    expect(names(engine)).toContain('CountsAddUp');
  });

  it('names a wrong subtree count TreeCounts and a wrong height TreeBalanced', () => {
    const engine = populated();
    const arena = engine.store.arena;
    const root = arena.u32[H.dbRoots]! as BlockIndex;
    arena.u32[arena.blockWord(root) + NODE_COUNT]! += 1;
    arena.u32[arena.blockWord(root) + NODE_HEIGHT]! += 1;
    expect(names(engine)).toEqual(new Set(['TreeCounts', 'TreeBalanced']));
  });

  it('names keys out of order TreeOrdered', () => {
    const engine = populated();
    const arena = engine.store.arena;
    const root = arena.u32[H.dbRoots]! as BlockIndex;
    arena.u8[arena.blockByteOffset(root) + 32] = 0; // first key byte of the root now sorts first
    expect(names(engine)).toContain('TreeOrdered');
  });
});
