import { chainBlocksFor, readChain, releaseChain, writeNewChain } from '../blob.ts';
import type { CheckWalk } from '../check.ts';
import { registerValueChecker } from '../check-values.ts';
import type { Core } from '../core.ts';
import { assert } from '../errors.ts';
import { identityResolver, NULL_BLOCK, type BlockIndex, type BlockResolver } from '../ids.ts';
import { valueLength, valueWord, ValueType, VALUE_FIRST_WORD, VALUE_SECOND_WORD } from '../object.ts';
import type { BlockStore } from '../store.ts';

/**
 * A list: a doubly linked chain of nodes (VALUE_FIRST_WORD = head, VALUE_SECOND_WORD = tail), each
 * packing several elements, quicklist-like. Node layout:
 *   word 0 prev, word 1 next, word 2 entryCount, word 3 usedBytes, bytes 16.. entries.
 * An entry is a tag byte t: t < 255 means t inline bytes follow; t = 255 means a big element:
 * u32 byteLength, u32 chain head (little-endian, unaligned), 9 bytes in all.
 */
export const LIST_PREV_WORD = 0;
export const LIST_NEXT_WORD = 1;
export const LIST_COUNT_WORD = 2;
export const LIST_USED_WORD = 3;
export const LIST_ENTRIES_BYTE = 16;
export const LIST_HEAD_WORD = VALUE_FIRST_WORD;
export const LIST_TAIL_WORD = VALUE_SECOND_WORD;
const BIG_TAG = 255;
const BIG_ENTRY_BYTES = 9;

export interface ListEntry {
  inline: Uint8Array | null;
  byteLength: number;
  chain: BlockIndex;
}

export function nodeCapacity(store: BlockStore): number {
  return Math.min(store.arena.blockSizeBytes - LIST_ENTRIES_BYTE, 255); // the tag byte caps inline elements at 254
}

export function entrySize(entry: ListEntry): number {
  return entry.inline !== null ? 1 + entry.byteLength : BIG_ENTRY_BYTES;
}

function inlineMax(store: BlockStore): number {
  return nodeCapacity(store) - 1;
}

/** Chain blocks an element needs beyond its node bytes. */
export function elementBlocksFor(store: BlockStore, byteLength: number): number {
  return byteLength > inlineMax(store) ? chainBlocksFor(store, byteLength) : 0;
}

/** Makes the entry for an element (allocating its chain when big; the caller prepared elementBlocksFor). */
export function makeEntry(store: BlockStore, bytes: Uint8Array): ListEntry {
  if (bytes.length <= inlineMax(store)) return { inline: bytes, byteLength: bytes.length, chain: NULL_BLOCK };
  return { inline: null, byteLength: bytes.length, chain: writeNewChain(store, bytes) };
}

export function readEntry(store: BlockStore, entry: ListEntry, resolve: BlockResolver = identityResolver): Uint8Array {
  if (entry.inline !== null) return entry.inline;
  const out = new Uint8Array(entry.byteLength);
  readChain(store, entry.chain, 0, entry.byteLength, out, 0, resolve);
  return out;
}

export function releaseEntryChain(store: BlockStore, entry: ListEntry): void {
  if (entry.inline === null) releaseChain(store, entry.chain);
}

function readU32(u8: Uint8Array, byteOffset: number): number {
  return (u8[byteOffset]! | (u8[byteOffset + 1]! << 8) | (u8[byteOffset + 2]! << 16) | (u8[byteOffset + 3]! << 24)) >>> 0;
}

function writeU32(u8: Uint8Array, byteOffset: number, value: number): void {
  u8[byteOffset] = value & 0xff;
  u8[byteOffset + 1] = (value >>> 8) & 0xff;
  u8[byteOffset + 2] = (value >>> 16) & 0xff;
  u8[byteOffset + 3] = (value >>> 24) & 0xff;
}

export function nodeWord(store: BlockStore, node: BlockIndex, word: number, resolve: BlockResolver = identityResolver): BlockIndex {
  return store.arena.u32[store.arena.blockWord(resolve(node)) + word]! as BlockIndex;
}

export function decodeNode(store: BlockStore, node: BlockIndex, resolve: BlockResolver = identityResolver): ListEntry[] {
  const arena = store.arena;
  const base = arena.blockByteOffset(resolve(node));
  const count = arena.u32[(base >>> 2) + LIST_COUNT_WORD]!;
  const end = base + LIST_ENTRIES_BYTE + Math.min(arena.u32[(base >>> 2) + LIST_USED_WORD]!, nodeCapacity(store));
  const u8 = arena.u8;
  const entries: ListEntry[] = [];
  let position = base + LIST_ENTRIES_BYTE;
  for (let i = 0; i < count && position < end; i++) {
    const tag = u8[position]!;
    if (tag !== BIG_TAG) {
      entries.push({ inline: u8.slice(position + 1, position + 1 + tag), byteLength: tag, chain: NULL_BLOCK });
      position += 1 + tag;
    } else {
      entries.push({ inline: null, byteLength: readU32(u8, position + 1), chain: readU32(u8, position + 5) as BlockIndex });
      position += BIG_ENTRY_BYTES;
    }
  }
  return entries;
}

