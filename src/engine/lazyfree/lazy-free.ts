import { DATABASE_COUNT } from '../arena.ts';
import { engineBug } from '../bugs.ts';
import type { Core } from '../core.ts';
import { releaseEntry } from '../entry.ts';
import { NULL_BLOCK, type BlockIndex, type DbIndex } from '../ids.ts';
import { Keyspace } from '../keyspace.ts';
import { VALUE_FIRST_WORD, valueWord } from '../object.ts';
import type { Dumper, DetachedReleaser } from '../snapshot/dumper.ts';
import type { Tracer } from '../trace.ts';
import { ItemKind, LazyFreeQueue, Q, valueBlocksEstimate } from './queue.ts';

/**
 * Values whose estimated blocks are at most this are freed at once by UNLINK: queueing costs a lock,
 * two word writes and a later pass by the freer, which for a handful of blocks is slower than
 * freeing them (Redis's LAZYFREE_THRESHOLD is 64 elements for the same reason). The figure is
 * measured by bench/lazyfree-unlink.ts (docs/lazyfree.md).
 */
export const LAZYFREE_THRESHOLD_BLOCKS = 64;
/** How long an allocation waits for a worker freer's in-flight batch before growing instead. */
const RECLAIM_WAIT_LIMIT_MS = 2000;

export interface LazyFreeCounters {
  pendingObjects: number;
  /** Estimated from value headers when queued; exact once the queue is empty. */
  pendingBlocksEstimate: number;
  freedBlocks: number;
  freedObjects: number;
  inProgress: number;
}

/**
 * Lazy free (spec: LazyFree.tla): Unlink detaches a key in O(log n) and frees small values at once
 * or queues big ones; FlushAsync swaps in empty databases in O(1) and queues the old trees; FreeStep
 * frees a bounded batch (inline here, or on the freer worker). Allocation helps the freer before the
 * buffer grows, so memory stays bounded when a producer outpaces the freer and no allocation fails
 * while blocks are queued (spec NoFalseOOM).
 */
export class LazyFree implements DetachedReleaser {
  readonly queue: LazyFreeQueue;

  constructor(private readonly core: Core, private readonly dumper: Dumper | null, private readonly tracer: Tracer | null = null, readonly thresholdBlocks = LAZYFREE_THRESHOLD_BLOCKS) {
    this.queue = new LazyFreeQueue(core.store);
    core.store.alloc.reclaim = (blocksWanted) => this.reclaim(blocksWanted);
    // spec AllocFail: only with nothing free and nothing queued (NoFalseOOM); the event says which.
    if (tracer !== null) core.store.alloc.onAllocFail = (blocksWanted) => tracer({ action: 'AllocFail', blocksWanted, queuedObjects: this.queue.pendingObjects });
  }

  /** spec: Unlink. O(log n) per key plus, for values under the threshold, their few blocks. */
  unlink(db: DbIndex, keys: Uint8Array[]): number {
    let unlinked = 0;
    for (const key of keys) {
      if (this.core.lookupNode(db, key, false) === NULL_BLOCK) continue;
      const node = this.core.keyspace.unlink(db, key);
      unlinked++;
      this.tracer?.({ action: 'Unlink', db, key });
      // A key the dump has still to write goes to the dump whole; it gives it back after writing it.
      if (this.dumper?.takeWholeEntry(node)) continue;
      this.releaseEntry(node);
    }
    return unlinked;
  }

  /** spec: FlushAsync. O(1) per database: the old tree is queued (or handed to a running dump). */
  flushAsync(db?: DbIndex): void {
    if (db !== undefined) Keyspace.checkDb(db);
    const dbs = db === undefined ? [...Array(DATABASE_COUNT).keys()] : [db];
    for (const each of dbs) {
      // The expiry index goes to the queue too (its nodes own nothing else), so the flush stays O(1).
      const expiryRoot = this.core.keyspace.expires.detach(each);
      if (expiryRoot !== NULL_BLOCK) this.queue.push(expiryRoot, ItemKind.ExpiryTree, this.core.keyspace.expires.tree.count(expiryRoot));
      const root = this.core.keyspace.detachAll(each);
      if (root === NULL_BLOCK) continue;
      this.tracer?.({ action: 'FlushAsync', db: each });
      if (this.core.store.treeDetached(each, root)) continue;
      this.releaseTree(root);
    }
  }

  /** spec: FreeStep, a batch: frees up to about `budgetBlocks` queued blocks; returns how many. */
  freeStep(budgetBlocks: number): number {
    const freed = this.queue.freeStep(budgetBlocks);
    if (freed > 0) this.tracer?.({ action: 'FreeStep', blocks: freed });
    return freed;
  }

  counters(): LazyFreeCounters {
    const u32 = this.core.store.arena.u32;
    return {
      pendingObjects: Atomics.load(u32, Q.pendingObjects),
      pendingBlocksEstimate: Atomics.load(u32, Q.pendingBlocksEstimate),
      freedBlocks: Atomics.load(u32, Q.freedBlocks),
      freedObjects: Atomics.load(u32, Q.freedObjects),
      inProgress: Atomics.load(u32, Q.inProgress),
    };
  }

  // ---- DetachedReleaser: also what the dump calls when it gives objects back -----------------------

  releaseEntry(node: BlockIndex): void {
    const value = this.core.keyspace.valueOf(node);
    releaseEntry(this.core.store, node);
    this.releaseValue(value);
  }

  releaseValue(value: BlockIndex): void {
    if (this.dumper?.keepValueIfNeeded(value)) return;
    const estimate = valueBlocksEstimate(this.core.store, value);
    if (estimate <= this.thresholdBlocks) this.core.releaseValue(value);
    else {
      this.queue.push(value, ItemKind.Value, estimate);
      if (engineBug('reuse-queued-block')) this.freeFirstBlockWhileQueued(value);
    }
  }

  /**
   * Seeded bug reuse-queued-block: the value's first block after its header goes on the free list
   * although the queue will free it again; the next allocation may reuse it. check() finds it at once.
   */
  private freeFirstBlockWhileQueued(value: BlockIndex): void {
    const first = valueWord(this.core.store, value, VALUE_FIRST_WORD) as BlockIndex;
    if (first !== NULL_BLOCK) this.core.store.alloc.free(first, 'live');
  }

  releaseTree(root: BlockIndex): void {
    this.queue.push(root, ItemKind.KeyspaceTree, 3 * this.core.keyspace.tree.count(root));
  }

  /** Installed as the allocator's reclaim: free queued blocks before the buffer grows. */
  private reclaim(blocksWanted: number): number {
    const alloc = this.core.store.alloc;
    const i32 = this.core.store.arena.i32;
    const started = Date.now();
    for (;;) {
      const free = alloc.freeBlocks;
      if (free >= blocksWanted) return free;
      if (this.queue.pendingObjects > 0) {
        this.freeStep(Math.max(256, blocksWanted - free));
        continue;
      }
      // A worker freer holds a batch: wait for it rather than grow (it finishes or puts it back).
      if (Atomics.load(i32, Q.inProgress) === 0 || Date.now() - started > RECLAIM_WAIT_LIMIT_MS) return free;
      Atomics.wait(i32, Q.wake, Atomics.load(i32, Q.wake), 1);
    }
  }
}
