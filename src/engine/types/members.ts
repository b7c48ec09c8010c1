import type { Core } from '../core.ts';
import { compareKeyWithEntry, entryScore, findEntryByKey } from '../entry.ts';
import { identityResolver, NULL_BLOCK, type BlockIndex, type BlockResolver } from '../ids.ts';
import { setValueWord, valueWord, VALUE_LENGTH_WORD } from '../object.ts';
import type { NodeComparator } from '../tree.ts';

/**
 * Trees of members inside a value (hash fields, set members, zset entries), rooted at a word of the
 * value header. Every write here goes through the write hook: the dump reads a value's own trees
 * as they were at its start, through the resolver.
 */
export function memberComparator(core: Core, member: Uint8Array, resolve: BlockResolver = identityResolver): NodeComparator {
  const store = core.store;
  return (node) => compareKeyWithEntry(store, member, node, resolve);
}

/** (score, member) order of the sorted-set score tree. */
export function scoreComparator(core: Core, score: number, member: Uint8Array, resolve: BlockResolver = identityResolver): NodeComparator {
  const store = core.store;
  return (node) => {
    const nodeScore = entryScore(store, node, resolve);
    if (score !== nodeScore) return score < nodeScore ? -1 : 1;
    return compareKeyWithEntry(store, member, node, resolve);
  };
}

export function findMember(core: Core, value: BlockIndex, rootWord: number, member: Uint8Array, resolve: BlockResolver = identityResolver): BlockIndex {
  if (resolve === identityResolver) {
    const search = core.memberSearch;
    search.depth = 0;
    const node = findEntryByKey(core.store, valueWord(core.store, value, rootWord), member, search);
    search.holder = node === NULL_BLOCK ? value * 8 + rootWord : -1;
    search.member = member;
    search.recordedVersion = search.version;
    return node;
  }
  return core.valueTree.find(valueWord(core.store, value, rootWord, resolve), memberComparator(core, member, resolve), resolve);
}

/**
 * Links a new node into the tree at `rootWord`. When `member` is the subject of the last failed
 * findMember on this tree with no tree change since, the recorded descent is reused.
 */
export function insertMember(core: Core, value: BlockIndex, rootWord: number, node: BlockIndex, compare: NodeComparator, member?: Uint8Array): void {
  const search = core.memberSearch;
  let root: BlockIndex;
  if (member !== undefined && search.member === member && search.holder === value * 8 + rootWord && search.recordedVersion === search.version) {
    core.valueTree.resetLinks(node);
    root = core.valueTree.linkAlongPath(search.nodes, search.sides, search.depth, node);
  } else {
    root = core.valueTree.insert(valueWord(core.store, value, rootWord), node, compare);
  }
  search.version++;
  core.store.beforeBlockWrite(value);
  setValueWord(core.store, value, rootWord, root);
}

/** Unlinks the matching node (returned, not released) or returns 0. */
export function removeMember(core: Core, value: BlockIndex, rootWord: number, compare: NodeComparator): BlockIndex {
  const root = core.valueTree.remove(valueWord(core.store, value, rootWord), compare);
  const removed = core.valueTree.lastRemoved;
  core.memberSearch.version++;
  if (removed !== NULL_BLOCK) {
    core.store.beforeBlockWrite(value);
    setValueWord(core.store, value, rootWord, root);
  }
  return removed;
}

export function addToLength(core: Core, value: BlockIndex, delta: number): number {
  const length = valueWord(core.store, value, VALUE_LENGTH_WORD) + delta;
  core.store.beforeBlockWrite(value);
  setValueWord(core.store, value, VALUE_LENGTH_WORD, length);
  return length;
}

export function collectNodes(core: Core, root: BlockIndex, resolve: BlockResolver = identityResolver): BlockIndex[] {
  const nodes: BlockIndex[] = [];
  core.valueTree.forEachFrom(root, 0, (node) => (nodes.push(node), true), resolve);
  return nodes;
}

/** An upper bound on existing blocks one insert or removal writes in a tree of `count` nodes (path + rotations + header). */
export function treeWriteBound(count: number): number {
  return 2 * (Math.ceil(1.45 * Math.log2(count + 2)) + 2) + 4;
}
