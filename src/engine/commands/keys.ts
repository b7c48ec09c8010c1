import type { Core } from '../core.ts';
import { releaseEntry } from '../entry.ts';
import { readEntryKey } from '../entry.ts';
import { Errors } from '../errors.ts';
import { globMatch, matchesEverything } from '../glob.ts';
import { NULL_BLOCK, type BlockIndex, type DbIndex } from '../ids.ts';
import { DATABASE_COUNT } from '../arena.ts';
import { Keyspace } from '../keyspace.ts';
import { EXPIRE_AT_MAX_MS, TYPE_NAMES, valueExpireAtMs, valueType } from '../object.ts';

export type ExpireCondition = 'NX' | 'XX' | 'GT' | 'LT';
export type ExpireUnit = 'EX' | 'PX' | 'EXAT' | 'PXAT';

const EXPIRE_COMMAND_NAMES: Record<ExpireUnit, string> = { EX: 'expire', PX: 'pexpire', EXAT: 'expireat', PXAT: 'pexpireat' };

export function del(core: Core, db: DbIndex, keys: Uint8Array[]): number {
  let deleted = 0;
  for (const key of keys) {
    if (core.lookupNode(db, key) !== NULL_BLOCK && core.deleteKey(db, key)) deleted++;
  }
  return deleted;
}

export function exists(core: Core, db: DbIndex, keys: Uint8Array[]): number {
  let found = 0;
  for (const key of keys) if (core.lookupNode(db, key) !== NULL_BLOCK) found++;
  return found;
}

export function type(core: Core, db: DbIndex, key: Uint8Array): string {
  const value = core.lookupValue(db, key);
  return value === NULL_BLOCK ? 'none' : TYPE_NAMES[valueType(core.store, value)];
}

/** EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT: 1 when the timeout was set (or the key deleted because it is past), else 0. */
/**
 * `conditions` may be one of NX/XX/GT/LT or a combination Redis accepts (XX with GT or LT); all
 * must hold. Refusing incompatible combinations (NX with another, GT with LT) is the parser's job.
 */
export function expire(core: Core, db: DbIndex, key: Uint8Array, amount: number, unit: ExpireUnit, conditions?: ExpireCondition | readonly ExpireCondition[]): number {
  const has = (condition: ExpireCondition) => (Array.isArray(conditions) ? conditions.includes(condition) : conditions === condition);
  const command = EXPIRE_COMMAND_NAMES[unit];
  if (!Number.isSafeInteger(amount)) throw Errors.invalidExpire(command);
  const nowMs = core.nowMs();
  const milliseconds = unit === 'EX' || unit === 'EXAT' ? amount * 1000 : amount;
  const expireAtMs = unit === 'EX' || unit === 'PX' ? nowMs + milliseconds : milliseconds;
  if (!Number.isSafeInteger(milliseconds) || expireAtMs > EXPIRE_AT_MAX_MS) throw Errors.invalidExpire(command);
  const node = core.lookupNode(db, key);
  if (node === NULL_BLOCK) return 0;
  const current = valueExpireAtMs(core.store, core.keyspace.valueOf(node));
  if (has('NX') && current !== 0) return 0;
  if (has('XX') && current === 0) return 0;
  if (has('GT') && (current === 0 || expireAtMs <= current)) return 0;
  if (has('LT') && current !== 0 && expireAtMs >= current) return 0;
  if (expireAtMs <= nowMs) {
    core.deleteKey(db, key);
    return 1;
  }
  // A key without a TTL gets an expiry-index node.
  core.prepare(current === 0 ? 1 : 0, 1);
  core.keyspace.setExpireAt(db, node, expireAtMs);
  return 1;
}

