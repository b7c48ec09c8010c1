import { assert } from './errors.ts';
import { identityResolver, NULL_BLOCK, type BlockIndex, type BlockResolver } from './ids.ts';
import type { BlockStore } from './store.ts';

/**
 * An order-statistic AVL tree whose nodes are blocks. Node words 0..3: left, right, subtree count,
 * height; the payload (bytes 16..) belongs to the user of the tree. A removal relinks nodes and never
 * moves one entry's payload into another node, so a node is an entry's identity for its whole life
 * (the dump relies on this). Insert, remove, find, rank and select are O(log n); height <= 1.44 log2 n.
 *
 * `touchStructure` is called before a node's links/count/height change: the keyspace passes a no-op
 * (the dump iterates the live keyspace tree), value trees pass the store's write hook.
 */
export const NODE_LEFT = 0;
export const NODE_RIGHT = 1;
export const NODE_COUNT = 2;
export const NODE_HEIGHT = 3;
export const NODE_PAYLOAD_BYTE = 16;

/** Probe versus node: negative when the probe sorts before the node, 0 when equal. */
export type NodeComparator = (node: BlockIndex) => number;

export class BlockTree {
  private removed: BlockIndex = NULL_BLOCK;
  private readonly path = new Uint32Array(64);
  private readonly sides = new Uint8Array(64);
  private minimum: BlockIndex = NULL_BLOCK;

  constructor(
    private readonly store: BlockStore,
    private readonly touchStructure: (blockIndex: BlockIndex) => void,
  ) {}

  private word(node: BlockIndex): number {
    return this.store.arena.blockWord(node);
  }

  left(node: BlockIndex, resolve: BlockResolver = identityResolver): BlockIndex {
    return this.store.arena.u32[this.word(resolve(node)) + NODE_LEFT]! as BlockIndex;
  }

  right(node: BlockIndex, resolve: BlockResolver = identityResolver): BlockIndex {
    return this.store.arena.u32[this.word(resolve(node)) + NODE_RIGHT]! as BlockIndex;
  }

  count(node: BlockIndex, resolve: BlockResolver = identityResolver): number {
    return node === NULL_BLOCK ? 0 : this.store.arena.u32[this.word(resolve(node)) + NODE_COUNT]!;
  }

  height(node: BlockIndex): number {
    return node === NULL_BLOCK ? 0 : this.store.arena.u32[this.word(node) + NODE_HEIGHT]!;
  }

  /** Links a freshly allocated node (payload already written) into the tree; returns the new root. */
  insert(root: BlockIndex, newNode: BlockIndex, compare: NodeComparator): BlockIndex {
    const arena = this.store.arena;
    const u32 = arena.u32;
    const word = arena.blockWord(newNode);
    u32[word + NODE_LEFT] = 0;
    u32[word + NODE_RIGHT] = 0;
    u32[word + NODE_COUNT] = 1;
    u32[word + NODE_HEIGHT] = 1;
    // Iterative descent recording the path, then bottom-up relinking and rebalancing.
    const path = this.path;
    const sides = this.sides;
    let depth = 0;
    for (let node = root; node !== NULL_BLOCK; depth++) {
      assert(depth < 64, 'tree deeper than an AVL tree can be');
      const order = compare(node);
      assert(order !== 0, 'insert of a key already in the tree');
      const side = order < 0 ? NODE_LEFT : NODE_RIGHT;
      path[depth] = node;
      sides[depth] = side;
      node = u32[arena.blockWord(node) + side]! as BlockIndex;
    }
    return this.linkAlongPath(path, sides, depth, newNode);
  }

  /**
   * Links a fresh node below the last node of a recorded descent (root first) and rebalances up to
   * the root; returns the new root. The path must come from a search of the same tree with no
   * structural change since.
   */
  linkAlongPath(path: Uint32Array, sides: Uint8Array, depth: number, newNode: BlockIndex): BlockIndex {
    if (depth === 0) return newNode;
    const arena = this.store.arena;
    const u32 = arena.u32;
    let child = newNode;
    for (let i = depth - 1; i >= 0; i--) {
      const parent = path[i]! as BlockIndex;
      this.touchStructure(parent);
      const word = arena.blockWord(parent);
      const heightBefore = u32[word + NODE_HEIGHT]!;
      u32[word + sides[i]!] = child;
      child = this.rebalance(parent);
      if (child === parent && u32[word + NODE_HEIGHT] === heightBefore) {
        // This subtree kept its root and height: nothing above can rotate or change height, so the
        // ancestors only gain one node in their counts.
        for (let j = i - 1; j >= 0; j--) {
          const ancestor = path[j]! as BlockIndex;
          this.touchStructure(ancestor);
          u32[arena.blockWord(ancestor) + NODE_COUNT]!++;
        }
        return path[0]! as BlockIndex;
      }
    }
    return child;
  }

