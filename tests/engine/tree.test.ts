import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeyWithEntry, createEntry, readEntryKey } from '../../src/engine/entry.ts';
import { NULL_BLOCK, type BlockIndex } from '../../src/engine/ids.ts';
import { BlockStore } from '../../src/engine/store.ts';
import { BlockTree } from '../../src/engine/tree.ts';
import { compareBytes } from '../../src/engine/check.ts';

const keyOf = (n: number) => new Uint8Array([n >> 8, n & 255]);

describe('BlockTree', () => {
  it('keeps order, rank, select and removal by identity like a sorted array', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(300)), { maxLength: 300 }), (ops) => {
        const store = BlockStore.create({ initialBlocks: 64 });
        const tree = new BlockTree(store, () => {});
        let root = NULL_BLOCK;
        const model: number[] = [];
        const nodeOf = new Map<number, BlockIndex>();
        for (const [insert, n] of ops) {
          const key = keyOf(n);
          const compare = (node: BlockIndex) => compareKeyWithEntry(store, key, node);
          const present = model.includes(n);
          if (insert && !present) {
            store.prepare(1);
            const node = createEntry(store, key);
            root = tree.insert(root, node, compare);
            nodeOf.set(n, node);
            model.push(n);
            model.sort((x, y) => x - y);
          } else if (!insert) {
            root = tree.remove(root, compare);
            expect(tree.lastRemoved).toBe(present ? nodeOf.get(n) : NULL_BLOCK);
            if (present) {
              store.alloc.free(tree.lastRemoved);
              model.splice(model.indexOf(n), 1);
            }
          }
          expect(tree.count(root)).toBe(model.length);
          expect(tree.height(root)).toBeLessThanOrEqual(Math.ceil(1.45 * Math.log2(model.length + 2)));
        }
        const seen: number[] = [];
        tree.forEachFrom(root, 0, (node) => {
          const key = readEntryKey(store, node);
          seen.push((key[0]! << 8) | key[1]!);
          return true;
        });
        expect(seen).toEqual(model);
        for (let rank = 0; rank < model.length; rank++) {
          const node = tree.select(root, rank);
          expect(compareBytes(readEntryKey(store, node), keyOf(model[rank]!))).toBe(0);
          expect(tree.rankOf(root, (other) => compareKeyWithEntry(store, keyOf(model[rank]!), other))).toBe(rank);
          expect(tree.rankOf(root, (other) => compareKeyWithEntry(store, keyOf(model[rank]!), other), true)).toBe(rank + 1);
        }
        expect(tree.select(root, model.length)).toBe(NULL_BLOCK);
      }),
      { numRuns: 100 },
    );
  });

  it('visits from any rank to the end in order, and back to the start in reverse', () => {
    const store = BlockStore.create({ initialBlocks: 64 });
    const tree = new BlockTree(store, () => {});
    let root = NULL_BLOCK;
    for (let n = 0; n < 100; n++) {
      const key = keyOf((n * 37) % 100);
      store.prepare(1);
      root = tree.insert(root, createEntry(store, key), (node) => compareKeyWithEntry(store, key, node));
    }
    for (const from of [0, 1, 50, 99, 100]) {
      const seen: number[] = [];
      tree.forEachFrom(root, from, (node) => (seen.push(readEntryKey(store, node)[1]!), true));
      expect(seen).toEqual(Array.from({ length: 100 - from }, (_, i) => i + from));
      const back: number[] = [];
      tree.forEachBackwardFrom(root, from, (node) => (back.push(readEntryKey(store, node)[1]!), true));
      expect(back).toEqual(from >= 100 ? [] : Array.from({ length: from + 1 }, (_, i) => from - i));
    }
  });
});
