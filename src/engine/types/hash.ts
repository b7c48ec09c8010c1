import { chainBlocksFor, readChain, releaseChain, writeNewChain } from '../blob.ts';
import type { CheckWalk } from '../check.ts';
import { registerValueChecker } from '../check-values.ts';
import type { Core } from '../core.ts';
import { createEntry, entryAux, entryAux2, entryBlocksFor, releaseEntry, setEntryAux } from '../entry.ts';
import { identityResolver, NULL_BLOCK, type BlockIndex, type BlockResolver } from '../ids.ts';
import { valueLength, valueWord, ValueType, VALUE_FIRST_WORD } from '../object.ts';
import { collectNodes, findMember, memberComparator, insertMember } from './members.ts';

/**
 * A hash: a tree of field nodes (VALUE_FIRST_WORD is the root). A field node's aux is the head of
 * the chain holding the field's value and aux2 the value's byte length.
 */
export const HASH_ROOT_WORD = VALUE_FIRST_WORD;

export function hashFieldBlocksFor(core: Core, field: Uint8Array, fieldValue: Uint8Array): number {
  return entryBlocksFor(core.store, field.length) + chainBlocksFor(core.store, fieldValue.length);
}

export function readFieldValue(core: Core, node: BlockIndex, resolve: BlockResolver = identityResolver): Uint8Array {
  const length = entryAux2(core.store, node, resolve);
  const out = new Uint8Array(length);
  readChain(core.store, entryAux(core.store, node, resolve) as BlockIndex, 0, length, out, 0, resolve);
  return out;
}

/** Adds a field known to be absent; the caller prepared hashFieldBlocksFor. */
export function insertField(core: Core, value: BlockIndex, field: Uint8Array, fieldValue: Uint8Array): void {
  const chain = writeNewChain(core.store, fieldValue);
  const node = createEntry(core.store, field);
  setEntryAux(core.store, node, chain, fieldValue.length);
  insertMember(core, value, HASH_ROOT_WORD, node, memberComparator(core, field), field);
}

/** Replaces an existing field's value: a new chain, the node repointed, the old chain released. */
export function replaceFieldValue(core: Core, node: BlockIndex, fieldValue: Uint8Array): void {
  const oldChain = entryAux(core.store, node) as BlockIndex;
  const chain = writeNewChain(core.store, fieldValue);
  core.store.beforeBlockWrite(node);
  setEntryAux(core.store, node, chain, fieldValue.length);
  releaseChain(core.store, oldChain);
}

export function releaseFieldNode(core: Core, node: BlockIndex): void {
  releaseChain(core.store, entryAux(core.store, node) as BlockIndex);
  releaseEntry(core.store, node);
}

export function findField(core: Core, value: BlockIndex, field: Uint8Array, resolve?: BlockResolver): BlockIndex {
  return findMember(core, value, HASH_ROOT_WORD, field, resolve);
}

export function releaseHash(core: Core, value: BlockIndex): void {
  for (const node of collectNodes(core, valueWord(core.store, value, HASH_ROOT_WORD))) releaseFieldNode(core, node);
  core.store.releaseBlock(value);
}

function checkHash(walk: CheckWalk, value: BlockIndex, owner: string): void {
  const store = walk.core.store;
  const count = walk.claimTree(valueWord(store, value, HASH_ROOT_WORD), `${owner} fields`, walk.keyOrder, (node) => {
    walk.claimEntryKey(node, `${owner} field ${node}`);
    const length = entryAux2(store, node);
    const blocks = walk.claimChain(entryAux(store, node) as BlockIndex, `${owner} field ${node} value`);
    if (blocks !== chainBlocksFor(store, length)) walk.report('ChainEnds', `${owner}: field value of ${length} bytes in ${blocks} blocks`);
  });
  if (count !== valueLength(store, value)) walk.report('ValueHeader', `${owner}: length ${valueLength(store, value)} but ${count} fields`);
  if (count === 0) walk.report('ValueHeader', `${owner}: empty hash stored`);
}

registerValueChecker(ValueType.Hash, checkHash);
export { NULL_BLOCK };
