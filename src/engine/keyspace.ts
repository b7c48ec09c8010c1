import { DATABASE_COUNT, H } from './arena.ts';
import { compareKeyWithEntry, createEntry, ENTRY_AUX_WORD, entryBlocksFor, findEntryByKey, type SearchPath } from './entry.ts';
import { assert, Errors } from './errors.ts';
import { ExpiryIndex } from './expires.ts';
import { identityResolver, NULL_BLOCK, type BlockIndex, type BlockResolver, type DbIndex } from './ids.ts';
import { setValueExpireAtMs, valueExpireAtMs } from './object.ts';
import type { BlockStore } from './store.ts';
import { BlockTree } from './tree.ts';

/**
 * Per-database key -> value trees. The roots live in the arena header (H.dbRoots + db). Tree links
 * are structural (no write hook: the dump walks the live tree); the key bytes and the value
 * reference are payload and go through the hook.
 *
 * The keys with a TTL are also in `expires` (expires.ts). Every change of a key's TTL or of its
 * presence goes through this class (insert, setValue, setExpireAt, unlink, detachAll), which keeps
 * the index equal to the set of keys whose value header carries an expiry (check() verifies it).
 */
export class Keyspace {
  readonly tree: BlockTree;
  readonly expires: ExpiryIndex;
  /** Every structural change bumps this, so a recorded search path is reused only while it is valid. */
  private version = 0;
  private readonly lastSearch: SearchPath = { nodes: new Uint32Array(64), sides: new Uint8Array(64), depth: 0 };
  private lastSearchDb = -1;
  private lastSearchKey: Uint8Array | null = null;
  private lastSearchVersion = -1;
  /** The entry the last successful lookup found: the dump attributes a copy to the key being written. */
  lastFoundDb = -1;
  lastFoundNode: BlockIndex = NULL_BLOCK;

  constructor(private readonly store: BlockStore) {
    this.tree = new BlockTree(store, noStructureHook);
    this.expires = new ExpiryIndex(store);
  }

  static checkDb(db: DbIndex): void {
    if (!Number.isInteger(db) || db < 0 || db >= DATABASE_COUNT) throw Errors.dbIndexOutOfRange();
  }

  root(db: DbIndex): BlockIndex {
    return this.store.arena.u32[H.dbRoots + db]! as BlockIndex;
  }

  private setRoot(db: DbIndex, root: BlockIndex): void {
    this.store.arena.u32[H.dbRoots + db] = root;
  }

  size(db: DbIndex): number {
    return this.tree.count(this.root(db));
  }

  /** The keyspace node of `key`, or 0. O(log n) key comparisons. */
  find(db: DbIndex, key: Uint8Array, resolve: BlockResolver = identityResolver): BlockIndex {
    const store = this.store;
    if (resolve === identityResolver) {
      const search = this.lastSearch;
      search.depth = 0;
      const node = findEntryByKey(store, this.root(db), key, search);
      this.lastSearchDb = node === NULL_BLOCK ? db : -1;
      if (node !== NULL_BLOCK) {
        this.lastFoundDb = db;
        this.lastFoundNode = node;
      }
      this.lastSearchKey = key;
      this.lastSearchVersion = this.version;
      return node;
    }
    return this.tree.find(this.root(db), (node) => compareKeyWithEntry(store, key, node, resolve), resolve);
  }

  valueOf(node: BlockIndex, resolve: BlockResolver = identityResolver): BlockIndex {
    return this.store.arena.u32[this.store.arena.blockWord(resolve(node)) + ENTRY_AUX_WORD]! as BlockIndex;
  }

  /** Blocks `insert` allocates for this key. */
  entryBlocksFor(key: Uint8Array): number {
    return entryBlocksFor(this.store, key.length);
  }