/** Bytes of entries in a node (word 3). */
export function nodeUsedBytes(store: BlockStore, node: BlockIndex): number {
  return store.arena.u32[store.arena.blockWord(node) + LIST_USED_WORD]!;
}

/**
 * Adds one entry at the head or tail of a node that has room, shifting the others in place instead
 * of decoding the node: O(used bytes). The caller called the write hook (or the node is new).
 */
export function addEntryInPlace(store: BlockStore, node: BlockIndex, entry: ListEntry, atHead: boolean): void {
  const arena = store.arena;
  const u8 = arena.u8;
  const word = arena.blockWord(node);
  const entriesStart = (word << 2) + LIST_ENTRIES_BYTE;
  const used = arena.u32[word + LIST_USED_WORD]!;
  const size = entrySize(entry);
  assert(used + size <= nodeCapacity(store), 'list node overfilled');
  let position = entriesStart + used;
  if (atHead) {
    u8.copyWithin(entriesStart + size, entriesStart, entriesStart + used);
    position = entriesStart;
  }
  if (entry.inline !== null) {
    u8[position] = entry.byteLength;
    for (let i = 0; i < entry.byteLength; i++) u8[position + 1 + i] = entry.inline[i]!;
  } else {
    u8[position] = BIG_TAG;
    writeU32(u8, position + 1, entry.byteLength);
    writeU32(u8, position + 5, entry.chain);
  }
  arena.u32[word + LIST_COUNT_WORD]!++;
  arena.u32[word + LIST_USED_WORD] = used + size;
}

/** Writes entries into a node (hooked by the caller, or new). */
export function encodeNode(store: BlockStore, node: BlockIndex, entries: ListEntry[]): void {
  const arena = store.arena;
  const base = arena.blockByteOffset(node);
  const u8 = arena.u8;
  let position = base + LIST_ENTRIES_BYTE;
  for (const entry of entries) {
    if (entry.inline !== null) {
      u8[position] = entry.byteLength;
      u8.set(entry.inline, position + 1);
      position += 1 + entry.byteLength;
    } else {
      u8[position] = BIG_TAG;
      writeU32(u8, position + 1, entry.byteLength);
      writeU32(u8, position + 5, entry.chain);
      position += BIG_ENTRY_BYTES;
    }
  }
  const used = position - base - LIST_ENTRIES_BYTE;
  assert(used <= nodeCapacity(store), 'list node overfilled');
  arena.u32[(base >>> 2) + LIST_COUNT_WORD] = entries.length;
  arena.u32[(base >>> 2) + LIST_USED_WORD] = used;
}

export function setNodeWord(store: BlockStore, node: BlockIndex, word: number, content: number): void {
  store.arena.u32[store.arena.blockWord(node) + word] = content;
}

export function releaseList(core: Core, value: BlockIndex): void {
  const store = core.store;
  let node = valueWord(store, value, LIST_HEAD_WORD);
  for (let step = 0; node !== NULL_BLOCK; step++) {
    assert(step < store.arena.blockCount, 'list has a cycle');
    const next = nodeWord(store, node, LIST_NEXT_WORD);
    for (const entry of decodeNode(store, node)) releaseEntryChain(store, entry);
    store.releaseBlock(node);
    node = next;
  }
  store.releaseBlock(value);
}

function checkList(walk: CheckWalk, value: BlockIndex, owner: string): void {
  const store = walk.core.store;
  let previous = NULL_BLOCK;
  let node = valueWord(store, value, LIST_HEAD_WORD);
  let elements = 0;
  while (node !== NULL_BLOCK) {
    if (!walk.claim(node, `${owner} list node`)) {
      walk.report('ChainEnds', `${owner}: list links a bad node`);
      return;
    }
    if (nodeWord(store, node, LIST_PREV_WORD) !== previous) walk.report('ValueContents', `${owner}: node ${node} prev link is not ${previous}`);
    const entries = decodeNode(store, node);
    const used = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (entries.length === 0) walk.report('ValueContents', `${owner}: empty list node ${node}`);
    if (entries.length !== nodeWord(store, node, LIST_COUNT_WORD) || used !== nodeWord(store, node, LIST_USED_WORD)) {
      walk.report('ValueContents', `${owner}: node ${node} count/used bytes disagree with its entries`);
    }
    for (const entry of entries) {
      if (entry.inline !== null) continue;
      const blocks = walk.claimChain(entry.chain, `${owner} element`);
      if (blocks !== chainBlocksFor(store, entry.byteLength)) walk.report('ChainEnds', `${owner}: element of ${entry.byteLength} bytes in ${blocks} blocks`);
    }
    elements += entries.length;
    previous = node;
    node = nodeWord(store, node, LIST_NEXT_WORD);
  }
  if (valueWord(store, value, LIST_TAIL_WORD) !== previous) walk.report('ValueContents', `${owner}: tail is not the last node`);
  if (elements !== valueLength(store, value)) walk.report('ValueHeader', `${owner}: length ${valueLength(store, value)} but ${elements} elements`);
  if (elements === 0) walk.report('ValueHeader', `${owner}: empty list stored`);
}

registerValueChecker(ValueType.List, checkList);
