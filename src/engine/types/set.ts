import type { CheckWalk } from '../check.ts';
import { registerValueChecker } from '../check-values.ts';
import type { Core } from '../core.ts';
import { releaseEntry } from '../entry.ts';
import type { BlockIndex } from '../ids.ts';
import { valueLength, valueWord, ValueType, VALUE_FIRST_WORD } from '../object.ts';
import { collectNodes } from './members.ts';

/** A set: a tree of member nodes rooted at VALUE_FIRST_WORD. */
export const SET_ROOT_WORD = VALUE_FIRST_WORD;

export function releaseSet(core: Core, value: BlockIndex): void {
  for (const node of collectNodes(core, valueWord(core.store, value, SET_ROOT_WORD))) releaseEntry(core.store, node);
  core.store.releaseBlock(value);
}

function checkSet(walk: CheckWalk, value: BlockIndex, owner: string): void {
  const store = walk.core.store;
  const count = walk.claimTree(valueWord(store, value, SET_ROOT_WORD), `${owner} members`, walk.keyOrder, (node) => {
    walk.claimEntryKey(node, `${owner} member ${node}`);
  });
  if (count !== valueLength(store, value)) walk.report('ValueHeader', `${owner}: length ${valueLength(store, value)} but ${count} members`);
  if (count === 0) walk.report('ValueHeader', `${owner}: empty set stored`);
}

registerValueChecker(ValueType.Set, checkSet);
