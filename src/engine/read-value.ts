import type { Core } from './core.ts';
import { entryScore, readEntryKey } from './entry.ts';
import { identityResolver, NULL_BLOCK, type BlockIndex, type BlockResolver } from './ids.ts';
import { valueEncoding, valueExpireAtMs, valueType, ValueType, valueWord, ENCODING_NAMES } from './object.ts';
import { HASH_ROOT_WORD, readFieldValue } from './types/hash.ts';
import { decodeNode, LIST_HEAD_WORD, LIST_NEXT_WORD, nodeWord, readEntry } from './types/list.ts';
import { SET_ROOT_WORD } from './types/set.ts';
import { readString } from './types/string.ts';
import { ZSET_SCORE_ROOT_WORD } from './types/zset.ts';

/** A whole value as plain data: what the dump serializes and what tests compare. */
export type PlainValue =
  | { type: 'string'; value: Uint8Array }
  | { type: 'list'; elements: Uint8Array[] }
  | { type: 'set'; members: Uint8Array[] }
  | { type: 'zset'; entries: { member: Uint8Array; score: number }[] }
  | { type: 'hash'; fields: [Uint8Array, Uint8Array][] };

export interface PlainEntry {
  value: PlainValue;
  encoding: string;
  /** 0 = no expiry. */
  expireAtMs: number;
}

/**
 * Reads a value with every block read going through `resolve`, so the dump can read the version
 * of a value as of its start (copies in place of blocks written since). O(value blocks).
 */
export function readValue(core: Core, value: BlockIndex, resolve: BlockResolver = identityResolver): PlainEntry {
  const store = core.store;
  const tree = core.valueTree;
  const collect = <T>(root: BlockIndex, map: (node: BlockIndex) => T): T[] => {
    const out: T[] = [];
    tree.forEachFrom(root, 0, (node) => (out.push(map(node)), true), resolve);
    return out;
  };
  const expireAtMs = valueExpireAtMs(store, value, resolve);
  const encoding = ENCODING_NAMES[valueEncoding(store, value, resolve)] ?? 'unknown';
  switch (valueType(store, value, resolve)) {
    case ValueType.String:
      return { value: { type: 'string', value: readString(store, value, resolve) }, encoding, expireAtMs };
    case ValueType.Hash:
      return { value: { type: 'hash', fields: collect(valueWord(store, value, HASH_ROOT_WORD, resolve), (node) => [readEntryKey(store, node, resolve), readFieldValue(core, node, resolve)]) }, encoding, expireAtMs };
    case ValueType.Set:
      return { value: { type: 'set', members: collect(valueWord(store, value, SET_ROOT_WORD, resolve), (node) => readEntryKey(store, node, resolve)) }, encoding, expireAtMs };
    case ValueType.ZSet:
      return { value: { type: 'zset', entries: collect(valueWord(store, value, ZSET_SCORE_ROOT_WORD, resolve), (node) => ({ member: readEntryKey(store, node, resolve), score: entryScore(store, node, resolve) })) }, encoding, expireAtMs };
    case ValueType.List: {
      const elements: Uint8Array[] = [];
      let node = valueWord(store, value, LIST_HEAD_WORD, resolve);
      for (let step = 0; node !== NULL_BLOCK; step++) {
        if (step > store.arena.blockCount) throw new Error('list has a cycle');
        for (const entry of decodeNode(store, node, resolve)) elements.push(readEntry(store, entry, resolve));
        node = nodeWord(store, node, LIST_NEXT_WORD, resolve);
      }
      return { value: { type: 'list', elements }, encoding, expireAtMs };
    }
  }
}