  /**
   * Adds a key that is not present; the caller prepared entryBlocksFor(key) blocks, plus one when
   * the value carries an expiry (its index node).
   */
  insert(db: DbIndex, key: Uint8Array, value: BlockIndex): BlockIndex {
    const store = this.store;
    const node = createEntry(store, key);
    store.arena.u32[store.arena.blockWord(node) + ENTRY_AUX_WORD] = value;
    if (this.lastSearchDb === db && this.lastSearchKey === key && this.lastSearchVersion === this.version) {
      // SET's lookup just walked to where this key belongs: link there instead of searching again.
      this.tree.resetLinks(node);
      const search = this.lastSearch;
      this.setRoot(db, search.depth === 0 ? node : this.tree.linkAlongPath(search.nodes, search.sides, search.depth, node));
    } else {
      this.setRoot(db, this.tree.insert(this.root(db), node, (other) => compareKeyWithEntry(store, key, other)));
    }
    this.version++;
    const expireAtMs = valueExpireAtMs(store, value);
    if (expireAtMs !== 0) this.expires.add(db, node, expireAtMs);
    return node;
  }

  /**
   * Points an existing key at another value (a payload write: goes through the hook); the key's
   * index entry follows the new value's expiry. Allocates one block only when the old value had no
   * expiry and the new one has (the caller reserved it).
   */
  setValue(db: DbIndex, node: BlockIndex, value: BlockIndex): void {
    const store = this.store;
    this.expires.change(db, node, valueExpireAtMs(store, this.valueOf(node)), valueExpireAtMs(store, value));
    store.beforeBlockWrite(node);
    store.arena.u32[store.arena.blockWord(node) + ENTRY_AUX_WORD] = value;
  }

  /**
   * Sets (or with 0 removes) the expiry of a live key: the value header through the write hook, and
   * the index. O(log n). Allocates one block when the key had no expiry (the caller reserved it).
   */
  setExpireAt(db: DbIndex, node: BlockIndex, expireAtMs: number): void {
    const store = this.store;
    const value = this.valueOf(node);
    this.expires.change(db, node, valueExpireAtMs(store, value), expireAtMs);
    store.beforeBlockWrite(value);
    setValueExpireAtMs(store, value, expireAtMs);
  }

  /** Unlinks the key's node and returns it (the caller releases node and value), or 0. */
  unlink(db: DbIndex, key: Uint8Array): BlockIndex {
    const store = this.store;
    this.setRoot(db, this.tree.remove(this.root(db), (node) => compareKeyWithEntry(store, key, node)));
    this.version++;
    const removed = this.tree.lastRemoved;
    if (removed !== NULL_BLOCK) {
      const expireAtMs = valueExpireAtMs(store, this.valueOf(removed));
      if (expireAtMs !== 0) this.expires.change(db, removed, expireAtMs, 0);
      store.entryDetached(db, removed);
    }
    return removed;
  }

  /** Detaches a whole database (FLUSHDB) and frees its expiry index; returns the old root. */
  detachAll(db: DbIndex): BlockIndex {
    const root = this.root(db);
    this.setRoot(db, NULL_BLOCK);
    this.expires.dropAll(db);
    this.version++;
    return root;
  }

  /** Nodes of `db` in key order starting at rank. */
  forEachFrom(db: DbIndex, fromRank: number, visit: (node: BlockIndex) => boolean, resolve: BlockResolver = identityResolver): void {
    this.tree.forEachFrom(this.root(db), fromRank, visit, resolve);
  }

  /** Rank of the first key strictly after `key` (SCAN resumes there). */
  rankAfter(db: DbIndex, key: Uint8Array): number {
    const store = this.store;
    return this.tree.rankOf(this.root(db), (node) => compareKeyWithEntry(store, key, node), true);
  }

  select(db: DbIndex, rank: number): BlockIndex {
    const node = this.tree.select(this.root(db), rank);
    assert(node !== NULL_BLOCK || rank >= this.size(db), 'select inside the tree found nothing');
    return node;
  }
}

function noStructureHook(_blockIndex: BlockIndex): void {}
