import type { Core } from '../core.ts';
import { createEntry, entryBlocksFor, readEntryKey, releaseEntry } from '../entry.ts';
import { NULL_BLOCK, type DbIndex } from '../ids.ts';
import { parseInt64 } from '../numbers.ts';
import { Encoding, valueEncoding, valueLength, valueWord, ValueType } from '../object.ts';
import { addToLength, collectNodes, findMember, insertMember, memberComparator, removeMember, treeWriteBound } from '../types/members.ts';
import { SET_ROOT_WORD } from '../types/set.ts';
import { createAggregate, creationBlocks, deleteIfEmpty, INTSET_MAX_ENTRIES, LISTPACK_MAX_ENTRIES, LISTPACK_MAX_VALUE_BYTES, openForWrite, upgradeEncoding } from './aggregate.ts';

const setEncodingRank = (encoding: Encoding) => (encoding === Encoding.IntSet ? 0 : encoding === Encoding.ListPack ? 1 : 2);

/** The encoding Redis 7.2 would have after adding `member` to a set of `count` members. */
function setEncodingAfter(current: Encoding, count: number, member: Uint8Array): Encoding {
  if (current === Encoding.IntSet && parseInt64(member) !== null && count <= INTSET_MAX_ENTRIES) return Encoding.IntSet;
  if (current !== Encoding.HashTable && count <= LISTPACK_MAX_ENTRIES && member.length <= LISTPACK_MAX_VALUE_BYTES) return Encoding.ListPack;
  return Encoding.HashTable;
}

export function sadd(core: Core, db: DbIndex, key: Uint8Array, members: Uint8Array[]): number {
  let { value } = openForWrite(core, db, key, ValueType.Set);
  let blocks = creationBlocks(core, key, value);
  for (const member of members) blocks += entryBlocksFor(core.store, member.length);
  const count = value === NULL_BLOCK ? 0 : valueLength(core.store, value);
  core.prepare(blocks, members.length * treeWriteBound(count + members.length));
  if (value === NULL_BLOCK) {
    const first = members[0];
    value = createAggregate(core, db, key, ValueType.Set, first !== undefined && parseInt64(first) !== null ? Encoding.IntSet : Encoding.ListPack);
  }
  let added = 0;
  for (const member of members) {
    if (findMember(core, value, SET_ROOT_WORD, member) !== NULL_BLOCK) continue;
    insertMember(core, value, SET_ROOT_WORD, createEntry(core.store, member), memberComparator(core, member), member);
    added++;
    upgradeEncoding(core, value, setEncodingAfter(valueEncoding(core.store, value), count + added, member), setEncodingRank);
  }
  if (added > 0) addToLength(core, value, added);
  deleteIfEmpty(core, db, key, value);
  return added;
}

export function srem(core: Core, db: DbIndex, key: Uint8Array, members: Uint8Array[]): number {
  const { value } = openForWrite(core, db, key, ValueType.Set);
  if (value === NULL_BLOCK) return 0;
  core.prepare(0, members.length * treeWriteBound(valueLength(core.store, value)));
  let removed = 0;
  for (const member of members) {
    const node = removeMember(core, value, SET_ROOT_WORD, memberComparator(core, member));
    if (node === NULL_BLOCK) continue;
    releaseEntry(core.store, node);
    removed++;
  }
  if (removed > 0) addToLength(core, value, -removed);
  deleteIfEmpty(core, db, key, value);
  return removed;
}

export function sismember(core: Core, db: DbIndex, key: Uint8Array, member: Uint8Array): boolean {
  const value = core.lookupTyped(db, key, ValueType.Set);
  return value !== NULL_BLOCK && findMember(core, value, SET_ROOT_WORD, member) !== NULL_BLOCK;
}

export function scard(core: Core, db: DbIndex, key: Uint8Array): number {
  const value = core.lookupTyped(db, key, ValueType.Set);
  return value === NULL_BLOCK ? 0 : valueLength(core.store, value);
}

/** SMEMBERS in byte order of the members. */
export function smembers(core: Core, db: DbIndex, key: Uint8Array): Uint8Array[] {
  const value = core.lookupTyped(db, key, ValueType.Set);
  if (value === NULL_BLOCK) return [];
  return collectNodes(core, valueWord(core.store, value, SET_ROOT_WORD)).map((node) => readEntryKey(core.store, node));
}