  /** Initializes a node's tree words as a leaf. */
  resetLinks(node: BlockIndex): void {
    const u32 = this.store.arena.u32;
    const word = this.store.arena.blockWord(node);
    u32[word + NODE_LEFT] = 0;
    u32[word + NODE_RIGHT] = 0;
    u32[word + NODE_COUNT] = 1;
    u32[word + NODE_HEIGHT] = 1;
  }

  /** Unlinks the node equal to the probe; returns the new root. `lastRemoved` is that node or 0. */
  remove(root: BlockIndex, compare: NodeComparator): BlockIndex {
    this.removed = NULL_BLOCK;
    return this.removeAt(root, compare, 0);
  }

  get lastRemoved(): BlockIndex {
    return this.removed;
  }

  private removeAt(node: BlockIndex, compare: NodeComparator, depth: number): BlockIndex {
    if (node === NULL_BLOCK) return NULL_BLOCK;
    assert(depth < 64, 'tree deeper than an AVL tree can be');
    const u32 = this.store.arena.u32;
    const word = this.word(node);
    const order = compare(node);
    if (order !== 0) {
      const side = order < 0 ? NODE_LEFT : NODE_RIGHT;
      const child = this.removeAt(u32[word + side]! as BlockIndex, compare, depth + 1);
      if (this.removed === NULL_BLOCK) return node;
      this.touchStructure(node);
      u32[word + side] = child;
      return this.rebalance(node);
    }
    this.removed = node;
    const left = u32[word + NODE_LEFT]! as BlockIndex;
    const right = u32[word + NODE_RIGHT]! as BlockIndex;
    if (left === NULL_BLOCK) return right;
    if (right === NULL_BLOCK) return left;
    const newRight = this.removeMinimum(right, 0);
    const successor = this.minimum;
    this.touchStructure(successor);
    const successorWord = this.word(successor);
    u32[successorWord + NODE_LEFT] = left;
    u32[successorWord + NODE_RIGHT] = newRight;
    return this.rebalance(successor);
  }

  private removeMinimum(node: BlockIndex, depth: number): BlockIndex {
    assert(depth < 64, 'tree deeper than an AVL tree can be');
    const u32 = this.store.arena.u32;
    const word = this.word(node);
    const left = u32[word + NODE_LEFT]! as BlockIndex;
    if (left === NULL_BLOCK) {
      this.minimum = node;
      return u32[word + NODE_RIGHT]! as BlockIndex;
    }
    this.touchStructure(node);
    u32[word + NODE_LEFT] = this.removeMinimum(left, depth + 1);
    return this.rebalance(node);
  }

  private update(node: BlockIndex): void {
    const arena = this.store.arena;
    const u32 = arena.u32;
    const word = arena.blockWord(node);
    const left = u32[word + NODE_LEFT]!;
    const right = u32[word + NODE_RIGHT]!;
    let leftHeight = 0;
    let rightHeight = 0;
    let count = 1;
    if (left !== NULL_BLOCK) {
      const leftWord = arena.blockWord(left as BlockIndex);
      leftHeight = u32[leftWord + NODE_HEIGHT]!;
      count += u32[leftWord + NODE_COUNT]!;
    }
    if (right !== NULL_BLOCK) {
      const rightWord = arena.blockWord(right as BlockIndex);
      rightHeight = u32[rightWord + NODE_HEIGHT]!;
      count += u32[rightWord + NODE_COUNT]!;
    }
    u32[word + NODE_HEIGHT] = 1 + (leftHeight > rightHeight ? leftHeight : rightHeight);
    u32[word + NODE_COUNT] = count;
  }

  private rebalance(node: BlockIndex): BlockIndex {
    this.update(node);
    const u32 = this.store.arena.u32;
    const word = this.word(node);
    const left = u32[word + NODE_LEFT]! as BlockIndex;
    const right = u32[word + NODE_RIGHT]! as BlockIndex;
    const balance = this.height(left) - this.height(right);
    if (balance > 1) {
      if (this.height(this.left(left)) < this.height(this.right(left))) {
        u32[word + NODE_LEFT] = this.rotateLeft(left);
      }
      return this.rotateRight(node);
    }
    if (balance < -1) {
      if (this.height(this.right(right)) < this.height(this.left(right))) {
        u32[word + NODE_RIGHT] = this.rotateRight(right);
      }
      return this.rotateLeft(node);
    }
    return node;
  }

