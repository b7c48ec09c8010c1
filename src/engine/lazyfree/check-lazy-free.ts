import { CHAIN_NEXT_WORD } from '../blob.ts';
import type { CheckWalk } from '../check.ts';
import { ENTRY_AUX_WORD, ENTRY_KEY_CHAIN_WORD } from '../entry.ts';
import { NULL_BLOCK, type BlockIndex } from '../ids.ts';
import { VALUE_FIRST_WORD, VALUE_SECOND_WORD, ValueType } from '../object.ts';
import { NODE_LEFT, NODE_RIGHT } from '../tree.ts';
import { decodeNode, LIST_NEXT_WORD } from '../types/list.ts';
import { ItemKind, type LazyFreeQueue } from './queue.ts';

/**
 * check() for the lazy-free queue: every queued block is claimed once (NoLeak, NoDoubleFree,
 * NoUseAfterFree). Queued trees may be half rotated by a FreeStep, so only links are followed,
 * never balance or order.
 */
export function checkLazyFreeQueue(walk: CheckWalk, queue: LazyFreeQueue): void {
  queue.forEachItem((item, kind) => {
    if (kind === ItemKind.Value) claimDetachedValue(walk, item, `queued value ${item}`);
    else if (kind === ItemKind.ExpiryTree) claimTreeNodes(walk, item, `queued expiry index ${item}`, () => {});
    else claimTreeNodes(walk, item, `queued keyspace tree ${item}`, (node) => {
      claimChain(walk, u32(walk, node, ENTRY_KEY_CHAIN_WORD), `queued key ${node}`);
      claimDetachedValue(walk, u32(walk, node, ENTRY_AUX_WORD), `queued value of ${node}`);
    });
  });
}

function u32(walk: CheckWalk, blockIndex: BlockIndex, word: number): BlockIndex {
  const arena = walk.core.store.arena;
  return arena.u32[arena.blockWord(blockIndex) + word]! as BlockIndex;
}

function claimChain(walk: CheckWalk, head: BlockIndex, owner: string): void {
  for (let blockIndex = head; blockIndex !== NULL_BLOCK; blockIndex = u32(walk, blockIndex, CHAIN_NEXT_WORD)) {
    if (!walk.claim(blockIndex, owner)) return;
  }
}

function claimTreeNodes(walk: CheckWalk, root: BlockIndex, owner: string, payload: (node: BlockIndex) => void): void {
  const stack = root === NULL_BLOCK ? [] : [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!walk.claim(node, owner)) continue;
    payload(node);
    for (const side of [NODE_LEFT, NODE_RIGHT]) {
      const child = u32(walk, node, side);
      if (child !== NULL_BLOCK) stack.push(child);
    }
  }
}

function claimDetachedValue(walk: CheckWalk, value: BlockIndex, owner: string): void {
  if (!walk.claim(value, owner)) return;
  const store = walk.core.store;
  const type = (store.arena.u8[store.arena.blockByteOffset(value)]! & 0xf) as ValueType;
  if (type === ValueType.String) return claimChain(walk, u32(walk, value, VALUE_FIRST_WORD), `${owner} bytes`);
  if (type === ValueType.List) {
    for (let node = u32(walk, value, VALUE_FIRST_WORD); node !== NULL_BLOCK; node = u32(walk, node, LIST_NEXT_WORD)) {
      if (!walk.claim(node, `${owner} list node`)) return;
      for (const entry of decodeNode(store, node)) if (entry.inline === null) claimChain(walk, entry.chain, `${owner} element`);
    }
    return;
  }
  const roots = type === ValueType.ZSet ? [VALUE_FIRST_WORD, VALUE_SECOND_WORD] : [VALUE_FIRST_WORD];
  for (const rootWord of roots) {
    claimTreeNodes(walk, u32(walk, value, rootWord), `${owner} tree`, (node) => {
      claimChain(walk, u32(walk, node, ENTRY_KEY_CHAIN_WORD), `${owner} member key`);
      if (type === ValueType.Hash) claimChain(walk, u32(walk, node, ENTRY_AUX_WORD), `${owner} field value`);
    });
  }
}
