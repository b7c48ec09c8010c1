import { DATABASE_COUNT, H } from './arena.ts';
import { assert } from './errors.ts';
import { NULL_BLOCK, type BlockIndex, type DbIndex } from './ids.ts';
import type { BlockStore } from './store.ts';
import { BlockTree, NODE_LEFT, NODE_RIGHT } from './tree.ts';

/**
 * The expiry index: per database, an order-statistic AVL tree (tree.ts) of the keys that have a
 * TTL, ordered by (expireAtMs, keyspace node). Its roots are header words H.expiresRoots + db, so a
 * logic restart (Arena.attach) finds it as it was. One block per key with a TTL:
 *   words 0..3  tree links, count, height
 *   byte 16     f64 expireAtMs (equal to the value header's)
 *   word 6      the key's keyspace node (a node is its entry's identity for the entry's whole life)
 * Every TTL change costs O(log n) in the keys with a TTL; the count (INFO `expires=`) is the root's
 * subtree count, O(1); the earliest deadline is the leftmost node, O(log n).
 *
 * The dump never reads these blocks (it writes expiry from the value header), so they bypass the
 * write hooks: no copy before a write, and a removed node goes straight back to the allocator
 * instead of through `releaseBlock`, which would hold a snapshot-born block for a dump that never
 * reads it.
 */
export const EXPIRY_AT_BYTE = 16;
export const EXPIRY_NODE_WORD = 6;

export class ExpiryIndex {
  readonly tree: BlockTree;

  constructor(private readonly store: BlockStore) {
    this.tree = new BlockTree(store, noStructureHook);
  }

  root(db: DbIndex): BlockIndex {
    return this.store.arena.u32[H.expiresRoots + db]! as BlockIndex;
  }

  private setRoot(db: DbIndex, root: BlockIndex): void {
    this.store.arena.u32[H.expiresRoots + db] = root;
  }

  /** Keys of `db` with a TTL. O(1). */
  size(db: DbIndex): number {
    return this.tree.count(this.root(db));
  }

  expireAtOf(indexNode: BlockIndex): number {
    return this.store.arena.f64[(this.store.arena.blockByteOffset(indexNode) + EXPIRY_AT_BYTE) >>> 3]!;
  }

  keyNodeOf(indexNode: BlockIndex): BlockIndex {
    return this.store.arena.u32[this.store.arena.blockWord(indexNode) + EXPIRY_NODE_WORD]! as BlockIndex;
  }

  private comparator(expireAtMs: number, keyNode: BlockIndex): (indexNode: BlockIndex) => number {
    return (indexNode) => {
      const difference = expireAtMs - this.expireAtOf(indexNode);
      return difference !== 0 ? difference : keyNode - this.keyNodeOf(indexNode);
    };
  }

  /** Indexes a key; allocates one block (the command reserved it). O(log n). */
  add(db: DbIndex, keyNode: BlockIndex, expireAtMs: number): void {
    assert(expireAtMs > 0, 'indexing a key without a TTL');
    const indexNode = this.store.alloc.allocate();
    this.link(db, indexNode, keyNode, expireAtMs);
  }

  private link(db: DbIndex, indexNode: BlockIndex, keyNode: BlockIndex, expireAtMs: number): void {
    const arena = this.store.arena;
    arena.f64[(arena.blockByteOffset(indexNode) + EXPIRY_AT_BYTE) >>> 3] = expireAtMs;
    arena.u32[arena.blockWord(indexNode) + EXPIRY_NODE_WORD] = keyNode;
    this.setRoot(db, this.tree.insert(this.root(db), indexNode, this.comparator(expireAtMs, keyNode)));
  }

  /** Unlinks the key's index node and returns it (not freed). O(log n). */
  private unlink(db: DbIndex, keyNode: BlockIndex, expireAtMs: number): BlockIndex {
    this.setRoot(db, this.tree.remove(this.root(db), this.comparator(expireAtMs, keyNode)));
    const removed = this.tree.lastRemoved;
    assert(removed !== NULL_BLOCK, `key node ${keyNode} with expiry ${expireAtMs} is not in the expiry index of db ${db}`);
    return removed;
  }

