import { BLOCKS_PER_GROUP, H, HEADER_BYTES, ARENA_MAGIC, LAYOUT_VERSION, META_BYTES_PER_BLOCK, DATABASE_COUNT } from './arena.ts';
import { CHAIN_NEXT_WORD } from './blob.ts';
import type { Core } from './core.ts';
import { ENTRY_KEY_CHAIN_WORD, ENTRY_KEY_LENGTH_WORD, entryInlineCapacity, readEntryKey, entryScore } from './entry.ts';
import { NULL_BLOCK, type BlockIndex } from './ids.ts';
import { EXPIRY_NODE_WORD } from './expires.ts';
import { Encoding, valueExpireAtMs, valueEncoding, valueLength, valueRefcount, valueType, ValueType, valueWord, VALUE_FIRST_WORD } from './object.ts';
import { NODE_COUNT, NODE_HEIGHT, NODE_LEFT, NODE_RIGHT } from './tree.ts';
import { checkValueContents } from './check-values.ts';

/** Names of the whole-buffer invariants (the spec's names where the spec has one). */
export type InvariantName =
  | 'HeaderSane' | 'CountsAddUp' | 'NoLeak' | 'NoDoubleFree' | 'NoUseAfterFree' | 'ReachableOnce'
  | 'FreeListAcyclic' | 'TreeBalanced' | 'TreeCounts' | 'TreeOrdered' | 'ChainEnds' | 'ValueHeader'
  | 'ValueContents' | 'CopiesWithinBound' | 'ExpiresIndexed';

export interface Violation {
  name: InvariantName;
  detail: string;
}

export class CheckError extends Error {
  constructor(readonly violations: Violation[]) {
    super(`check failed: ${violations.slice(0, 8).map((v) => `${v.name}: ${v.detail}`).join('; ')}${violations.length > 8 ? ` (+${violations.length - 8} more)` : ''}`);
    this.name = 'CheckError';
  }
}

const UNSEEN = 0;
const FREE = 1;
const LIVE = 2;

/** The walk's shared state: which block was reached how, and what went wrong. */
export class CheckWalk {
  readonly marks: Uint8Array;
  readonly violations: Violation[] = [];
  liveReached = 0;
  copiesReached = 0;

  constructor(readonly core: Core) {
    this.marks = new Uint8Array(core.store.arena.blockCount);
  }

  report(name: InvariantName, detail: string): void {
    if (this.violations.length < 1000) this.violations.push({ name, detail });
  }

  /** Marks a block as reached from a root; false (and a violation) if it cannot be used. */
  claim(blockIndex: BlockIndex, owner: string): boolean {
    if (blockIndex === NULL_BLOCK || blockIndex >= this.marks.length) {
      this.report('ReachableOnce', `${owner} links invalid block ${blockIndex}`);
      return false;
    }
    const mark = this.marks[blockIndex]!;
    if (mark === FREE) {
      this.report('NoUseAfterFree', `${owner} links block ${blockIndex}, which is on the free list`);
      return false;
    }
    if (mark === LIVE) {
      this.report('ReachableOnce', `block ${blockIndex} is reached twice (again from ${owner})`);
      return false;
    }
    this.marks[blockIndex] = LIVE;
    this.liveReached++;
    return true;
  }

  /** Marks a dump copy (counted apart from live blocks). */
  claimCopy(blockIndex: BlockIndex, owner: string): boolean {
    if (!this.claim(blockIndex, owner)) return false;
    this.liveReached--;
    this.copiesReached++;
    return true;
  }

  /** Claims a chain's blocks; returns how many there were. */
  claimChain(head: BlockIndex, owner: string): number {
    const arena = this.core.store.arena;
    let blocks = 0;
    for (let blockIndex = head; blockIndex !== NULL_BLOCK; blocks++) {
      if (!this.claim(blockIndex, owner)) {
        this.report('ChainEnds', `${owner}'s chain stops at a bad block`);
        return blocks;
      }
      blockIndex = arena.u32[arena.blockWord(blockIndex) + CHAIN_NEXT_WORD]! as BlockIndex;
    }
    return blocks;
  }