/** TTL/PTTL: -2 no key, -1 no expiry, else remaining time (TTL rounds to the nearest second). */
export function ttl(core: Core, db: DbIndex, key: Uint8Array, unit: 's' | 'ms'): number {
  const value = core.lookupValue(db, key);
  if (value === NULL_BLOCK) return -2;
  const expireAtMs = valueExpireAtMs(core.store, value);
  if (expireAtMs === 0) return -1;
  const remainingMs = Math.max(0, expireAtMs - core.nowMs());
  return unit === 'ms' ? remainingMs : Math.floor((remainingMs + 500) / 1000);
}

export function persist(core: Core, db: DbIndex, key: Uint8Array): number {
  const node = core.lookupNode(db, key);
  if (node === NULL_BLOCK || valueExpireAtMs(core.store, core.keyspace.valueOf(node)) === 0) return 0;
  core.prepare(0, 1);
  core.keyspace.setExpireAt(db, node, 0);
  return 1;
}

/** Moves the value (with its TTL) to `destination`, replacing what was there. */
export function rename(core: Core, db: DbIndex, source: Uint8Array, destination: Uint8Array): void {
  const sourceNode = core.lookupNode(db, source);
  if (sourceNode === NULL_BLOCK) throw Errors.noSuchKey();
  const destinationNode = core.lookupNode(db, destination);
  if (destinationNode === sourceNode) return;
  const value = core.keyspace.valueOf(sourceNode);
  // The destination's expiry-index node, when the value carries a TTL.
  const indexBlocks = valueExpireAtMs(core.store, value) !== 0 ? 1 : 0;
  core.prepare((destinationNode === NULL_BLOCK ? core.keyspace.entryBlocksFor(destination) : 0) + indexBlocks, 1);
  const unlinked = core.keyspace.unlink(db, source);
  releaseEntry(core.store, unlinked);
  core.storeValue(db, destination, destinationNode, value);
}

export function dbsize(core: Core, db: DbIndex): number {
  Keyspace.checkDb(db);
  return core.keyspace.size(db);
}

/** KEYS: every live key matching the pattern, in key order. O(n). */
export function keys(core: Core, db: DbIndex, pattern: Uint8Array): Uint8Array[] {
  Keyspace.checkDb(db);
  const matched: Uint8Array[] = [];
  const nowMs = core.nowMs();
  const everything = matchesEverything(pattern);
  core.keyspace.forEachFrom(db, 0, (node) => {
    if (core.isExpired(core.keyspace.valueOf(node), nowMs)) return true;
    const key = readEntryKey(core.store, node);
    if (everything || globMatch(pattern, key)) matched.push(key);
    return true;
  });
  return matched;
}

/** RANDOMKEY: a uniformly chosen live key (expired ones met on the way are deleted), or null. */
export function randomkey(core: Core, db: DbIndex, random: () => number = Math.random): Uint8Array | null {
  Keyspace.checkDb(db);
  for (;;) {
    const size = core.keyspace.size(db);
    if (size === 0) return null;
    const node = core.keyspace.select(db, Math.floor(random() * size));
    const key = readEntryKey(core.store, node);
    if (!core.isExpired(core.keyspace.valueOf(node))) return key;
    core.deleteKey(db, key);
    core.expiredKeyCount++;
  }
}

/** FLUSHDB (synchronous): releases every key of the database. O(keys + blocks). */
export function flushdb(core: Core, db: DbIndex): void {
  Keyspace.checkDb(db);
  const root = core.keyspace.detachAll(db);
  // A running dump still needs the old keys: it takes the tree and frees it after writing it.
  if (root === NULL_BLOCK || core.store.treeDetached(db, root)) return;
  const nodes: BlockIndex[] = [];
  core.keyspace.tree.forEachFrom(root, 0, (node) => (nodes.push(node), true));
  for (const node of nodes) {
    const value = core.keyspace.valueOf(node);
    releaseEntry(core.store, node);
    core.releaseValue(value);
  }
}

export function flushall(core: Core): void {
  for (let db = 0; db < DATABASE_COUNT; db++) flushdb(core, db);
}
