import type { CheckWalk } from './check.ts';
import type { BlockIndex } from './ids.ts';
import type { ValueType } from './object.ts';

/** Per-type content checks for aggregate values; each type module registers its checker. */
export type ValueChecker = (walk: CheckWalk, value: BlockIndex, owner: string) => void;
const checkers = new Map<ValueType, ValueChecker>();

export function registerValueChecker(type: ValueType, checker: ValueChecker): void {
  checkers.set(type, checker);
}

export function checkValueContents(walk: CheckWalk, value: BlockIndex, type: ValueType, owner: string): void {
  const checker = checkers.get(type);
  if (checker === undefined) walk.report('ValueHeader', `${owner}: no checker for type ${type}`);
  else checker(walk, value, owner);
}
