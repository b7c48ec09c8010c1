import { CHAIN_NEXT_WORD } from '../blob.ts';
import { H } from '../arena.ts';
import { ENTRY_AUX_WORD, ENTRY_KEY_CHAIN_WORD } from '../entry.ts';
import { assert } from '../errors.ts';
import { NULL_BLOCK, type BlockIndex } from '../ids.ts';
import { VALUE_FIRST_WORD, VALUE_LENGTH_WORD, VALUE_SECOND_WORD, ValueType } from '../object.ts';
import type { BlockStore } from '../store.ts';
import { decodeNode, LIST_NEXT_WORD } from '../types/list.ts';
import { NODE_LEFT, NODE_RIGHT } from '../tree.ts';

/**
 * The lazy-free queue, kept in the SharedArrayBuffer so that a freer worker can drain it: a FIFO of
 * detached objects linked through the objects' own blocks (no allocation to queue anything, which
 * matters because only the command thread may allocate). A queued object's block has two words
 * nobody needs once it is detached: word 2 links the next item and word 3 says what it is.
 *   value header: words 2..3 are the expiry (dead once detached);
 *   keyspace node: words 2..3 are subtree count and height (the destructive walk below needs neither).
 * Freeing is resumable: a tree is freed by rotating left children up (no stack), a chain or a list
 * from its head, and the item's roots are written back, so FreeStep frees a bounded batch.
 */
export const Q = {
  lock: H.lazyFreeState,
  head: H.lazyFreeState + 1,
  tail: H.lazyFreeState + 2,
  pendingObjects: H.lazyFreeState + 3,
  pendingBlocksEstimate: H.lazyFreeState + 4,
  freedBlocks: H.lazyFreeState + 5, // u32, wraps
  freedObjects: H.lazyFreeState + 6, // u32, wraps
  inProgress: H.lazyFreeState + 7, // items popped by a freer and not yet finished or pushed back
  wake: H.lazyFreeState + 8, // bumped on every push; a worker freer waits on it
  stopWorker: H.lazyFreeState + 9, // set by the host to stop a worker freer
} as const;

const ITEM_NEXT_WORD = 2;
const ITEM_KIND_WORD = 3;
/** ExpiryTree: a flushed database's expiry index (src/engine/expires.ts), nodes only. */
export const ItemKind = { Value: 1, KeyspaceTree: 2, ExpiryTree: 3 } as const;
type ItemKind = (typeof ItemKind)[keyof typeof ItemKind];

export class LazyFreeQueue {
  constructor(readonly store: BlockStore) {}

  private get i32(): Int32Array {
    return this.store.arena.i32;
  }

  private lock(): void {
    const i32 = this.i32;
    // Held for a few word writes only, by at most two threads.
    while (Atomics.compareExchange(i32, Q.lock, 0, 1) !== 0) Atomics.wait(i32, Q.lock, 1, 1);
  }

  private unlock(): void {
    Atomics.store(this.i32, Q.lock, 0);
    Atomics.notify(this.i32, Q.lock, 1);
  }

  get pendingObjects(): number {
    return Atomics.load(this.store.arena.u32, Q.pendingObjects);
  }

  /** Queued or being freed right now. */
  get busy(): boolean {
    const u32 = this.store.arena.u32;
    return Atomics.load(u32, Q.pendingObjects) + Atomics.load(u32, Q.inProgress) > 0;
  }

  /** O(1). `blocksEstimate` only feeds the pending-blocks counter. */
  push(item: BlockIndex, kind: ItemKind, blocksEstimate: number): void {
    const arena = this.store.arena;
    const u32 = arena.u32;
    const word = arena.blockWord(item);
    u32[word + ITEM_NEXT_WORD] = NULL_BLOCK;
    u32[word + ITEM_KIND_WORD] = kind;
    this.lock();
    const tail = u32[Q.tail]! as BlockIndex;
    if (tail === NULL_BLOCK) u32[Q.head] = item;
    else u32[arena.blockWord(tail) + ITEM_NEXT_WORD] = item;
    u32[Q.tail] = item;
    Atomics.add(u32, Q.pendingObjects, 1);
    u32[Q.pendingBlocksEstimate]! += Math.min(blocksEstimate, 0xffff_ffff - u32[Q.pendingBlocksEstimate]!);
    this.unlock();
    Atomics.add(arena.i32, Q.wake, 1);
    Atomics.notify(arena.i32, Q.wake);
  }

