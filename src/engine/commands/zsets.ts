import type { Core } from '../core.ts';
import { entryBlocksFor, entryScore, readEntryKey } from '../entry.ts';
import { Errors } from '../errors.ts';
import { NULL_BLOCK, type BlockIndex, type DbIndex } from '../ids.ts';
import { Encoding, valueLength, valueWord, ValueType } from '../object.ts';
import { addToLength, findMember, memberComparator, scoreComparator, treeWriteBound } from '../types/members.ts';
import { insertZsetEntry, removeZsetEntry, updateZsetScore, zsetEntryBlocksFor, ZSET_MEMBER_ROOT_WORD, ZSET_SCORE_ROOT_WORD } from '../types/zset.ts';
import { createAggregate, creationBlocks, deleteIfEmpty, LISTPACK_MAX_ENTRIES, LISTPACK_MAX_VALUE_BYTES, openForWrite, upgradeEncoding } from './aggregate.ts';

export interface ZAddOptions {
  condition?: 'NX' | 'XX';
  comparison?: 'GT' | 'LT';
  ch?: boolean;
  incr?: boolean;
}

export interface ScoredMember {
  member: Uint8Array;
  score: number;
}

export interface ScoreBound {
  value: number;
  exclusive?: boolean;
}

export type ZRangeQuery =
  | { by: 'rank'; start: number; stop: number; rev?: boolean }
  | { by: 'score'; min: ScoreBound; max: ScoreBound; rev?: boolean; offset?: number; count?: number };

const zsetEncodingRank = (encoding: Encoding) => (encoding === Encoding.SkipList ? 1 : 0);

/** ZADD: the number added (or added + changed with CH); with INCR the new score, or null when a condition refused. */
export function zadd(core: Core, db: DbIndex, key: Uint8Array, entries: ScoredMember[], options: ZAddOptions = {}): number | null {
  if (options.condition === 'NX' && options.comparison !== undefined) throw Errors.zaddGtLtNx();
  if (options.incr && entries.length !== 1) throw Errors.zaddIncrPair();
  for (const { score } of entries) if (Number.isNaN(score)) throw Errors.notFloat();
  let { value } = openForWrite(core, db, key, ValueType.ZSet);
  if (value === NULL_BLOCK && options.condition === 'XX') return options.incr ? null : 0;
  let blocks = creationBlocks(core, key, value);
  for (const { member } of entries) blocks += zsetEntryBlocksFor(core, member);
  const count = value === NULL_BLOCK ? 0 : valueLength(core.store, value);
  if (options.incr) {
    const node = value === NULL_BLOCK ? NULL_BLOCK : findMember(core, value, ZSET_MEMBER_ROOT_WORD, entries[0]!.member);
    const base = node === NULL_BLOCK ? 0 : entryScore(core.store, node);
    if (Number.isNaN(base + entries[0]!.score)) throw Errors.zsetNan();
  }
  core.prepare(blocks, entries.length * 3 * treeWriteBound(count + entries.length));
  if (value === NULL_BLOCK) value = createAggregate(core, db, key, ValueType.ZSet, Encoding.ListPack);
  let added = 0;
  let changed = 0;
  let result: number | null = null;
  for (const { member, score } of entries) {
    const node = findMember(core, value, ZSET_MEMBER_ROOT_WORD, member);
    if (node !== NULL_BLOCK) {
      if (options.condition === 'NX') continue;
      const current = entryScore(core.store, node);
      const next = options.incr ? current + score : score;
      if (options.comparison === 'GT' && !(next > current)) continue;
      if (options.comparison === 'LT' && !(next < current)) continue;
      if (next !== current) {
        updateZsetScore(core, value, node, member, next);
        changed++;
      }
      result = next;
    } else {
      if (options.condition === 'XX') continue;
      insertZsetEntry(core, value, member, score);
      added++;
      result = score;
      const big = count + added > LISTPACK_MAX_ENTRIES || member.length > LISTPACK_MAX_VALUE_BYTES;
      upgradeEncoding(core, value, big ? Encoding.SkipList : Encoding.ListPack, zsetEncodingRank);
    }
  }
  if (added > 0) addToLength(core, value, added);
  deleteIfEmpty(core, db, key, value);
  if (options.incr) return result;
  return options.ch ? added + changed : added;
}

export function zrem(core: Core, db: DbIndex, key: Uint8Array, members: Uint8Array[]): number {
  const { value } = openForWrite(core, db, key, ValueType.ZSet);
  if (value === NULL_BLOCK) return 0;
  core.prepare(0, members.length * 2 * treeWriteBound(valueLength(core.store, value)));
  let removed = 0;
  for (const member of members) {
    const node = findMember(core, value, ZSET_MEMBER_ROOT_WORD, member);
    if (node === NULL_BLOCK) continue;
    removeZsetEntry(core, value, node, member);
    removed++;
  }
  if (removed > 0) addToLength(core, value, -removed);
  deleteIfEmpty(core, db, key, value);
  return removed;
}

