import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { H } from '../../src/engine/arena.ts';
import { OutOfMemoryError } from '../../src/engine/errors.ts';
import type { BlockIndex } from '../../src/engine/ids.ts';
import { BlockStore } from '../../src/engine/store.ts';

describe('Allocator', () => {
  it('never hands out a block twice and keeps exact counts', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 400 }), (ops) => {
        const store = BlockStore.create({ initialBlocks: 64, maxBlocks: 256 });
        const held = new Set<BlockIndex>();
        for (const [allocate, pick] of ops) {
          if (allocate) {
            try {
              store.prepare(1);
            } catch (error) {
              expect(error).toBeInstanceOf(OutOfMemoryError);
              expect(held.size).toBe(255);
              continue;
            }
            const blockIndex = store.alloc.allocate();
            expect(held.has(blockIndex)).toBe(false);
            expect(blockIndex).toBeGreaterThan(0);
            held.add(blockIndex);
          } else if (held.size > 0) {
            const victim = [...held][pick % held.size]!;
            held.delete(victim);
            store.alloc.free(victim);
          }
          const u32 = store.arena.u32;
          expect(u32[H.liveBlocks]).toBe(held.size);
          expect(u32[H.freeBlocks]! + u32[H.liveBlocks]!).toBe(store.arena.blockCount - 1);
        }
      }),
    );
  });

  it('grows the buffer when blocks run out and refuses past the maximum', () => {
    const store = BlockStore.create({ initialBlocks: 64, maxBlocks: 1024 });
    const before = store.arena.sab.byteLength;
    store.prepare(500);
    for (let i = 0; i < 500; i++) store.alloc.allocate();
    expect(store.arena.sab.byteLength).toBeGreaterThan(before);
    expect(store.arena.blockCount).toBeGreaterThanOrEqual(501);
    expect(() => store.prepare(1024)).toThrow("OOM command not allowed when used memory > 'maxmemory'.");
  });

  it('asserts when a command allocates more than it prepared', () => {
    const store = BlockStore.create({ initialBlocks: 64 });
    store.prepare(1);
    store.alloc.allocate();
    expect(() => store.alloc.allocate()).toThrow('allocation without ensureFree');
  });

  it('stamps every allocated block with the current dump epoch', () => {
    const store = BlockStore.create({ initialBlocks: 64 });
    store.arena.u32[H.dumpEpoch] = 7;
    store.prepare(1);
    const blockIndex = store.alloc.allocate();
    expect(store.arena.bornEpoch(blockIndex)).toBe(7);
    expect(store.arena.copyLink(blockIndex)).toBe(0);
  });
});