  /** Puts a partly freed item back at the front, so one big object is finished before the next starts. */
  private pushFront(item: BlockIndex, kind: ItemKind): void {
    const arena = this.store.arena;
    const u32 = arena.u32;
    const word = arena.blockWord(item);
    u32[word + ITEM_KIND_WORD] = kind;
    this.lock();
    u32[word + ITEM_NEXT_WORD] = u32[Q.head]!;
    u32[Q.head] = item;
    if (u32[Q.tail] === NULL_BLOCK) u32[Q.tail] = item;
    Atomics.add(u32, Q.pendingObjects, 1);
    Atomics.sub(u32, Q.inProgress, 1); // atomic: a finishing freer on the other thread updates it without the lock
    this.unlock();
  }

  private pop(): { item: BlockIndex; kind: ItemKind } | null {
    const arena = this.store.arena;
    const u32 = arena.u32;
    this.lock();
    const item = u32[Q.head]! as BlockIndex;
    if (item === NULL_BLOCK) {
      this.unlock();
      return null;
    }
    const word = arena.blockWord(item);
    u32[Q.head] = u32[word + ITEM_NEXT_WORD]!;
    if (u32[Q.head] === NULL_BLOCK) u32[Q.tail] = NULL_BLOCK;
    Atomics.sub(u32, Q.pendingObjects, 1);
    Atomics.add(u32, Q.inProgress, 1);
    this.unlock();
    return { item, kind: u32[word + ITEM_KIND_WORD]! as ItemKind };
  }

  /** spec: LazyFree.tla FreeStep, a batch of them: frees up to about `budgetBlocks` queued blocks. Returns blocks freed. */
  freeStep(budgetBlocks: number, onValueFound?: (value: BlockIndex) => void): number {
    this.store.arena.ensureViewsCover();
    let freed = 0;
    while (freed < budgetBlocks) {
      const popped = this.pop();
      if (popped === null) break;
      // The command thread may have grown the buffer since this thread's views were made.
      this.store.arena.ensureViewsCover();
      const budget = { left: budgetBlocks - freed, freed: 0 };
      const rest = popped.kind === ItemKind.Value
        ? this.freeValueSome(popped.item, budget)
        : popped.kind === ItemKind.ExpiryTree
          ? this.freeTreeSome(popped.item, budget, noPayload)
          : this.freeKeyspaceSome(popped.item, budget, onValueFound);
      freed += budget.freed;
      if (rest !== NULL_BLOCK) this.pushFront(rest, popped.kind);
      else {
        Atomics.sub(this.store.arena.u32, Q.inProgress, 1);
        Atomics.add(this.store.arena.u32, Q.freedObjects, 1);
      }
    }
    const u32 = this.store.arena.u32;
    Atomics.add(u32, Q.freedBlocks, freed);
    this.lock();
    u32[Q.pendingBlocksEstimate] = this.busy ? Math.max(0, u32[Q.pendingBlocksEstimate]! - freed) : 0;
    this.unlock();
    return freed;
  }

  private free(blockIndex: BlockIndex, budget: { left: number; freed: number }): void {
    this.store.alloc.free(blockIndex, 'live');
    budget.left--;
    budget.freed++;
  }

  private freeChain(head: BlockIndex, budget: { left: number; freed: number }): void {
    const arena = this.store.arena;
    for (let blockIndex = head, step = 0; blockIndex !== NULL_BLOCK; step++) {
      assert(step < arena.blockCount, 'chain has a cycle');
      const next = arena.u32[arena.blockWord(blockIndex) + CHAIN_NEXT_WORD]! as BlockIndex;
      this.free(blockIndex, budget);
      blockIndex = next;
    }
  }

  /** Frees a whole detached value at once (small values, where queueing costs more than freeing). */
  freeValueNow(value: BlockIndex): number {
    const budget = { left: Infinity, freed: 0 };
    const rest = this.freeValueSome(value, budget);
    assert(rest === NULL_BLOCK, 'unbounded free left work');
    return budget.freed;
  }

