/**
 * The spec's actions as one union. `next(state)` yields every enabled action with its parameters, in
 * the spec's order of quantification: this is what the breadth-first explorer and the model-based
 * tests walk.
 */
import { match } from 'ts-pattern';
import { DumpBegin, DumpEnd, DumpStep } from './cow-dump.ts';
import { FlushAsync, FreeStep, Unlink } from './lazy-free.ts';
import type { BlockIndex, Key, ModelConfig, ModelState, Val } from './types.ts';
import { AllocFail, AppendBlock, Del, Set, WriteBlock } from './writer.ts';

/** Actions of spec/Sabre.tla. Trace events and model-based test commands carry exactly these names. */
export const ACTION_NAMES = [
  'Set', 'WriteBlock', 'AppendBlock', 'Del', 'AllocFail', 'Unlink', 'FlushAsync', 'FreeStep',
  'DumpBegin', 'DumpStep', 'DumpEnd',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export type Action =
  | { readonly name: 'Set'; readonly key: Key; readonly val: Val }
  | { readonly name: 'WriteBlock'; readonly key: Key; readonly index: number; readonly val: Val }
  | { readonly name: 'AppendBlock'; readonly key: Key; readonly val: Val }
  | { readonly name: 'Del'; readonly key: Key }
  | { readonly name: 'AllocFail' }
  | { readonly name: 'Unlink'; readonly key: Key }
  | { readonly name: 'FlushAsync' }
  | { readonly name: 'FreeStep'; readonly block: BlockIndex }
  | { readonly name: 'DumpBegin' }
  | { readonly name: 'DumpStep'; readonly key: Key }
  | { readonly name: 'DumpEnd' };

/** The state after `action`, or null when it is not enabled. */
export function apply(state: ModelState, config: ModelConfig, action: Action): ModelState | null {
  return match(action)
    .with({ name: 'Set' }, (a) => Set(state, config, a.key, a.val))
    .with({ name: 'WriteBlock' }, (a) => WriteBlock(state, config, a.key, a.index, a.val))
    .with({ name: 'AppendBlock' }, (a) => AppendBlock(state, config, a.key, a.val))
    .with({ name: 'Del' }, (a) => Del(state, config, a.key))
    .with({ name: 'AllocFail' }, () => AllocFail(state, config))
    .with({ name: 'Unlink' }, (a) => Unlink(state, config, a.key))
    .with({ name: 'FlushAsync' }, () => FlushAsync(state, config))
    .with({ name: 'FreeStep' }, (a) => FreeStep(state, config, a.block))
    .with({ name: 'DumpBegin' }, () => DumpBegin(state, config))
    .with({ name: 'DumpStep' }, (a) => DumpStep(state, config, a.key))
    .with({ name: 'DumpEnd' }, () => DumpEnd(state, config))
    .exhaustive();
}

/** Every action the spec's Next could take from some state of this config (enabled or not). */
export function* candidateActions(config: ModelConfig): Generator<Action> {
  for (const key of config.keys) {
    for (const val of config.vals) {
      yield { name: 'Set', key, val };
      yield { name: 'AppendBlock', key, val };
    }
  }
  for (const key of config.keys) {
    for (let index = 1; index <= config.maxLen; index++) {
      for (const val of config.vals) yield { name: 'WriteBlock', key, index, val };
    }
  }
  for (const key of config.keys) {
    yield { name: 'Del', key };
    yield { name: 'Unlink', key };
  }
  yield { name: 'FlushAsync' };
  yield { name: 'AllocFail' };
  yield { name: 'DumpBegin' };
  yield { name: 'DumpEnd' };
  for (const key of config.keys) yield { name: 'DumpStep', key };
  for (let block = 1; block <= config.blockCount; block++) yield { name: 'FreeStep', block };
}

/** spec: Next — every enabled action with the state it leads to. */
export function* next(state: ModelState, config: ModelConfig): Generator<{ action: Action; state: ModelState }> {
  for (const action of candidateActions(config)) {
    const after = apply(state, config, action);
    if (after !== null) yield { action, state: after };
  }
}