export function zscore(core: Core, db: DbIndex, key: Uint8Array, member: Uint8Array): number | null {
  const value = core.lookupTyped(db, key, ValueType.ZSet);
  if (value === NULL_BLOCK) return null;
  const node = findMember(core, value, ZSET_MEMBER_ROOT_WORD, member);
  return node === NULL_BLOCK ? null : entryScore(core.store, node);
}

export function zcard(core: Core, db: DbIndex, key: Uint8Array): number {
  const value = core.lookupTyped(db, key, ValueType.ZSet);
  return value === NULL_BLOCK ? 0 : valueLength(core.store, value);
}

/** ZRANK / ZREVRANK: 0-based rank by (score, member), or null. O(log n). */
export function zrank(core: Core, db: DbIndex, key: Uint8Array, member: Uint8Array, rev = false): number | null {
  const value = core.lookupTyped(db, key, ValueType.ZSet);
  if (value === NULL_BLOCK) return null;
  const node = findMember(core, value, ZSET_MEMBER_ROOT_WORD, member);
  if (node === NULL_BLOCK) return null;
  const rank = core.valueTree.rankOf(valueWord(core.store, value, ZSET_SCORE_ROOT_WORD), scoreComparator(core, entryScore(core.store, node), member));
  return rev ? valueLength(core.store, value) - 1 - rank : rank;
}

/** Entries from a rank forwards (or backwards) while `keep` says so ('skip' passes one over). */
function collectRanks(core: Core, root: BlockIndex, fromRank: number, keep: (node: BlockIndex) => boolean | 'skip', backwards = false): ScoredMember[] {
  const out: ScoredMember[] = [];
  const visit = (node: BlockIndex) => {
    const verdict = keep(node);
    if (verdict === false) return false;
    if (verdict === true) out.push({ member: readEntryKey(core.store, node), score: entryScore(core.store, node) });
    return true;
  };
  if (backwards) core.valueTree.forEachBackwardFrom(root, fromRank, visit);
  else core.valueTree.forEachFrom(root, fromRank, visit);
  return out;
}

/** ZRANGE by rank or by score (BYSCORE, REV, LIMIT). O(log n + offset + returned), in either direction. */
export function zrange(core: Core, db: DbIndex, key: Uint8Array, query: ZRangeQuery): ScoredMember[] {
  const value = core.lookupTyped(db, key, ValueType.ZSet);
  if (value === NULL_BLOCK) return [];
  const length = valueLength(core.store, value);
  const root = valueWord(core.store, value, ZSET_SCORE_ROOT_WORD);
  if (query.by === 'rank') {
    let start = query.start < 0 ? query.start + length : query.start;
    let stop = query.stop < 0 ? query.stop + length : query.stop;
    if (start < 0) start = 0;
    if (start > stop || start >= length) return [];
    if (stop >= length) stop = length - 1;
    let remaining = stop - start + 1;
    return collectRanks(core, root, query.rev ? length - 1 - start : start, () => remaining-- > 0, query.rev === true);
  }
  const { min, max } = query;
  const store = core.store;
  const fromRank = core.valueTree.rankOf(root, (node) => {
    const score = entryScore(store, node);
    if (min.value !== score) return min.value < score ? -1 : 1;
    return min.exclusive ? 1 : -1;
  });
  const withinMax = (node: BlockIndex) => {
    const score = entryScore(store, node);
    return score < max.value || (score === max.value && !max.exclusive);
  };
  const offset = query.offset ?? 0;
  const count = query.count ?? -1;
  if (offset < 0) return [];
  if (!query.rev) {
    let skipped = 0;
    let taken = 0;
    const out: ScoredMember[] = [];
    core.valueTree.forEachFrom(root, fromRank, (node) => {
      if (!withinMax(node) || (count >= 0 && taken >= count)) return false;
      if (skipped < offset) { skipped++; return true; }
      out.push({ member: readEntryKey(store, node), score: entryScore(store, node) });
      taken++;
      return true;
    });
    return out;
  }
  // REV: walk predecessors from the last node within max while nodes stay within min.
  const lastRank = core.valueTree.rankOf(root, (node) => {
    const score = entryScore(store, node);
    if (max.value !== score) return max.value < score ? -1 : 1;
    return max.exclusive ? -1 : 1;
  }) - 1;
  const withinMin = (node: BlockIndex) => {
    const score = entryScore(store, node);
    return score > min.value || (score === min.value && !min.exclusive);
  };
  let skipped = 0;
  let taken = 0;
  return collectRanks(core, root, lastRank, (node) => {
    if (!withinMin(node) || (count >= 0 && taken >= count)) return false;
    if (skipped < offset) {
      skipped++;
      return 'skip';
    }
    taken++;
    return true;
  }, true);
}

export { entryBlocksFor, memberComparator };
