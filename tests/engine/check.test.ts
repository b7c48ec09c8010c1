import { describe, expect, it } from 'vitest';
import { H } from '../../src/engine/arena.ts';
import { Engine } from '../../src/engine/engine.ts';
import { NODE_COUNT, NODE_HEIGHT } from '../../src/engine/tree.ts';
import { setValueExpireAtMs } from '../../src/engine/object.ts';
import { EXPIRY_AT_BYTE } from '../../src/engine/expires.ts';
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

  it('names a key with a TTL missing from the expiry index, or indexed at another time, ExpiresIndexed', () => {
    const engine = populated();
    const node = engine.core.keyspace.find(0, b('key:3'));
    setValueExpireAtMs(engine.store, engine.core.keyspace.valueOf(node), Date.now() + 60_000);
    expect(engine.check()).toEqual([{ name: 'ExpiresIndexed', detail: expect.stringContaining('is not indexed') }]);

    const indexed = populated();
    indexed.pexpire(0, b('key:4'), 60_000);
    indexed.endCommand();
    expect(indexed.check()).toEqual([]);
    const indexNode = indexed.core.keyspace.expires.root(0);
    indexed.store.arena.f64[(indexed.store.arena.blockByteOffset(indexNode) + EXPIRY_AT_BYTE) >>> 3] = 1;
    expect(names(indexed)).toEqual(new Set(['ExpiresIndexed']));
  });

  it('names an expiry index that lost its root NoLeak and ExpiresIndexed, and one whose key left the keyspace ExpiresIndexed', () => {
    const engine = populated();
    engine.pexpire(0, b('key:4'), 60_000);
    engine.endCommand();
    engine.store.arena.u32[H.expiresRoots] = 0;
    expect(names(engine)).toEqual(new Set(['ExpiresIndexed', 'NoLeak', 'CountsAddUp']));

    const orphan = populated();
    orphan.pexpire(0, b('key:4'), 60_000);
    orphan.endCommand();
    orphan.store.arena.u32[H.dbRoots] = 0; // the keyspace is gone but its index is not
    expect(names(orphan)).toContain('ExpiresIndexed');
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
