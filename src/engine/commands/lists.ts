import type { Core } from '../core.ts';
import { EngineError, Errors } from '../errors.ts';
import { NULL_BLOCK, type BlockIndex, type DbIndex } from '../ids.ts';
import { Encoding, setValueWord, valueLength, valueWord, ValueType, VALUE_LENGTH_WORD } from '../object.ts';
import type { BlockStore } from '../store.ts';
import {
  decodeNode, elementBlocksFor, encodeNode, entrySize, LIST_COUNT_WORD, LIST_HEAD_WORD, LIST_NEXT_WORD, LIST_PREV_WORD, LIST_TAIL_WORD,
  addEntryInPlace, makeEntry, nodeCapacity, nodeUsedBytes, nodeWord, readEntry, releaseEntryChain, setNodeWord, type ListEntry,
} from '../types/list.ts';
import { createAggregate, creationBlocks, deleteIfEmpty, LISTPACK_MAX_ENTRIES, LISTPACK_MAX_VALUE_BYTES, openForWrite, upgradeEncoding } from './aggregate.ts';

const listEncodingRank = (encoding: Encoding) => (encoding === Encoding.QuickList ? 1 : 0);

function setLength(core: Core, value: BlockIndex, length: number): void {
  core.store.beforeBlockWrite(value);
  setValueWord(core.store, value, VALUE_LENGTH_WORD, length);
}

/** Links a new node holding `entries` at the head or tail. */
function addEndNode(core: Core, value: BlockIndex, entries: ListEntry[], atHead: boolean): void {
  const store = core.store;
  const node = store.alloc.allocate();
  encodeNode(store, node, entries);
  const endWord = atHead ? LIST_HEAD_WORD : LIST_TAIL_WORD;
  const otherWord = atHead ? LIST_TAIL_WORD : LIST_HEAD_WORD;
  const end = valueWord(store, value, endWord);
  setNodeWord(store, node, atHead ? LIST_NEXT_WORD : LIST_PREV_WORD, end);
  store.beforeBlockWrite(value);
  if (end === NULL_BLOCK) setValueWord(store, value, otherWord, node);
  else {
    store.beforeBlockWrite(end);
    setNodeWord(store, end, atHead ? LIST_PREV_WORD : LIST_NEXT_WORD, node);
  }
  setValueWord(store, value, endWord, node);
}

/** LPUSH / RPUSH: returns the new length. O(elements). */
export function push(core: Core, db: DbIndex, key: Uint8Array, elements: Uint8Array[], atHead: boolean, onlyIfExists = false): number {
  let { value } = openForWrite(core, db, key, ValueType.List);
  if (value === NULL_BLOCK && onlyIfExists) return 0;
  const store = core.store;
  let blocks = creationBlocks(core, key, value) + elements.length;
  for (const element of elements) blocks += elementBlocksFor(store, element.length);
  core.prepare(blocks, 2 * elements.length + 2);
  const created = value === NULL_BLOCK;
  if (value === NULL_BLOCK) value = createAggregate(core, db, key, ValueType.List, Encoding.ListPack);
  const capacity = nodeCapacity(store);
  let length = valueLength(store, value);
  for (const element of elements) {
    const entry = makeEntry(store, element);
    const end = valueWord(store, value, atHead ? LIST_HEAD_WORD : LIST_TAIL_WORD);
    if (end !== NULL_BLOCK && nodeUsedBytes(store, end) + entrySize(entry) <= capacity) {
      store.beforeBlockWrite(end);
      addEntryInPlace(store, end, entry, atHead);
    } else {
      addEndNode(core, value, [entry], atHead);
    }
    length++;
    const big = length > LISTPACK_MAX_ENTRIES || element.length > LISTPACK_MAX_VALUE_BYTES;
    upgradeEncoding(core, value, big ? Encoding.QuickList : Encoding.ListPack, listEncodingRank);
  }
  setLength(core, value, length);
  if (core.tracer !== null && !created) core.traceWrite('AppendBlock', db, key);
  return length;
}

/** LPOP / RPOP of up to `count` elements; the key disappears with its last element. */
export function pop(core: Core, db: DbIndex, key: Uint8Array, count: number, atHead: boolean): Uint8Array[] | null {
  if (!Number.isSafeInteger(count) || count < 0) throw new EngineError('ERR value is out of range, must be positive');
  const { value } = openForWrite(core, db, key, ValueType.List);
  if (value === NULL_BLOCK) return null;
  const store = core.store;
  core.prepare(0, 3 * Math.min(count, valueLength(store, value)) + 1);
  const popped: Uint8Array[] = [];
  let length = valueLength(store, value);
  while (popped.length < count && length > 0) {
    const node = valueWord(store, value, atHead ? LIST_HEAD_WORD : LIST_TAIL_WORD);
    const entries = decodeNode(store, node);
    const entry = (atHead ? entries.shift() : entries.pop())!;
    popped.push(readEntry(store, entry));
    releaseEntryChain(store, entry);
    length--;
    if (entries.length > 0) {
      store.beforeBlockWrite(node);
      encodeNode(store, node, entries);
      continue;
    }
    const neighbour = nodeWord(store, node, atHead ? LIST_NEXT_WORD : LIST_PREV_WORD);
    store.beforeBlockWrite(value);
    setValueWord(store, value, atHead ? LIST_HEAD_WORD : LIST_TAIL_WORD, neighbour);
    if (neighbour === NULL_BLOCK) setValueWord(store, value, atHead ? LIST_TAIL_WORD : LIST_HEAD_WORD, NULL_BLOCK);
    else {
      store.beforeBlockWrite(neighbour);
      setNodeWord(store, neighbour, atHead ? LIST_PREV_WORD : LIST_NEXT_WORD, NULL_BLOCK);
    }
    store.releaseBlock(node);
  }
  setLength(core, value, length);
  deleteIfEmpty(core, db, key, value);
  return popped;
}

