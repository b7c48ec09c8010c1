import { assert } from './errors.ts';
import { identityResolver, NULL_BLOCK, type BlockIndex, type BlockResolver } from './ids.ts';
import type { BlockStore } from './store.ts';

/**
 * Byte strings as chains of blocks. A chain block is: u32 next (0 = last), then data bytes
 * (blockSize - 4). Every block but the last is full, so the block holding byte N of a chain is the
 * (N / dataBytes)-th: a write to the middle of a long string walks to it and touches only the
 * blocks whose bytes change. Cost: O(N / dataBytes) link hops to reach byte N.
 */
export const CHAIN_NEXT_WORD = 0;
export const CHAIN_DATA_BYTE = 4;

export function chainBlocksFor(store: BlockStore, byteLength: number): number {
  return byteLength <= 0 ? 0 : Math.ceil(byteLength / store.chainDataBytes);
}

/** Writes bytes[start, end) into fresh blocks; returns the head (0 for an empty range). */
export function writeNewChain(store: BlockStore, bytes: Uint8Array, start = 0, end = bytes.length): BlockIndex {
  const dataBytes = store.chainDataBytes;
  let head = NULL_BLOCK;
  let previousWord = -1;
  for (let position = start; position < end; position += dataBytes) {
    const blockIndex = store.alloc.allocate();
    const arena = store.arena;
    const byteOffset = arena.blockByteOffset(blockIndex);
    const length = Math.min(dataBytes, end - position);
    arena.u8.set(bytes.subarray(position, position + length), byteOffset + CHAIN_DATA_BYTE);
    if (previousWord < 0) head = blockIndex;
    else arena.u32[previousWord] = blockIndex; // the previous block was allocated by this call
    previousWord = byteOffset >>> 2;
  }
  return head;
}

/** Appends `blockCount` zeroed blocks after `lastBlock` (which must exist, or 0 for an empty chain); returns the new head if the chain was empty. */
export function extendChain(store: BlockStore, head: BlockIndex, blockCount: number): BlockIndex {
  if (blockCount === 0) return head;
  let last = head;
  if (last !== NULL_BLOCK) {
    for (let step = 0; ; step++) {
      const next = store.arena.u32[store.arena.blockWord(last) + CHAIN_NEXT_WORD]! as BlockIndex;
      if (next === NULL_BLOCK) break;
      assert(step < store.arena.blockCount, 'chain has a cycle');
      last = next;
    }
  }
  let newHead = head;
  for (let added = 0; added < blockCount; added++) {
    const blockIndex = store.alloc.allocate();
    if (last === NULL_BLOCK) newHead = blockIndex;
    else {
      if (added === 0) store.beforeBlockWrite(last);
      store.arena.u32[store.arena.blockWord(last) + CHAIN_NEXT_WORD] = blockIndex;
    }
    last = blockIndex;
  }
  return newHead;
}

/**
 * Visits the chain blocks overlapping chain bytes [from, to): visit(block, byteOffsetOfFirstByte,
 * length, positionInChain). Blocks are reached through `resolve`.
 */
export function forEachChainSpan(
  store: BlockStore,
  head: BlockIndex,
  from: number,
  to: number,
  visit: (blockIndex: BlockIndex, byteOffset: number, length: number, position: number) => void,
  resolve: BlockResolver = identityResolver,
): void {
  if (from >= to) return;
  const dataBytes = store.chainDataBytes;
  const arena = store.arena;
  let blockIndex = head;
  let blockStart = 0;
  for (let step = 0; blockIndex !== NULL_BLOCK && blockStart < to; step++) {
    assert(step < arena.blockCount, 'chain has a cycle');
    const resolved = resolve(blockIndex);
    const blockEnd = blockStart + dataBytes;
    if (blockEnd > from) {
      const spanStart = Math.max(from, blockStart);
      const spanEnd = Math.min(to, blockEnd);
      visit(blockIndex, arena.blockByteOffset(resolved) + CHAIN_DATA_BYTE + (spanStart - blockStart), spanEnd - spanStart, spanStart);
    }
    blockIndex = arena.u32[arena.blockWord(resolved) + CHAIN_NEXT_WORD]! as BlockIndex;
    blockStart = blockEnd;
  }
  assert(blockStart >= to, 'chain shorter than its recorded length');
}

export function readChain(
  store: BlockStore,
  head: BlockIndex,
  from: number,
  to: number,
  destination: Uint8Array,
  destinationOffset: number,
  resolve: BlockResolver = identityResolver,
): void {
  const u8 = store.arena.u8;
  forEachChainSpan(store, head, from, to, (_block, byteOffset, length, position) => {
    destination.set(u8.subarray(byteOffset, byteOffset + length), destinationOffset + position - from);
  }, resolve);
}

/** Compares `key` with chain bytes [0, byteLength) like memcmp then length. */
export function compareWithChain(store: BlockStore, key: Uint8Array, head: BlockIndex, byteLength: number, resolve: BlockResolver = identityResolver): number {
  const u8 = store.arena.u8;
  let result = 0;
  const common = Math.min(key.length, byteLength);
  forEachChainSpan(store, head, 0, common, (_block, byteOffset, length, position) => {
    if (result !== 0) return;
    for (let i = 0; i < length; i++) {
      const difference = key[position + i]! - u8[byteOffset + i]!;
      if (difference !== 0) { result = difference; return; }
    }
  }, resolve);
  return result !== 0 ? result : key.length - byteLength;
}

/** Releases every block of the chain through the store's release hook. */
export function releaseChain(store: BlockStore, head: BlockIndex): void {
  const arena = store.arena;
  let blockIndex = head;
  for (let step = 0; blockIndex !== NULL_BLOCK; step++) {
    assert(step < arena.blockCount, 'chain has a cycle');
    const next = arena.u32[arena.blockWord(blockIndex) + CHAIN_NEXT_WORD]! as BlockIndex;
    store.releaseBlock(blockIndex);
    blockIndex = next;
  }
}