  /**
   * The key's TTL goes from `fromMs` to `toMs` (0 = none): unindexes, moves (reusing the block) or
   * indexes it. Only `fromMs === 0 && toMs !== 0` allocates. O(log n).
   */
  change(db: DbIndex, keyNode: BlockIndex, fromMs: number, toMs: number): void {
    if (fromMs === toMs) return;
    if (fromMs === 0) return this.add(db, keyNode, toMs);
    const indexNode = this.unlink(db, keyNode, fromMs);
    if (toMs === 0) this.store.alloc.free(indexNode, 'live');
    else this.link(db, indexNode, keyNode, toMs);
  }

  /** Empties a database's index and returns its old root (FLUSHDB ASYNC queues it). O(1). */
  detach(db: DbIndex): BlockIndex {
    const root = this.root(db);
    this.setRoot(db, NULL_BLOCK);
    return root;
  }

  /** Frees a whole database's index (synchronous FLUSHDB, FLUSHALL). O(keys with a TTL). */
  dropAll(db: DbIndex): void {
    const root = this.root(db);
    if (root === NULL_BLOCK) return;
    this.setRoot(db, NULL_BLOCK);
    const arena = this.store.arena;
    const pending: BlockIndex[] = [root];
    for (let step = 0; pending.length > 0; step++) {
      assert(step < arena.blockCount, 'expiry index has a cycle');
      const node = pending.pop()!;
      const word = arena.blockWord(node);
      const left = arena.u32[word + NODE_LEFT]! as BlockIndex;
      const right = arena.u32[word + NODE_RIGHT]! as BlockIndex;
      if (left !== NULL_BLOCK) pending.push(left);
      if (right !== NULL_BLOCK) pending.push(right);
      this.store.alloc.free(node, 'live');
    }
  }

  /** The index node with the earliest deadline, or 0. O(log n). */
  earliest(db: DbIndex): BlockIndex {
    const arena = this.store.arena;
    let node = this.root(db);
    if (node === NULL_BLOCK) return NULL_BLOCK;
    for (let depth = 0; ; depth++) {
      assert(depth < 64, 'tree deeper than an AVL tree can be');
      const left = arena.u32[arena.blockWord(node) + NODE_LEFT]! as BlockIndex;
      if (left === NULL_BLOCK) return node;
      node = left;
    }
  }

  /** Keys of `db` whose deadline is at or before `nowMs` (expired, not yet removed). O(log n). */
  expiredCount(db: DbIndex, nowMs: number): number {
    return this.tree.rankOf(this.root(db), (indexNode) => (nowMs < this.expireAtOf(indexNode) ? -1 : 1));
  }

  /**
   * Mean remaining TTL in ms of the keys of `db` not yet expired, estimated from `samples` keys at
   * evenly spaced ranks (quantiles of the deadlines); 0 when none. O(samples log n).
   */
  averageTtlMs(db: DbIndex, nowMs: number, samples = 16): number {
    const total = this.size(db);
    const first = this.expiredCount(db, nowMs);
    const live = total - first;
    if (live === 0) return 0;
    const taken = Math.min(samples, live);
    let sumMs = 0;
    for (let i = 0; i < taken; i++) {
      const rank = first + Math.floor(((i + 0.5) * live) / taken);
      sumMs += this.expireAtOf(this.tree.select(this.root(db), rank)) - nowMs;
    }
    return Math.round(sumMs / taken);
  }

  /** Keys with a TTL in every database. O(databases). */
  totalSize(): number {
    let total = 0;
    for (let db = 0; db < DATABASE_COUNT; db++) total += this.size(db);
    return total;
  }
}

function noStructureHook(_blockIndex: BlockIndex): void {}