  private rotateRight(node: BlockIndex): BlockIndex {
    const u32 = this.store.arena.u32;
    const pivot = this.left(node);
    this.touchStructure(node);
    this.touchStructure(pivot);
    u32[this.word(node) + NODE_LEFT] = this.right(pivot);
    this.update(node);
    u32[this.word(pivot) + NODE_RIGHT] = node;
    this.update(pivot);
    return pivot;
  }

  private rotateLeft(node: BlockIndex): BlockIndex {
    const u32 = this.store.arena.u32;
    const pivot = this.right(node);
    this.touchStructure(node);
    this.touchStructure(pivot);
    u32[this.word(node) + NODE_RIGHT] = this.left(pivot);
    this.update(node);
    u32[this.word(pivot) + NODE_LEFT] = node;
    this.update(pivot);
    return pivot;
  }

  find(root: BlockIndex, compare: NodeComparator, resolve: BlockResolver = identityResolver): BlockIndex {
    let node = root;
    for (let depth = 0; node !== NULL_BLOCK; depth++) {
      assert(depth < 64, 'tree deeper than an AVL tree can be');
      const order = compare(node);
      if (order === 0) return node;
      node = order < 0 ? this.left(node, resolve) : this.right(node, resolve);
    }
    return NULL_BLOCK;
  }

  /**
   * Number of nodes that sort before the probe (strict = false) or before-or-equal to it
   * (strict = true): the rank of the first node >= probe, or > probe.
   */
  rankOf(root: BlockIndex, compare: NodeComparator, strict = false, resolve: BlockResolver = identityResolver): number {
    let rank = 0;
    let node = root;
    for (let depth = 0; node !== NULL_BLOCK; depth++) {
      assert(depth < 64, 'tree deeper than an AVL tree can be');
      const order = compare(node);
      if (order < 0 || (order === 0 && !strict)) node = this.left(node, resolve);
      else {
        rank += this.count(this.left(node, resolve), resolve) + 1;
        node = this.right(node, resolve);
      }
    }
    return rank;
  }

  /** The node at 0-based rank, or 0 when out of range. */
  select(root: BlockIndex, rank: number, resolve: BlockResolver = identityResolver): BlockIndex {
    let node = root;
    let remaining = rank;
    for (let depth = 0; node !== NULL_BLOCK; depth++) {
      assert(depth < 64, 'tree deeper than an AVL tree can be');
      const leftCount = this.count(this.left(node, resolve), resolve);
      if (remaining < leftCount) node = this.left(node, resolve);
      else if (remaining === leftCount) return node;
      else {
        remaining -= leftCount + 1;
        node = this.right(node, resolve);
      }
    }
    return NULL_BLOCK;
  }

  /**
   * Visits nodes in order starting at 0-based rank `fromRank` until visit returns false.
   * O(log n + visited). Reads every block through `resolve`.
   */
  forEachFrom(root: BlockIndex, fromRank: number, visit: (node: BlockIndex) => boolean, resolve: BlockResolver = identityResolver): void {
    const stack: BlockIndex[] = [];
    let node = root;
    let remaining = fromRank;
    while (node !== NULL_BLOCK) {
      const leftCount = this.count(this.left(node, resolve), resolve);
      if (remaining < leftCount) {
        stack.push(node);
        node = this.left(node, resolve);
      } else if (remaining === leftCount) {
        stack.push(node);
        break;
      } else {
        remaining -= leftCount + 1;
        node = this.right(node, resolve);
      }
    }
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (!visit(current)) return;
      let child = this.right(current, resolve);
      while (child !== NULL_BLOCK) {
        stack.push(child);
        child = this.left(child, resolve);
      }
    }
  }

  /**
   * Visits nodes in reverse order (predecessors) starting at 0-based rank `fromRank` until visit
   * returns false. O(log n + visited). Reads every block through `resolve`.
   */
  forEachBackwardFrom(root: BlockIndex, fromRank: number, visit: (node: BlockIndex) => boolean, resolve: BlockResolver = identityResolver): void {
    if (fromRank < 0 || fromRank >= this.count(root, resolve)) return;
    const stack: BlockIndex[] = [];
    let node = root;
    let remaining = fromRank;
    while (node !== NULL_BLOCK) {
      const leftCount = this.count(this.left(node, resolve), resolve);
      if (remaining < leftCount) {
        node = this.left(node, resolve);
      } else if (remaining === leftCount) {
        stack.push(node);
        break;
      } else {
        stack.push(node); // this node and its left subtree come before the target: visited later
        remaining -= leftCount + 1;
        node = this.right(node, resolve);
      }
    }
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (!visit(current)) return;
      let child = this.left(current, resolve);
      while (child !== NULL_BLOCK) {
        stack.push(child);
        child = this.right(child, resolve);
      }
    }
  }

}
