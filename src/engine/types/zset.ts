import type { CheckWalk } from '../check.ts';
import { compareBytes } from '../check.ts';
import { registerValueChecker } from '../check-values.ts';
import type { Core } from '../core.ts';
import { createEntry, entryBlocksFor, entryScore, readEntryKey, releaseEntry, setEntryScore } from '../entry.ts';
import type { BlockIndex } from '../ids.ts';
import { valueLength, valueWord, ValueType, VALUE_FIRST_WORD, VALUE_SECOND_WORD } from '../object.ts';
import { collectNodes, insertMember, memberComparator, removeMember, scoreComparator } from './members.ts';

/**
 * A sorted set: two trees holding the same members, each node with the score at byte 24.
 * VALUE_FIRST_WORD roots the tree ordered by (score, member) (rank, range by score);
 * VALUE_SECOND_WORD roots the tree ordered by member (ZSCORE, membership, ZSCAN).
 */
export const ZSET_SCORE_ROOT_WORD = VALUE_FIRST_WORD;
export const ZSET_MEMBER_ROOT_WORD = VALUE_SECOND_WORD;

export function zsetEntryBlocksFor(core: Core, member: Uint8Array): number {
  return 2 * entryBlocksFor(core.store, member.length);
}

export function insertZsetEntry(core: Core, value: BlockIndex, member: Uint8Array, score: number): void {
  const byMember = createEntry(core.store, member);
  setEntryScore(core.store, byMember, score);
  const byScore = createEntry(core.store, member);
  setEntryScore(core.store, byScore, score);
  insertMember(core, value, ZSET_MEMBER_ROOT_WORD, byMember, memberComparator(core, member), member);
  insertMember(core, value, ZSET_SCORE_ROOT_WORD, byScore, scoreComparator(core, score, member));
}

/** Moves a member to a new score: the score node is unlinked, updated and relinked (same block). */
export function updateZsetScore(core: Core, value: BlockIndex, byMember: BlockIndex, member: Uint8Array, score: number): void {
  const oldScore = entryScore(core.store, byMember);
  const byScore = removeMember(core, value, ZSET_SCORE_ROOT_WORD, scoreComparator(core, oldScore, member));
  core.store.beforeBlockWrite(byMember);
  setEntryScore(core.store, byMember, score);
  core.store.beforeBlockWrite(byScore);
  setEntryScore(core.store, byScore, score);
  insertMember(core, value, ZSET_SCORE_ROOT_WORD, byScore, scoreComparator(core, score, member));
}

export function removeZsetEntry(core: Core, value: BlockIndex, byMember: BlockIndex, member: Uint8Array): void {
  const score = entryScore(core.store, byMember);
  removeMember(core, value, ZSET_MEMBER_ROOT_WORD, memberComparator(core, member));
  const byScore = removeMember(core, value, ZSET_SCORE_ROOT_WORD, scoreComparator(core, score, member));
  releaseEntry(core.store, byMember);
  releaseEntry(core.store, byScore);
}

export function releaseZset(core: Core, value: BlockIndex): void {
  const nodes = [...collectNodes(core, valueWord(core.store, value, ZSET_SCORE_ROOT_WORD)), ...collectNodes(core, valueWord(core.store, value, ZSET_MEMBER_ROOT_WORD))];
  for (const node of nodes) releaseEntry(core.store, node);
  core.store.releaseBlock(value);
}

function checkZset(walk: CheckWalk, value: BlockIndex, owner: string): void {
  const store = walk.core.store;
  const byScore: [Uint8Array, number][] = [];
  const byMember = new Map<string, number>();
  const scoreCount = walk.claimTree(valueWord(store, value, ZSET_SCORE_ROOT_WORD), `${owner} by score`, walk.scoreOrder, (node) => {
    walk.claimEntryKey(node, `${owner} score node ${node}`);
    byScore.push([readEntryKey(store, node), entryScore(store, node)]);
  });
  const memberCount = walk.claimTree(valueWord(store, value, ZSET_MEMBER_ROOT_WORD), `${owner} by member`, walk.keyOrder, (node) => {
    walk.claimEntryKey(node, `${owner} member node ${node}`);
    byMember.set(Buffer.from(readEntryKey(store, node)).toString('hex'), entryScore(store, node));
  });
  if (scoreCount !== memberCount || scoreCount !== valueLength(store, value)) {
    walk.report('ValueHeader', `${owner}: length ${valueLength(store, value)}, ${scoreCount} by score, ${memberCount} by member`);
  }
  for (const [member, score] of byScore) {
    const other = byMember.get(Buffer.from(member).toString('hex'));
    if (other === undefined || !Object.is(other, score)) walk.report('ValueContents', `${owner}: member trees disagree on a member's score`);
  }
  if (scoreCount === 0) walk.report('ValueHeader', `${owner}: empty sorted set stored`);
}

registerValueChecker(ValueType.ZSet, checkZset);
export { compareBytes };
