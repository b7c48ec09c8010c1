import { chainBlocksFor, compareWithChain, readChain, releaseChain, writeNewChain } from './blob.ts';
import { identityResolver, NULL_BLOCK, type BlockIndex, type BlockResolver } from './ids.ts';
import type { BlockStore } from './store.ts';

/**
 * Payload of a tree node (after the 16-byte tree header): the entry's key (keyspace key, hash
 * field, set or zset member), inline when it fits in the node, otherwise wholly in a chain.
 *   byte 16 u32 keyByteLength
 *   byte 20 u32 keyChain      (0 = key inline at byte 32)
 *   byte 24 u32 aux | f64 score (bytes 24..31)
 *   byte 28 u32 aux2
 *   byte 32 ..  inline key bytes (blockSize - 32)
 */
export const ENTRY_KEY_LENGTH_WORD = 4;
export const ENTRY_KEY_CHAIN_WORD = 5;
export const ENTRY_AUX_WORD = 6;
export const ENTRY_AUX2_WORD = 7;
export const ENTRY_SCORE_BYTE = 24;
export const ENTRY_INLINE_KEY_BYTE = 32;

export function entryInlineCapacity(store: BlockStore): number {
  return store.arena.blockSizeBytes - ENTRY_INLINE_KEY_BYTE;
}

/** Blocks an entry with this key needs: the node plus the key chain if the key does not fit inline. */
export function entryBlocksFor(store: BlockStore, keyByteLength: number): number {
  return 1 + (keyByteLength > entryInlineCapacity(store) ? chainBlocksFor(store, keyByteLength) : 0);
}

/** Allocates a node holding `key`; the tree links are set by BlockTree.insert. */
export function createEntry(store: BlockStore, key: Uint8Array): BlockIndex {
  const chain = key.length > entryInlineCapacity(store) ? writeNewChain(store, key) : NULL_BLOCK;
  const node = store.alloc.allocate();
  const arena = store.arena;
  const word = arena.blockWord(node);
  arena.u32[word + ENTRY_KEY_LENGTH_WORD] = key.length;
  arena.u32[word + ENTRY_KEY_CHAIN_WORD] = chain;
  if (chain === NULL_BLOCK) arena.u8.set(key, (word << 2) + ENTRY_INLINE_KEY_BYTE);
  return node;
}

export function readEntryKey(store: BlockStore, node: BlockIndex, resolve: BlockResolver = identityResolver): Uint8Array {
  const arena = store.arena;
  const word = arena.blockWord(resolve(node));
  const length = arena.u32[word + ENTRY_KEY_LENGTH_WORD]!;
  const chain = arena.u32[word + ENTRY_KEY_CHAIN_WORD]! as BlockIndex;
  if (chain === NULL_BLOCK) {
    const start = (word << 2) + ENTRY_INLINE_KEY_BYTE;
    return arena.u8.slice(start, start + length);
  }
  const key = new Uint8Array(length);
  readChain(store, chain, 0, length, key, 0, resolve);
  return key;
}

/** `key` versus the node's key: memcmp order, then shorter first (Redis's key order). */
export function compareKeyWithEntry(store: BlockStore, key: Uint8Array, node: BlockIndex, resolve: BlockResolver = identityResolver): number {
  const arena = store.arena;
  const word = arena.blockWord(resolve(node));
  const length = arena.u32[word + ENTRY_KEY_LENGTH_WORD]!;
  const chain = arena.u32[word + ENTRY_KEY_CHAIN_WORD]! as BlockIndex;
  if (chain !== NULL_BLOCK) return compareWithChain(store, key, chain, length, resolve);
  const u8 = arena.u8;
  const start = (word << 2) + ENTRY_INLINE_KEY_BYTE;
  const common = key.length < length ? key.length : length;
  for (let i = 0; i < common; i++) {
    const difference = key[i]! - u8[start + i]!;
    if (difference !== 0) return difference;
  }
  return key.length - length;
}

/** The descent of a failed search: where an insert of the same key would link its node. */
export interface SearchPath {
  nodes: Uint32Array;
  sides: Uint8Array;
  depth: number;
}