  /** Claims an entry node's key chain and checks its length. */
  claimEntryKey(node: BlockIndex, owner: string): void {
    const store = this.core.store;
    const word = store.arena.blockWord(node);
    const length = store.arena.u32[word + ENTRY_KEY_LENGTH_WORD]!;
    const chain = store.arena.u32[word + ENTRY_KEY_CHAIN_WORD]! as BlockIndex;
    const inline = length <= entryInlineCapacity(store);
    if (inline !== (chain === NULL_BLOCK)) this.report('ValueHeader', `${owner}: key of ${length} bytes stored ${chain === NULL_BLOCK ? 'inline' : 'in a chain'}`);
    if (chain !== NULL_BLOCK) {
      const blocks = this.claimChain(chain, `${owner} key`);
      if (blocks !== Math.ceil(length / store.chainDataBytes)) this.report('ChainEnds', `${owner}: key chain of ${blocks} blocks for ${length} bytes`);
    }
  }

  /**
   * Claims and verifies an AVL tree (balance, subtree counts, strict order by `compare` of
   * consecutive nodes); visits nodes in order. Returns the node count.
   */
  claimTree(root: BlockIndex, owner: string, compare: (previous: BlockIndex, next: BlockIndex) => number, visit: (node: BlockIndex) => void): number {
    const arena = this.core.store.arena;
    let previous: BlockIndex = NULL_BLOCK;
    const walk = (node: BlockIndex, depth: number): { height: number; count: number } => {
      if (node === NULL_BLOCK) return { height: 0, count: 0 };
      if (depth > 64 || !this.claim(node, owner)) return { height: 0, count: 0 };
      const word = arena.blockWord(node);
      const left = walk(arena.u32[word + NODE_LEFT]! as BlockIndex, depth + 1);
      if (previous !== NULL_BLOCK && compare(previous, node) >= 0) this.report('TreeOrdered', `${owner}: node ${node} does not sort after node ${previous}`);
      previous = node;
      visit(node);
      const right = walk(arena.u32[word + NODE_RIGHT]! as BlockIndex, depth + 1);
      const height = 1 + Math.max(left.height, right.height);
      const count = 1 + left.count + right.count;
      if (Math.abs(left.height - right.height) > 1) this.report('TreeBalanced', `${owner}: node ${node} has subtree heights ${left.height} and ${right.height}`);
      if (arena.u32[word + NODE_HEIGHT] !== height) this.report('TreeBalanced', `${owner}: node ${node} records height ${arena.u32[word + NODE_HEIGHT]}, actual ${height}`);
      if (arena.u32[word + NODE_COUNT] !== count) this.report('TreeCounts', `${owner}: node ${node} records count ${arena.u32[word + NODE_COUNT]}, actual ${count}`);
      return { height, count };
    };
    return walk(root, 0).count;
  }

  keyOrder = (previous: BlockIndex, next: BlockIndex): number => {
    const store = this.core.store;
    return compareBytes(readEntryKey(store, previous), readEntryKey(store, next));
  };

