import { checkKeyspaceEntry, checkKeyspaceTree, checkValue, type CheckWalk } from '../check.ts';
import type { Dumper } from './dumper.ts';

/**
 * check() for a running dump: copies are claimed as copies (CopiesWithinBound's accounting), and every
 * block the writer let go of that the dump still reads (spec DumpHeld) as held, once. The copies found
 * in the blocks' metadata must be exactly the ones the dump counts.
 */
export function checkDumpHeld(walk: CheckWalk, dumper: Dumper): void {
  const { copiesHeld, copyBound } = dumper.counters();
  if (copiesHeld > copyBound) walk.report('CopiesWithinBound', `the dump holds ${copiesHeld} copies, more than its bound ${copyBound}`);
  let copiesFound = 0;
  dumper.forEachHeld({
    copy: (blockIndex) => {
      copiesFound++;
      walk.claimCopy(blockIndex, `dump copy ${blockIndex}`);
    },
    block: (blockIndex) => void walk.claim(blockIndex, `block ${blockIndex} held by the dump`),
    entry: (node) => {
      if (walk.claim(node, `entry ${node} held by the dump`)) checkKeyspaceEntry(walk, node, `entry ${node} held by the dump`);
    },
    tree: (root) => checkKeyspaceTree(walk, root, `keyspace tree ${root} held by the dump`),
    value: (value) => checkValue(walk, value, `value ${value} held by the dump`),
  });
  if (copiesFound !== copiesHeld) walk.report('CountsAddUp', `blocks link ${copiesFound} dump copies but the dump counts ${copiesHeld}`);
}
