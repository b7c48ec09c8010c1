import type { Core } from '../core.ts';
import { Errors } from '../errors.ts';
import { NULL_BLOCK, type BlockIndex, type DbIndex } from '../ids.ts';
import { createValue, Encoding, setValueEncoding, valueEncoding, valueLength, valueType, type ValueType } from '../object.ts';

/** A key's node and value for a write command (value 0 when absent); WRONGTYPE for another type. */
export function openForWrite(core: Core, db: DbIndex, key: Uint8Array, type: ValueType): { node: BlockIndex; value: BlockIndex } {
  const node = core.lookupNode(db, key);
  const value = node === NULL_BLOCK ? NULL_BLOCK : core.keyspace.valueOf(node);
  if (value !== NULL_BLOCK && valueType(core.store, value) !== type) throw Errors.wrongType();
  return { node, value };
}

/** Blocks a write command needs to create the key when it is absent. */
export function creationBlocks(core: Core, key: Uint8Array, value: BlockIndex): number {
  return value === NULL_BLOCK ? 1 + core.keyspace.entryBlocksFor(key) : 0;
}

/** Creates an empty aggregate under `key` (the caller prepared creationBlocks). */
export function createAggregate(core: Core, db: DbIndex, key: Uint8Array, type: ValueType, encoding: Encoding): BlockIndex {
  const value = createValue(core.store, type, encoding, core.nowMs());
  core.keyspace.insert(db, key, value);
  if (core.tracer !== null) core.traceWrite('Set', db, key); // spec: Set (the elements added next are part of it)
  return value;
}

/** Redis deletes a key whose aggregate became empty. */
export function deleteIfEmpty(core: Core, db: DbIndex, key: Uint8Array, value: BlockIndex): void {
  if (valueLength(core.store, value) === 0) core.deleteKey(db, key);
}

/** Encodings only move up, as in Redis (a big hash stays "hashtable" after shrinking). */
export function upgradeEncoding(core: Core, value: BlockIndex, encoding: Encoding, rank: (encoding: Encoding) => number): void {
  if (rank(encoding) > rank(valueEncoding(core.store, value))) {
    core.store.beforeBlockWrite(value);
    setValueEncoding(core.store, value, encoding);
  }
}

/** Redis's default thresholds for the compact encodings (redis.conf *-max-listpack-*, set-max-intset-entries). */
export const LISTPACK_MAX_ENTRIES = 128;
export const LISTPACK_MAX_VALUE_BYTES = 64;
export const INTSET_MAX_ENTRIES = 512;
export { NULL_BLOCK };