  scoreOrder = (previous: BlockIndex, next: BlockIndex): number => {
    const store = this.core.store;
    const difference = entryScore(store, previous) - entryScore(store, next);
    return difference !== 0 ? difference : this.keyOrder(previous, next);
  };
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const VALID_ENCODINGS: Record<ValueType, readonly Encoding[]> = {
  [ValueType.String]: [Encoding.Raw, Encoding.Int, Encoding.EmbStr],
  [ValueType.List]: [Encoding.ListPack, Encoding.QuickList],
  [ValueType.Set]: [Encoding.IntSet, Encoding.ListPack, Encoding.HashTable],
  [ValueType.ZSet]: [Encoding.ListPack, Encoding.SkipList],
  [ValueType.Hash]: [Encoding.ListPack, Encoding.HashTable],
};

function checkHeader(walk: CheckWalk): boolean {
  const arena = walk.core.store.arena;
  const u32 = arena.u32;
  const problems: string[] = [];
  if (u32[H.magic] !== ARENA_MAGIC) problems.push('bad magic');
  if (u32[H.layoutVersion] !== LAYOUT_VERSION) problems.push('bad layout version');
  const blockSize = u32[H.blockSizeBytes]!;
  if (blockSize % 8 !== 0 || blockSize < 64) problems.push(`block size ${blockSize}`);
  if (u32[H.blocksPerGroup] !== BLOCKS_PER_GROUP) problems.push('blocks per group');
  if (u32[H.headerBytes] !== HEADER_BYTES) problems.push('header bytes');
  if (u32[H.groupBytes] !== BLOCKS_PER_GROUP * (blockSize + META_BYTES_PER_BLOCK)) problems.push('group bytes');
  if (u32[H.databaseCount] !== DATABASE_COUNT) problems.push('database count');
  const blockCount = u32[H.blockCount]!;
  if (blockCount % BLOCKS_PER_GROUP !== 0 || blockCount > u32[H.blockCountMax]!) problems.push(`block count ${blockCount}`);
  if (HEADER_BYTES + (blockCount / BLOCKS_PER_GROUP) * u32[H.groupBytes]! > arena.sab.byteLength) problems.push('buffer shorter than block count');
  const nextUnused = u32[H.nextUnusedBlock]!;
  if (nextUnused < 1 || nextUnused > blockCount) problems.push(`next unused block ${nextUnused}`);
  for (const problem of problems) walk.report('HeaderSane', problem);
  return problems.length === 0;
}

function checkFreeList(walk: CheckWalk): number {
  const arena = walk.core.store.arena;
  const nextUnused = arena.u32[H.nextUnusedBlock]!;
  let length = 0;
  for (let blockIndex = arena.u32[H.freeHead]! as BlockIndex; blockIndex !== NULL_BLOCK; length++) {
    if (blockIndex >= nextUnused) {
      walk.report('FreeListAcyclic', `free list holds block ${blockIndex}, never handed out`);
      break;
    }
    if (walk.marks[blockIndex] === FREE) {
      walk.report('NoDoubleFree', `block ${blockIndex} is on the free list twice (or the list has a cycle)`);
      break;
    }
    walk.marks[blockIndex] = FREE;
    blockIndex = arena.u32[arena.blockWord(blockIndex)]! as BlockIndex;
  }
  return length;
}

export function checkValue(walk: CheckWalk, value: BlockIndex, owner: string): void {
  const store = walk.core.store;
  if (!walk.claim(value, owner)) return;
  const type = valueType(store, value);
  const encodings = VALID_ENCODINGS[type];
  if (encodings === undefined) {
    walk.report('ValueHeader', `${owner}: unknown type ${type}`);
    return;
  }
  if (!encodings.includes(valueEncoding(store, value))) walk.report('ValueHeader', `${owner}: encoding ${valueEncoding(store, value)} for type ${type}`);
  if (valueRefcount(store, value) !== 1) walk.report('ValueHeader', `${owner}: refcount ${valueRefcount(store, value)}`);
  if (type === ValueType.String) {
    const length = valueLength(store, value);
    const beyondInline = length - (store.arena.blockSizeBytes - 24);
    const expected = beyondInline > 0 ? Math.ceil(beyondInline / store.chainDataBytes) : 0;
    const blocks = walk.claimChain(valueWord(store, value, VALUE_FIRST_WORD), `${owner} bytes`);
    if (blocks !== expected) walk.report('ChainEnds', `${owner}: string of ${length} bytes has ${blocks} chain blocks, expected ${expected}`);
    return;
  }
  checkValueContents(walk, value, type, owner);
}

/** Claims a keyspace tree (a live database, or one a dump or the lazy freer holds). */
export function checkKeyspaceTree(walk: CheckWalk, root: BlockIndex, owner: string): void {
  walk.claimTree(root, owner, walk.keyOrder, (node) => checkKeyspaceEntry(walk, node, `${owner} node ${node}`));
}

export function checkKeyspaceEntry(walk: CheckWalk, node: BlockIndex, owner: string): void {
  walk.claimEntryKey(node, owner);
  checkValue(walk, walk.core.keyspace.valueOf(node), `${owner} value`);
}

/**
 * ExpiresIndexed: the database's expiry index holds exactly the keys in `withTtl` (keyspace node ->
 * the value header's expiry), each once and with the same deadline, in (deadline, node) order; its
 * blocks are claimed like every other block, so a leaked or shared index node is found too.
 */
function checkExpiryIndex(walk: CheckWalk, db: number, withTtl: Map<BlockIndex, number>): void {
  const expires = walk.core.keyspace.expires;
  const owner = `db ${db} expiry index`;
  const order = (previous: BlockIndex, next: BlockIndex): number =>
    expires.expireAtOf(previous) - expires.expireAtOf(next) || expires.keyNodeOf(previous) - expires.keyNodeOf(next);
  walk.claimTree(expires.root(db), owner, order, (indexNode) => {
    const keyNode = walk.core.store.arena.u32[walk.core.store.arena.blockWord(indexNode) + EXPIRY_NODE_WORD]! as BlockIndex;
    const indexedMs = expires.expireAtOf(indexNode);
    const headerMs = withTtl.get(keyNode);
    if (headerMs === undefined) walk.report('ExpiresIndexed', `${owner}: node ${indexNode} indexes key node ${keyNode}, which is not a key with a TTL in db ${db} (or is indexed twice)`);
    else if (headerMs !== indexedMs) walk.report('ExpiresIndexed', `${owner}: key node ${keyNode} indexed at ${indexedMs}, its value expires at ${headerMs}`);
    withTtl.delete(keyNode);
  });
  for (const [keyNode, expireAtMs] of withTtl) walk.report('ExpiresIndexed', `${owner}: key node ${keyNode} expires at ${expireAtMs} but is not indexed`);
}

/** Walks the whole buffer; returns every violation found (empty when the arena is sound). */
export function check(core: Core): Violation[] {
  const walk = new CheckWalk(core);
  if (!checkHeader(walk)) return walk.violations;
  const arena = core.store.arena;
  const u32 = arena.u32;
  const freeListLength = checkFreeList(walk);
  for (let db = 0; db < DATABASE_COUNT; db++) {
    const root = u32[H.dbRoots + db]! as BlockIndex;
    const withTtl = new Map<BlockIndex, number>();
    walk.claimTree(root, `db ${db} keyspace`, walk.keyOrder, (node) => {
      walk.claimEntryKey(node, `db ${db} key node ${node}`);
      const value = core.keyspace.valueOf(node);
      checkValue(walk, value, `db ${db} value of node ${node}`);
      const expireAtMs = valueExpireAtMs(core.store, value);
      if (expireAtMs !== 0) withTtl.set(node, expireAtMs);
    });
    checkExpiryIndex(walk, db, withTtl);
  }
  // Blocks held outside the keyspace (the dump's copies and kept blocks, the lazy-free queue).
  for (const extension of core.checkExtensions) extension(walk);
  const blockCount = u32[H.blockCount]!;
  const nextUnused = u32[H.nextUnusedBlock]!;
  let leaked = 0;
  for (let blockIndex = 1; blockIndex < nextUnused; blockIndex++) {
    if (walk.marks[blockIndex] === UNSEEN) {
      if (leaked < 10) walk.report('NoLeak', `block ${blockIndex} is neither free nor reachable`);
      leaked++;
    }
  }
  if (leaked > 10) walk.report('NoLeak', `${leaked} blocks leaked in total`);
  const free = u32[H.freeBlocks]!;
  const live = u32[H.liveBlocks]!;
  const queued = u32[H.lazyQueuedBlocks]!;
  const copies = u32[H.dumpCopyBlocks]!;
  if (free !== freeListLength + (blockCount - nextUnused)) walk.report('CountsAddUp', `freeBlocks ${free} but ${freeListLength} listed + ${blockCount - nextUnused} never used`);
  if (live !== walk.liveReached) walk.report('CountsAddUp', `liveBlocks ${live} but ${walk.liveReached} reachable`);
  if (copies !== walk.copiesReached) walk.report('CountsAddUp', `dumpCopyBlocks ${copies} but ${walk.copiesReached} copies held`);
  if (free + live + queued + copies !== blockCount - 1) walk.report('CountsAddUp', `free ${free} + live ${live} + queued ${queued} + copies ${copies} != ${blockCount - 1}`);
  return walk.violations;
}

export function assertCheck(core: Core): void {
  const violations = check(core);
  if (violations.length > 0) throw new CheckError(violations);
}