/**
 * The node whose key equals `key`, or 0: the hot path of every keyed lookup, so the comparison of
 * inline keys is written out here instead of going through a comparator closure.
 */
export function findEntryByKey(store: BlockStore, root: BlockIndex, key: Uint8Array, recorder?: SearchPath): BlockIndex {
  const arena = store.arena;
  const u32 = arena.u32;
  const u8 = arena.u8;
  const keyLength = key.length;
  // Inline keys start 4-aligned in the block; an aligned copy of the probe lets equal prefixes
  // (common in real key names) be skipped four bytes at a time.
  const probeWords = keyLength <= PROBE_BYTES ? (probeBytes.set(key), (keyLength >>> 2)) : 0;
  let node = root;
  for (let depth = 0; node !== 0; depth++) {
    if (depth >= 64) throw new Error('tree deeper than an AVL tree can be');
    const word = arena.blockWord(node);
    const length = u32[word + ENTRY_KEY_LENGTH_WORD]!;
    const chain = u32[word + ENTRY_KEY_CHAIN_WORD]! as BlockIndex;
    let order = 0;
    if (chain !== 0) order = compareWithChain(store, key, chain, length);
    else {
      const inlineWord = word + (ENTRY_INLINE_KEY_BYTE >>> 2);
      const start = inlineWord << 2;
      const common = keyLength < length ? keyLength : length;
      const commonWords = probeWords < (common >>> 2) ? probeWords : common >>> 2;
      let i = 0;
      while (i < commonWords && probeWords32[i] === u32[inlineWord + i]) i++;
      for (let byte = i << 2; byte < common; byte++) {
        order = key[byte]! - u8[start + byte]!;
        if (order !== 0) break;
      }
      if (order === 0) order = keyLength - length;
    }
    if (order === 0) return node;
    const side = order < 0 ? 0 : 1; // tree words 0/1: left/right
    if (recorder !== undefined) {
      recorder.nodes[depth] = node;
      recorder.sides[depth] = side;
      recorder.depth = depth + 1;
    }
    node = u32[word + side]! as BlockIndex;
  }
  return 0 as BlockIndex;
}

const PROBE_BYTES = 256;
const probeWords32 = new Uint32Array(PROBE_BYTES / 4);
const probeBytes = new Uint8Array(probeWords32.buffer);

export function entryAux(store: BlockStore, node: BlockIndex, resolve: BlockResolver = identityResolver): number {
  return store.arena.u32[store.arena.blockWord(resolve(node)) + ENTRY_AUX_WORD]!;
}

export function entryAux2(store: BlockStore, node: BlockIndex, resolve: BlockResolver = identityResolver): number {
  return store.arena.u32[store.arena.blockWord(resolve(node)) + ENTRY_AUX2_WORD]!;
}

export function entryScore(store: BlockStore, node: BlockIndex, resolve: BlockResolver = identityResolver): number {
  return store.arena.f64[(store.arena.blockByteOffset(resolve(node)) + ENTRY_SCORE_BYTE) >>> 3]!;
}

/** Raw payload writes; the caller has called the write hook (or allocated the node in this command). */
export function setEntryAux(store: BlockStore, node: BlockIndex, aux: number, aux2?: number): void {
  const word = store.arena.blockWord(node);
  store.arena.u32[word + ENTRY_AUX_WORD] = aux;
  if (aux2 !== undefined) store.arena.u32[word + ENTRY_AUX2_WORD] = aux2;
}

export function setEntryScore(store: BlockStore, node: BlockIndex, score: number): void {
  store.arena.f64[(store.arena.blockByteOffset(node) + ENTRY_SCORE_BYTE) >>> 3] = score;
}

/** Releases the node and its key chain (not what aux points to). */
export function releaseEntry(store: BlockStore, node: BlockIndex): void {
  const chain = store.arena.u32[store.arena.blockWord(node) + ENTRY_KEY_CHAIN_WORD]! as BlockIndex;
  releaseChain(store, chain);
  store.releaseBlock(node);
}