export function llen(core: Core, db: DbIndex, key: Uint8Array): number {
  const value = core.lookupTyped(db, key, ValueType.List);
  return value === NULL_BLOCK ? 0 : valueLength(core.store, value);
}

/** The node holding element `index` (0-based, in range) and the index inside it. Walks from the nearer end. */
function locate(store: BlockStore, value: BlockIndex, index: number): { node: BlockIndex; offset: number } {
  const length = valueLength(store, value);
  if (index < length / 2) {
    let node = valueWord(store, value, LIST_HEAD_WORD);
    let before = 0;
    for (;;) {
      const count = nodeWord(store, node, LIST_COUNT_WORD);
      if (index < before + count) return { node, offset: index - before };
      before += count;
      node = nodeWord(store, node, LIST_NEXT_WORD);
    }
  }
  let node = valueWord(store, value, LIST_TAIL_WORD);
  let after = length;
  for (;;) {
    const count = nodeWord(store, node, LIST_COUNT_WORD);
    if (index >= after - count) return { node, offset: index - (after - count) };
    after -= count;
    node = nodeWord(store, node, LIST_PREV_WORD);
  }
}

function normalizeIndex(index: number, length: number): number {
  return index < 0 ? length + index : index;
}

export function lrange(core: Core, db: DbIndex, key: Uint8Array, start: number, stop: number): Uint8Array[] {
  const value = core.lookupTyped(db, key, ValueType.List);
  if (value === NULL_BLOCK) return [];
  const store = core.store;
  const length = valueLength(store, value);
  let from = normalizeIndex(start, length);
  let to = normalizeIndex(stop, length);
  if (from < 0) from = 0;
  if (from > to || from >= length) return [];
  if (to >= length) to = length - 1;
  const out: Uint8Array[] = [];
  let { node, offset } = locate(store, value, from);
  while (out.length < to - from + 1) {
    const entries = decodeNode(store, node);
    for (let i = offset; i < entries.length && out.length < to - from + 1; i++) out.push(readEntry(store, entries[i]!));
    node = nodeWord(store, node, LIST_NEXT_WORD);
    offset = 0;
  }
  return out;
}

export function lindex(core: Core, db: DbIndex, key: Uint8Array, index: number): Uint8Array | null {
  const value = core.lookupTyped(db, key, ValueType.List);
  if (value === NULL_BLOCK) return null;
  const length = valueLength(core.store, value);
  const position = normalizeIndex(index, length);
  if (position < 0 || position >= length) return null;
  const { node, offset } = locate(core.store, value, position);
  return readEntry(core.store, decodeNode(core.store, node)[offset]!);
}

/**
 * LSET: replaces one element. When the node overflows it is split: the first part stays in the node,
 * the rest moves to new nodes linked after it (at most two: the node held <= capacity bytes before).
 */
export function lset(core: Core, db: DbIndex, key: Uint8Array, index: number, element: Uint8Array): void {
  const { value } = openForWrite(core, db, key, ValueType.List);
  if (value === NULL_BLOCK) throw Errors.noSuchKey();
  const store = core.store;
  const length = valueLength(store, value);
  const position = normalizeIndex(index, length);
  if (position < 0 || position >= length) throw Errors.indexOutOfRange();
  core.prepare(2 + elementBlocksFor(store, element.length), 4);
  const { node, offset } = locate(store, value, position);
  const entries = decodeNode(store, node);
  const old = entries[offset]!;
  entries[offset] = makeEntry(store, element);
  const capacity = nodeCapacity(store);
  const parts: ListEntry[][] = [[]];
  let used = 0;
  for (const entry of entries) {
    if (used + entrySize(entry) > capacity) {
      parts.push([]);
      used = 0;
    }
    parts[parts.length - 1]!.push(entry);
    used += entrySize(entry);
  }
  store.beforeBlockWrite(node);
  encodeNode(store, node, parts[0]!);
  let previous = node;
  for (const part of parts.slice(1)) {
    const added = store.alloc.allocate();
    encodeNode(store, added, part);
    const next = nodeWord(store, previous, LIST_NEXT_WORD);
    setNodeWord(store, added, LIST_PREV_WORD, previous);
    setNodeWord(store, added, LIST_NEXT_WORD, next);
    if (previous !== node) store.beforeBlockWrite(previous);
    setNodeWord(store, previous, LIST_NEXT_WORD, added);
    if (next === NULL_BLOCK) {
      store.beforeBlockWrite(value);
      setValueWord(store, value, LIST_TAIL_WORD, added);
    } else {
      store.beforeBlockWrite(next);
      setNodeWord(store, next, LIST_PREV_WORD, added);
    }
    previous = added;
  }
  releaseEntryChain(store, old);
  if (element.length > LISTPACK_MAX_VALUE_BYTES) upgradeEncoding(core, value, Encoding.QuickList, listEncodingRank);
  if (core.tracer !== null) core.traceWrite('WriteBlock', db, key);
}
