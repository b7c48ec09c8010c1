import { engineBug } from '../bugs.ts';
import type { Core } from '../core.ts';
import { entryScore, readEntryKey } from '../entry.ts';
import { globMatch } from '../glob.ts';
import { NULL_BLOCK, type BlockIndex, type DbIndex } from '../ids.ts';
import { Keyspace } from '../keyspace.ts';
import { TYPE_NAMES, valueType, valueWord, ValueType } from '../object.ts';
import type { CursorKind, ScanCursors } from '../scan-cursors.ts';
import { HASH_ROOT_WORD, readFieldValue } from '../types/hash.ts';
import { memberComparator } from '../types/members.ts';
import { SET_ROOT_WORD } from '../types/set.ts';
import { ZSET_MEMBER_ROOT_WORD } from '../types/zset.ts';
import type { ScoredMember } from './zsets.ts';

export interface ScanOptions {
  match?: Uint8Array;
  /** Elements examined per call (Redis's COUNT hint); default 10. */
  count?: number;
  /** SCAN only: a type name as TYPE replies it ("string", "hash", ...). */
  type?: string;
}

export interface ScanReply<T> {
  cursor: string;
  elements: T[];
}

/**
 * One step of a scan over a tree in key order: examines up to `count` nodes after the cursor's
 * position and returns the cursor naming the last one examined ("0" at the end).
 */
function scanTree<T>(
  core: Core,
  cursors: ScanCursors,
  kind: CursorKind,
  cursor: string,
  count: number,
  root: BlockIndex,
  compareTo: (key: Uint8Array) => (node: BlockIndex) => number,
  emit: (node: BlockIndex, key: Uint8Array) => T | null,
): ScanReply<T> {
  const parsed = cursors.parse(cursor, kind);
  if (root === NULL_BLOCK) return { cursor: '0', elements: [] };
  const tree = kind === 'keys' ? core.keyspace.tree : core.valueTree;
  // Seeded bug scan-skips-after-delete: resume at the rank the last call stopped at, which a delete before it shifts.
  const fromRank = parsed.start ? 0 : 'rank' in parsed ? parsed.rank : engineBug('scan-skips-after-delete') ? parsed.position.nextRank : tree.rankOf(root, compareTo(parsed.position.last), true);
  const elements: T[] = [];
  let examined = 0;
  let last: Uint8Array | null = null;
  let reachedEnd = true;
  tree.forEachFrom(root, fromRank, (node) => {
    if (examined === count) {
      reachedEnd = false;
      return false;
    }
    examined++;
    last = readEntryKey(core.store, node);
    const element = emit(node, last);
    if (element !== null) elements.push(element);
    return true;
  });
  return { cursor: reachedEnd || last === null ? '0' : cursors.issue(kind, last, fromRank + examined), elements };
}

function normalizedCount(options: ScanOptions): number {
  const count = options.count ?? 10;
  return Number.isSafeInteger(count) && count >= 1 ? count : 10;
}

export function scan(core: Core, cursors: ScanCursors, db: DbIndex, cursor: string, options: ScanOptions = {}): ScanReply<Uint8Array> {
  Keyspace.checkDb(db);
  const nowMs = core.nowMs();
  const store = core.store;
  return scanTree(core, cursors, 'keys', cursor, normalizedCount(options), core.keyspace.root(db),
    (key) => memberComparator(core, key),
    (node, key) => {
      const value = core.keyspace.valueOf(node);
      if (core.isExpired(value, nowMs)) return null;
      if (options.type !== undefined && TYPE_NAMES[valueType(store, value)] !== options.type.toLowerCase()) return null;
      if (options.match !== undefined && !globMatch(options.match, key)) return null;
      return key;
    });
}

function scanValue<T>(core: Core, cursors: ScanCursors, kind: CursorKind, type: ValueType, rootWord: number, db: DbIndex, key: Uint8Array, cursor: string, options: ScanOptions, emit: (node: BlockIndex, member: Uint8Array) => T): ScanReply<T> {
  const value = core.lookupTyped(db, key, type);
  if (value === NULL_BLOCK) {
    cursors.parse(cursor, kind);
    return { cursor: '0', elements: [] };
  }
  return scanTree(core, cursors, kind, cursor, normalizedCount(options), valueWord(core.store, value, rootWord),
    (member) => memberComparator(core, member),
    (node, member) => (options.match !== undefined && !globMatch(options.match, member) ? null : emit(node, member)));
}

export function hscan(core: Core, cursors: ScanCursors, db: DbIndex, key: Uint8Array, cursor: string, options: ScanOptions = {}): ScanReply<[Uint8Array, Uint8Array]> {
  return scanValue(core, cursors, 'hash', ValueType.Hash, HASH_ROOT_WORD, db, key, cursor, options, (node, field) => [field, readFieldValue(core, node)]);
}

export function sscan(core: Core, cursors: ScanCursors, db: DbIndex, key: Uint8Array, cursor: string, options: ScanOptions = {}): ScanReply<Uint8Array> {
  return scanValue(core, cursors, 'set', ValueType.Set, SET_ROOT_WORD, db, key, cursor, options, (_node, member) => member);
}

export function zscan(core: Core, cursors: ScanCursors, db: DbIndex, key: Uint8Array, cursor: string, options: ScanOptions = {}): ScanReply<ScoredMember> {
  return scanValue(core, cursors, 'zset', ValueType.ZSet, ZSET_MEMBER_ROOT_WORD, db, key, cursor, options, (node, member) => ({ member, score: entryScore(core.store, node) }));
}
