import { chainBlocksFor, extendChain, forEachChainSpan, releaseChain } from '../blob.ts';
import { engineBug } from '../bugs.ts';
import { identityResolver, type BlockIndex, type BlockResolver } from '../ids.ts';
import { parseInt64 } from '../numbers.ts';
import { createValue, Encoding, setValueEncoding, VALUE_FIRST_WORD, VALUE_INLINE_BYTE, VALUE_LENGTH_WORD, ValueType } from '../object.ts';
import type { BlockStore } from '../store.ts';

/**
 * A string value: the value header holds the first (blockSize - 24) bytes inline and links a chain
 * for the rest. OBJECT ENCODING names follow Redis's rules of thumb: `int` for a canonical 64-bit
 * integer text, `embstr` up to 44 bytes when created by SET, `raw` otherwise or after APPEND/SETRANGE.
 * The bytes are stored the same way for all three.
 */
export const EMBSTR_MAX_BYTES = 44;
export const STRING_MAX_BYTES = 512 * 1024 * 1024;

export function stringInlineCapacity(store: BlockStore): number {
  return store.arena.blockSizeBytes - VALUE_INLINE_BYTE;
}

export function stringBlocksFor(store: BlockStore, byteLength: number): number {
  return 1 + chainBlocksFor(store, byteLength - stringInlineCapacity(store));
}

export function encodingForNewString(bytes: Uint8Array): Encoding {
  if (bytes.length <= 20 && parseInt64(bytes) !== null) return Encoding.Int;
  return bytes.length <= EMBSTR_MAX_BYTES ? Encoding.EmbStr : Encoding.Raw;
}

export function createString(store: BlockStore, bytes: Uint8Array, nowMs: number, encoding = encodingForNewString(bytes)): BlockIndex {
  const value = createValue(store, ValueType.String, encoding, nowMs);
  const arena = store.arena;
  const u8 = arena.u8;
  const u32 = arena.u32;
  const length = bytes.length;
  const inlineCapacity = arena.blockSizeBytes - VALUE_INLINE_BYTE;
  const word = arena.blockWord(value);
  u32[word + VALUE_LENGTH_WORD] = length;
  copyBytes(u8, (word << 2) + VALUE_INLINE_BYTE, bytes, 0, Math.min(inlineCapacity, length));
  // The rest as a chain written front to back (every block is new: no write hook needed).
  const dataBytes = store.chainDataBytes;
  let linkWord = word + VALUE_FIRST_WORD;
  for (let position = inlineCapacity; position < length; position += dataBytes) {
    const block = store.alloc.allocate();
    const blockWord = arena.blockWord(block);
    u32[linkWord] = block;
    copyBytes(u8, (blockWord << 2) + 4, bytes, position, Math.min(position + dataBytes, length));
    linkWord = blockWord; // a chain block's word 0 links the next one
  }
  return value;
}

/** Copies source[from, to) to target at targetStart; short spans by hand (no subarray view allocated). */
function copyBytes(target: Uint8Array, targetStart: number, source: Uint8Array, from: number, to: number): void {
  if (to - from > 64) {
    target.set(source.subarray(from, to), targetStart);
    return;
  }
  for (let i = from; i < to; i++) target[targetStart + i - from] = source[i]!;
}

export function stringLength(store: BlockStore, value: BlockIndex, resolve: BlockResolver = identityResolver): number {
  return store.arena.u32[store.arena.blockWord(resolve(value)) + VALUE_LENGTH_WORD]!;
}

/** Visits the string's storage spans overlapping [from, to) (inline part, then chain blocks). */
function forEachStringSpan(
  store: BlockStore,
  value: BlockIndex,
  from: number,
  to: number,
  visit: (blockIndex: BlockIndex, byteOffset: number, length: number, position: number) => void,
  resolve: BlockResolver,
): void {
  const inlineCapacity = stringInlineCapacity(store);
  const resolved = resolve(value);
  const byteOffset = store.arena.blockByteOffset(resolved);
  if (from < inlineCapacity && from < to) {
    const end = Math.min(inlineCapacity, to);
    visit(value, byteOffset + VALUE_INLINE_BYTE + from, end - from, from);
  }
  if (to > inlineCapacity) {
    const head = store.arena.u32[(byteOffset >>> 2) + VALUE_FIRST_WORD]! as BlockIndex;
    forEachChainSpan(store, head, Math.max(0, from - inlineCapacity), to - inlineCapacity,
      (blockIndex, spanOffset, length, position) => visit(blockIndex, spanOffset, length, position + inlineCapacity), resolve);
  }
}

/** Bytes [from, to) of the string, clamped to its length. */
export function readStringRange(store: BlockStore, value: BlockIndex, from: number, to: number, resolve: BlockResolver = identityResolver): Uint8Array {
  const length = stringLength(store, value, resolve);
  const end = Math.min(to, length);
  if (from >= end) return new Uint8Array(0);
  const out = new Uint8Array(end - from);
  const u8 = store.arena.u8;
  forEachStringSpan(store, value, from, end, (_block, byteOffset, spanLength, position) => {
    out.set(u8.subarray(byteOffset, byteOffset + spanLength), position - from);
  }, resolve);
  return out;
}