  /** Frees part of a value; returns the value (still the item) if unfinished, else 0. */
  private freeValueSome(value: BlockIndex, budget: { left: number; freed: number }): BlockIndex {
    const arena = this.store.arena;
    const u32 = arena.u32;
    const word = arena.blockWord(value);
    const type = (arena.u8[word << 2]! & 0xf) as ValueType;
    if (type === ValueType.String) {
      let head = u32[word + VALUE_FIRST_WORD]! as BlockIndex;
      while (head !== NULL_BLOCK && budget.left > 0) {
        const next = u32[arena.blockWord(head) + CHAIN_NEXT_WORD]! as BlockIndex;
        this.free(head, budget);
        head = next;
      }
      u32[word + VALUE_FIRST_WORD] = head;
      if (head !== NULL_BLOCK) return value;
    } else if (type === ValueType.List) {
      let node = u32[word + VALUE_FIRST_WORD]! as BlockIndex;
      while (node !== NULL_BLOCK && budget.left > 0) {
        const next = u32[arena.blockWord(node) + LIST_NEXT_WORD]! as BlockIndex;
        for (const entry of decodeNode(this.store, node)) if (entry.inline === null) this.freeChain(entry.chain, budget);
        this.free(node, budget);
        node = next;
      }
      u32[word + VALUE_FIRST_WORD] = node;
      if (node !== NULL_BLOCK) return value;
    } else {
      const withValueChains = type === ValueType.Hash;
      for (const rootWord of type === ValueType.ZSet ? [VALUE_FIRST_WORD, VALUE_SECOND_WORD] : [VALUE_FIRST_WORD]) {
        const root = this.freeTreeSome(u32[word + rootWord]! as BlockIndex, budget, (node) => {
          const nodeWord = arena.blockWord(node);
          this.freeChain(u32[nodeWord + ENTRY_KEY_CHAIN_WORD]! as BlockIndex, budget);
          if (withValueChains) this.freeChain(u32[nodeWord + ENTRY_AUX_WORD]! as BlockIndex, budget);
        });
        u32[word + rootWord] = root;
        if (root !== NULL_BLOCK) return value;
      }
    }
    this.free(value, budget);
    return NULL_BLOCK;
  }

  /**
   * Frees tree nodes in order without a stack: a node with a left child is rotated right (O(1)),
   * one without is freed and its right child becomes the root. O(n) in all; returns the root left.
   */
  private freeTreeSome(root: BlockIndex, budget: { left: number; freed: number }, freePayload: (node: BlockIndex) => void): BlockIndex {
    const arena = this.store.arena;
    const u32 = arena.u32;
    let rotations = 0;
    while (root !== NULL_BLOCK && budget.left > 0 && rotations < 4 * budget.left + 64) {
      const word = arena.blockWord(root);
      const left = u32[word + NODE_LEFT]! as BlockIndex;
      if (left !== NULL_BLOCK) {
        u32[word + NODE_LEFT] = u32[arena.blockWord(left) + NODE_RIGHT]!;
        u32[arena.blockWord(left) + NODE_RIGHT] = root;
        root = left;
        rotations++;
        continue;
      }
      const right = u32[word + NODE_RIGHT]! as BlockIndex;
      freePayload(root);
      this.free(root, budget);
      root = right;
    }
    return root;
  }

  private freeKeyspaceSome(root: BlockIndex, budget: { left: number; freed: number }, onValueFound?: (value: BlockIndex) => void): BlockIndex {
    const arena = this.store.arena;
    const u32 = arena.u32;
    return this.freeTreeSome(root, budget, (node) => {
      const nodeWord = arena.blockWord(node);
      this.freeChain(u32[nodeWord + ENTRY_KEY_CHAIN_WORD]! as BlockIndex, budget);
      const value = u32[nodeWord + ENTRY_AUX_WORD]! as BlockIndex;
      if (onValueFound !== undefined) onValueFound(value);
      else this.push(value, ItemKind.Value, valueBlocksEstimate(this.store, value));
    });
  }

  /** Items in queue order (for check()). Only call when no freer runs. */
  forEachItem(visit: (item: BlockIndex, kind: ItemKind) => void): void {
    const arena = this.store.arena;
    const u32 = arena.u32;
    let steps = 0;
    for (let item = u32[Q.head]! as BlockIndex; item !== NULL_BLOCK; item = u32[arena.blockWord(item) + ITEM_NEXT_WORD]! as BlockIndex) {
      assert(steps++ < arena.blockCount, 'lazy-free queue has a cycle');
      visit(item, u32[arena.blockWord(item) + ITEM_KIND_WORD]! as ItemKind);
    }
  }
}

/** A cheap guess of a value's blocks from its header (the pending-blocks counter is an estimate). */
export function valueBlocksEstimate(store: BlockStore, value: BlockIndex): number {
  const arena = store.arena;
  const word = arena.blockWord(value);
  const type = (arena.u8[word << 2]! & 0xf) as ValueType;
  const length = arena.u32[word + VALUE_LENGTH_WORD]!;
  switch (type) {
    case ValueType.String: return 1 + Math.ceil(Math.max(0, length - (arena.blockSizeBytes - 24)) / store.chainDataBytes);
    case ValueType.List: return 1 + Math.ceil(length / 4);
    case ValueType.Set: return 1 + length;
    case ValueType.ZSet: return 1 + 2 * length;
    case ValueType.Hash: return 1 + 2 * length;
    default: return 1;
  }
}

function noPayload(_node: BlockIndex): void {}
