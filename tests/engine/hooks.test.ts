import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { H } from '../../src/engine/arena.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { Engine } from '../../src/engine/engine.ts';
import { readEntryKey } from '../../src/engine/entry.ts';
import type { BlockIndex } from '../../src/engine/ids.ts';
import { readValue, type PlainEntry } from '../../src/engine/read-value.ts';
import { commandArb, run } from './commands-arb.ts';
import { b } from './helpers.ts';

/** Blocks of db 0's keyspace nodes and value headers (their tree words and LRU bytes change without the hook by design). */
function keyspaceBlocks(engine: Engine): { nodes: Set<number>; headers: Set<number> } {
  const nodes = new Set<number>();
  const headers = new Set<number>();
  engine.core.keyspace.forEachFrom(0, 0, (node) => {
    nodes.add(node);
    headers.add(engine.core.keyspace.valueOf(node));
    return true;
  });
  return { nodes, headers };
}

/** Blocks of db 0's expiry index: the dump never reads them, so they change without the hook by design. */
function expiryIndexBlocks(engine: Engine): Set<number> {
  const blocks = new Set<number>();
  const expires = engine.core.keyspace.expires;
  expires.tree.forEachFrom(expires.root(0), 0, (indexNode) => (blocks.add(indexNode), true));
  return blocks;
}

function liveBlocks(engine: Engine): Set<number> {
  const arena = engine.store.arena;
  const free = new Set<number>();
  for (let block = arena.u32[H.freeHead]!; block !== 0; block = arena.u32[arena.blockWord(block as BlockIndex)]!) free.add(block);
  const live = new Set<number>();
  for (let block = 1; block < arena.u32[H.nextUnusedBlock]!; block++) if (!free.has(block)) live.add(block);
  return live;
}

describe('write-path hooks', () => {
  it('announce every in-place change of an existing block, except keyspace tree links, LRU bytes and expiry-index blocks', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 50 }), (commands) => {
        const touched = new Set<number>();
        const released = new Set<number>();
        const engine = new Engine({
          initialBlocks: 64,
          clock: new ManualClock(),
          hooks: (store) => ({
            beforeBlockWrite: (block) => void touched.add(block),
            releaseBlock: (block) => { released.add(block); store.alloc.free(block); },
            extraBlocksForWrites: () => 0,
          }),
        });
        for (const command of commands) {
          const before = engine.store.arena.u8.slice();
          const live = liveBlocks(engine);
          const { nodes, headers } = keyspaceBlocks(engine);
          const indexBlocks = expiryIndexBlocks(engine);
          touched.clear();
          released.clear();
          run(engine, command);
          const arena = engine.store.arena;
          for (const block of live) {
            if (touched.has(block) || released.has(block) || indexBlocks.has(block)) continue;
            const start = arena.blockByteOffset(block as BlockIndex);
            for (let byte = 0; byte < arena.blockSizeBytes; byte++) {
              if (before[start + byte] === arena.u8[start + byte]) continue;
              if (nodes.has(block) && byte < 16) continue; // keyspace structure: the dump walks the live tree
              if (headers.has(block) && byte >= 1 && byte <= 3) continue; // LRU clock, not saved by the dump
              throw new Error(`block ${block} byte ${byte} changed without beforeBlockWrite`);
            }
          }
          expect(engine.check()).toEqual([]);
        }
      }),
      { numRuns: 120, examples: [[[(e: Engine) => e.hset(0, b('h'), [[b('a'), b('1')]]), (e: Engine) => e.hset(0, b('h'), [[b('b'), b('1')]]), (e: Engine) => e.hset(0, b('h'), [[b('a'), b('2')]])]]] },
    );
  });

  it('let a copy-on-write reader see every value exactly as it was, through copies and a resolver', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 30 }), fc.array(commandArb, { minLength: 1, maxLength: 40 }), (setup, writes) => {
        // A miniature of the next issue's dump: protect the blocks live at the snapshot, copy one on
        // its first write, keep released ones, and read old values through the copies.
        let protectedBlocks: Set<number> | null = null;
        const copies = new Map<number, number>();
        const kept: number[] = [];
        const engine = new Engine({
          initialBlocks: 64,
          clock: new ManualClock(),
          hooks: (store) => ({
            beforeBlockWrite: (block) => {
              if (protectedBlocks === null || !protectedBlocks.has(block) || copies.has(block)) return;
              const copy = store.alloc.allocate();
              const arena = store.arena;
              arena.u8.copyWithin(arena.blockByteOffset(copy), arena.blockByteOffset(block), arena.blockByteOffset(block) + arena.blockSizeBytes);
              copies.set(block, copy);
            },
            releaseBlock: (block) => (protectedBlocks?.has(block) ? kept.push(block) : store.alloc.free(block)),
            extraBlocksForWrites: (writes) => (protectedBlocks === null ? 0 : writes),
          }),
        });
        for (const command of setup) run(engine, command);
        protectedBlocks = liveBlocks(engine);
        const snapshot = new Map<string, { header: BlockIndex; entry: PlainEntry }>();
        engine.core.keyspace.forEachFrom(0, 0, (node) => {
          const header = engine.core.keyspace.valueOf(node);
          snapshot.set(Buffer.from(readEntryKey(engine.store, node)).toString('hex'), { header, entry: readValue(engine.core, header) });
          return true;
        });
        for (const command of writes) run(engine, command);
        const resolve = (block: BlockIndex) => (copies.get(block) ?? block) as BlockIndex;
        for (const { header, entry } of snapshot.values()) expect(readValue(engine.core, header, resolve)).toEqual(entry);
        // the copies and kept blocks go back; the arena is sound again
        for (const copy of copies.values()) engine.store.alloc.free(copy as BlockIndex);
        for (const block of kept) engine.store.alloc.free(block as BlockIndex);
        expect(engine.check()).toEqual([]);
      }),
      { numRuns: 120 },
    );
  });
});