/** A copy of the whole string, every block read through `resolve`. O(length). */
export function readString(store: BlockStore, value: BlockIndex, resolve: BlockResolver = identityResolver): Uint8Array {
  const arena = store.arena;
  const byteOffset = arena.blockByteOffset(resolve(value));
  const length = arena.u32[(byteOffset >>> 2) + VALUE_LENGTH_WORD]!;
  const inlineCapacity = arena.blockSizeBytes - VALUE_INLINE_BYTE;
  const start = byteOffset + VALUE_INLINE_BYTE;
  const u8 = arena.u8;
  const out = new Uint8Array(length);
  const inlineLength = length < inlineCapacity ? length : inlineCapacity;
  if (inlineLength > 64) out.set(u8.subarray(start, start + inlineLength));
  else for (let i = 0; i < inlineLength; i++) out[i] = u8[start + i]!;
  if (length <= inlineCapacity) return out;
  // The chain, walked without a callback and copied by hand (this is GET's hot path).
  const u32 = arena.u32;
  const dataBytes = store.chainDataBytes;
  let position = inlineCapacity;
  let blockIndex = u32[(byteOffset >>> 2) + VALUE_FIRST_WORD]! as BlockIndex;
  for (let step = 0; position < length; step++) {
    if (blockIndex === 0 || step > arena.blockCount) throw new Error('string chain shorter than its length');
    const chainOffset = arena.blockByteOffset(resolve(blockIndex));
    const take = dataBytes < length - position ? dataBytes : length - position;
    const from = chainOffset + 4;
    if (take > 64) out.set(u8.subarray(from, from + take), position); // big blocks: one bulk copy
    else for (let i = 0; i < take; i++) out[position + i] = u8[from + i]!;
    position += take;
    blockIndex = u32[chainOffset >>> 2]! as BlockIndex;
  }
  return out;
}

/** New blocks a write extending the string from oldLength to newLength needs. */
export function stringGrowthBlocks(store: BlockStore, oldLength: number, newLength: number): number {
  const inlineCapacity = stringInlineCapacity(store);
  return chainBlocksFor(store, newLength - inlineCapacity) - chainBlocksFor(store, oldLength - inlineCapacity);
}

/** Existing blocks a write of [from, to) may touch (header + chain blocks spanned). */
export function stringBlocksTouched(store: BlockStore, from: number, to: number): number {
  return 2 + Math.ceil(Math.max(0, to - from) / store.chainDataBytes);
}

/**
 * Writes `bytes` at `offset`, zero-filling any gap past the end and extending the chain; touches only
 * the blocks whose bytes change (plus the header for the length). The caller prepared the blocks.
 */
export function writeStringAt(store: BlockStore, value: BlockIndex, offset: number, bytes: Uint8Array): void {
  const arena = store.arena;
  const oldLength = stringLength(store, value);
  const newLength = Math.max(oldLength, offset + bytes.length);
  store.beforeBlockWrite(value);
  setValueEncoding(store, value, Encoding.Raw);
  const headerWord = arena.blockWord(value);
  const growth = stringGrowthBlocks(store, oldLength, newLength);
  if (growth > 0) {
    const head = arena.u32[headerWord + VALUE_FIRST_WORD]! as BlockIndex;
    arena.u32[headerWord + VALUE_FIRST_WORD] = extendChain(store, head, growth);
  }
  arena.u32[headerWord + VALUE_LENGTH_WORD] = newLength;
  const u8 = arena.u8;
  if (offset > oldLength) {
    forEachStringSpan(store, value, oldLength, offset, (blockIndex, byteOffset, length) => {
      if (blockIndex !== value) store.beforeBlockWrite(blockIndex);
      u8.fill(0, byteOffset, byteOffset + length);
    }, identityResolver);
  }
  // Seeded bug skip-copy-setrange: chain blocks are written without a copy, so the dump reads the new bytes.
  const skipChainCopy = engineBug('skip-copy-setrange');
  forEachStringSpan(store, value, offset, offset + bytes.length, (blockIndex, byteOffset, length, position) => {
    if (blockIndex !== value && !skipChainCopy) store.beforeBlockWrite(blockIndex);
    u8.set(bytes.subarray(position - offset, position - offset + length), byteOffset);
  }, identityResolver);
}

/** Replaces a short string in place (INCR family): both old and new fit inline, so no block changes hands. */
export function overwriteInlineString(store: BlockStore, value: BlockIndex, bytes: Uint8Array, encoding: Encoding): void {
  store.beforeBlockWrite(value);
  const word = store.arena.blockWord(value);
  store.arena.u32[word + VALUE_LENGTH_WORD] = bytes.length;
  store.arena.u8.set(bytes, (word << 2) + VALUE_INLINE_BYTE);
  setValueEncoding(store, value, encoding);
}

export function releaseString(store: BlockStore, value: BlockIndex): void {
  releaseChain(store, store.arena.u32[store.arena.blockWord(value) + VALUE_FIRST_WORD]! as BlockIndex);
  store.releaseBlock(value);
}
