import { NULL_BLOCK, type BlockIndex, type BlockResolver, identityResolver } from './ids.ts';
import type { BlockStore } from './store.ts';

/**
 * The value header (seed 003), one block per value:
 *   byte 0      u8  type (low nibble) | encoding (high nibble), Redis's numbering
 *   bytes 1..3  u24 LRU clock, seconds mod 2^24
 *   byte 4      u32 createdAtSec (Unix seconds)
 *   byte 8      u32 expireAtMs low 32 bits
 *   byte 12     u16 expireAtMs high 16 bits (0 and 0 = no expiry)
 *   byte 14     u16 refcount (always 1: values share no blocks)
 *   byte 16     u32 length (string bytes / element count)
 *   byte 20     u32 first  (string: chain of bytes past the inline part; list: head node;
 *                           hash/set: tree root; zset: by-score tree root)
 *   byte 24 ..  string: inline bytes; list: u32 tail node; zset: u32 by-member tree root
 */
export const ValueType = { String: 0, List: 1, Set: 2, ZSet: 3, Hash: 4 } as const;
export type ValueType = (typeof ValueType)[keyof typeof ValueType];
export const Encoding = {
  Raw: 0, Int: 1, HashTable: 2, IntSet: 6, SkipList: 7, EmbStr: 8, QuickList: 9, ListPack: 11,
} as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

export const TYPE_NAMES: Record<ValueType, string> = {
  [ValueType.String]: 'string', [ValueType.List]: 'list', [ValueType.Set]: 'set',
  [ValueType.ZSet]: 'zset', [ValueType.Hash]: 'hash',
};

export const ENCODING_NAMES: Partial<Record<Encoding, string>> = {
  [Encoding.Raw]: 'raw', [Encoding.Int]: 'int', [Encoding.HashTable]: 'hashtable',
  [Encoding.IntSet]: 'intset', [Encoding.SkipList]: 'skiplist', [Encoding.EmbStr]: 'embstr',
  [Encoding.QuickList]: 'quicklist', [Encoding.ListPack]: 'listpack',
};

export const VALUE_LENGTH_WORD = 4;
export const VALUE_FIRST_WORD = 5;
export const VALUE_SECOND_WORD = 6;
export const VALUE_INLINE_BYTE = 24;
export const LRU_MASK = 0xff_ffff;
export const EXPIRE_AT_MAX_MS = 2 ** 48 - 1;

export function lruClockFor(nowMs: number): number {
  return Math.floor(nowMs / 1000) & LRU_MASK;
}

/** Idle seconds, correct across one wrap of the 24-bit clock (about 194 days). */
export function idleSeconds(lruClock: number, nowMs: number): number {
  const now = lruClockFor(nowMs);
  return now >= lruClock ? now - lruClock : now + (LRU_MASK + 1) - lruClock;
}

/** Allocates a value header block; length and links are set by the type module. */
export function createValue(store: BlockStore, type: ValueType, encoding: Encoding, nowMs: number): BlockIndex {
  const value = store.alloc.allocate();
  const arena = store.arena;
  const byteOffset = arena.blockByteOffset(value);
  arena.u8[byteOffset] = type | (encoding << 4);
  writeLru(store, value, lruClockFor(nowMs));
  arena.u32[(byteOffset >>> 2) + 1] = Math.floor(nowMs / 1000) >>> 0;
  arena.u8[byteOffset + 14] = 1;
  return value;
}

export function valueType(store: BlockStore, value: BlockIndex, resolve: BlockResolver = identityResolver): ValueType {
  return (store.arena.u8[store.arena.blockByteOffset(resolve(value))]! & 0xf) as ValueType;
}

export function valueEncoding(store: BlockStore, value: BlockIndex, resolve: BlockResolver = identityResolver): Encoding {
  return (store.arena.u8[store.arena.blockByteOffset(resolve(value))]! >>> 4) as Encoding;
}

/** Encodings only move up (as in Redis): the caller has called the write hook. */
export function setValueEncoding(store: BlockStore, value: BlockIndex, encoding: Encoding): void {
  const byteOffset = store.arena.blockByteOffset(value);
  store.arena.u8[byteOffset] = (store.arena.u8[byteOffset]! & 0xf) | (encoding << 4);
}

export function valueLru(store: BlockStore, value: BlockIndex): number {
  const u8 = store.arena.u8;
  const byteOffset = store.arena.blockByteOffset(value);
  return u8[byteOffset + 1]! | (u8[byteOffset + 2]! << 8) | (u8[byteOffset + 3]! << 16);
}

/**
 * Touching the LRU clock on reads bypasses the write hook on purpose: RDB files written by the dump
 * do not carry idle time, so a read during a dump must not cost a block copy.
 */
export function writeLru(store: BlockStore, value: BlockIndex, lruClock: number): void {
  const u8 = store.arena.u8;
  const byteOffset = store.arena.blockByteOffset(value);
  u8[byteOffset + 1] = lruClock & 0xff;
  u8[byteOffset + 2] = (lruClock >>> 8) & 0xff;
  u8[byteOffset + 3] = (lruClock >>> 16) & 0xff;
}

export function valueCreatedAtSec(store: BlockStore, value: BlockIndex): number {
  return store.arena.u32[store.arena.blockWord(value) + 1]!;
}

export function valueRefcount(store: BlockStore, value: BlockIndex): number {
  const byteOffset = store.arena.blockByteOffset(value);
  return store.arena.u8[byteOffset + 14]! | (store.arena.u8[byteOffset + 15]! << 8);
}

/** 0 = no expiry. */
export function valueExpireAtMs(store: BlockStore, value: BlockIndex, resolve: BlockResolver = identityResolver): number {
  const arena = store.arena;
  const word = arena.blockWord(resolve(value));
  return arena.u32[word + 2]! + (arena.u32[word + 3]! & 0xffff) * 2 ** 32;
}

/** The caller has called the write hook. */
export function setValueExpireAtMs(store: BlockStore, value: BlockIndex, expireAtMs: number): void {
  const arena = store.arena;
  const word = arena.blockWord(value);
  arena.u32[word + 2] = expireAtMs % 2 ** 32;
  const high = Math.floor(expireAtMs / 2 ** 32);
  arena.u32[word + 3] = (arena.u32[word + 3]! & 0xffff_0000) | high;
}

export function valueLength(store: BlockStore, value: BlockIndex, resolve: BlockResolver = identityResolver): number {
  return store.arena.u32[store.arena.blockWord(resolve(value)) + VALUE_LENGTH_WORD]!;
}

export function valueWord(store: BlockStore, value: BlockIndex, word: number, resolve: BlockResolver = identityResolver): BlockIndex {
  return store.arena.u32[store.arena.blockWord(resolve(value)) + word]! as BlockIndex;
}

/** Raw header word write; the caller has called the write hook. */
export function setValueWord(store: BlockStore, value: BlockIndex, word: number, content: number): void {
  store.arena.u32[store.arena.blockWord(value) + word] = content;
}

export { NULL_BLOCK };
