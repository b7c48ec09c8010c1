import type { Core } from '../core.ts';
import { readEntryKey } from '../entry.ts';
import { Errors } from '../errors.ts';
import { NULL_BLOCK, type DbIndex } from '../ids.ts';
import { fitsInt64, parseInt64, utf8 } from '../numbers.ts';
import { Encoding, valueLength, valueWord, ValueType } from '../object.ts';
import { findField, hashFieldBlocksFor, HASH_ROOT_WORD, insertField, readFieldValue, releaseFieldNode, replaceFieldValue } from '../types/hash.ts';
import { addToLength, collectNodes, memberComparator, removeMember, treeWriteBound } from '../types/members.ts';
import { createAggregate, creationBlocks, deleteIfEmpty, LISTPACK_MAX_ENTRIES, LISTPACK_MAX_VALUE_BYTES, openForWrite, upgradeEncoding } from './aggregate.ts';

const hashEncodingRank = (encoding: Encoding) => (encoding === Encoding.HashTable ? 1 : 0);

function hashEncodingFor(count: number, field: Uint8Array, fieldValue: Uint8Array): Encoding {
  return count > LISTPACK_MAX_ENTRIES || field.length > LISTPACK_MAX_VALUE_BYTES || fieldValue.length > LISTPACK_MAX_VALUE_BYTES
    ? Encoding.HashTable : Encoding.ListPack;
}

/** HSET: returns the number of fields added (not updated). All blocks are reserved first. */
export function hset(core: Core, db: DbIndex, key: Uint8Array, pairs: [Uint8Array, Uint8Array][]): number {
  let { value } = openForWrite(core, db, key, ValueType.Hash);
  let blocks = creationBlocks(core, key, value);
  for (const [field, fieldValue] of pairs) blocks += hashFieldBlocksFor(core, field, fieldValue);
  const count = value === NULL_BLOCK ? 0 : valueLength(core.store, value);
  core.prepare(blocks, pairs.length * treeWriteBound(count + pairs.length));
  const created = value === NULL_BLOCK;
  if (value === NULL_BLOCK) value = createAggregate(core, db, key, ValueType.Hash, Encoding.ListPack);
  let added = 0;
  for (const [field, fieldValue] of pairs) {
    const node = findField(core, value, field);
    if (node === NULL_BLOCK) {
      insertField(core, value, field, fieldValue);
      added++;
    } else {
      replaceFieldValue(core, node, fieldValue);
    }
    upgradeEncoding(core, value, hashEncodingFor(count + added, field, fieldValue), hashEncodingRank);
  }
  if (added > 0) addToLength(core, value, added);
  // spec: a new field grows the value (AppendBlock), a field written again is a WriteBlock.
  if (core.tracer !== null && !created) core.traceWrite(added > 0 ? 'AppendBlock' : 'WriteBlock', db, key);
  return added;
}

export function hget(core: Core, db: DbIndex, key: Uint8Array, field: Uint8Array): Uint8Array | null {
  const value = core.lookupTyped(db, key, ValueType.Hash);
  if (value === NULL_BLOCK) return null;
  const node = findField(core, value, field);
  return node === NULL_BLOCK ? null : readFieldValue(core, node);
}

export function hdel(core: Core, db: DbIndex, key: Uint8Array, fields: Uint8Array[]): number {
  const { value } = openForWrite(core, db, key, ValueType.Hash);
  if (value === NULL_BLOCK) return 0;
  core.prepare(0, fields.length * treeWriteBound(valueLength(core.store, value)));
  let removed = 0;
  for (const field of fields) {
    const node = removeMember(core, value, HASH_ROOT_WORD, memberComparator(core, field));
    if (node === NULL_BLOCK) continue;
    releaseFieldNode(core, node);
    removed++;
  }
  if (removed > 0) addToLength(core, value, -removed);
  deleteIfEmpty(core, db, key, value);
  return removed;
}

export function hlen(core: Core, db: DbIndex, key: Uint8Array): number {
  const value = core.lookupTyped(db, key, ValueType.Hash);
  return value === NULL_BLOCK ? 0 : valueLength(core.store, value);
}

/** HGETALL in field order (Redis's order is unspecified). */
export function hgetall(core: Core, db: DbIndex, key: Uint8Array): [Uint8Array, Uint8Array][] {
  const value = core.lookupTyped(db, key, ValueType.Hash);
  if (value === NULL_BLOCK) return [];
  return collectNodes(core, valueWord(core.store, value, HASH_ROOT_WORD)).map((node) => [readEntryKey(core.store, node), readFieldValue(core, node)]);
}

export function hexists(core: Core, db: DbIndex, key: Uint8Array, field: Uint8Array): boolean {
  const value = core.lookupTyped(db, key, ValueType.Hash);
  return value !== NULL_BLOCK && findField(core, value, field) !== NULL_BLOCK;
}

export function hincrby(core: Core, db: DbIndex, key: Uint8Array, field: Uint8Array, delta: bigint): bigint {
  const { value } = openForWrite(core, db, key, ValueType.Hash);
  let current = 0n;
  if (value !== NULL_BLOCK) {
    const node = findField(core, value, field);
    if (node !== NULL_BLOCK) {
      const parsed = parseInt64(readFieldValue(core, node));
      if (parsed === null) throw Errors.hashNotInteger();
      current = parsed;
    }
  }
  const next = current + delta;
  if (!fitsInt64(next)) throw Errors.overflow();
  hset(core, db, key, [[field, utf8(next.toString())]]);
  return next;
}
