/**
 * The canonical form of a state: the one string used wherever states are compared or written down
 * (model vs TLC, golden files, traces). It is JSON where
 *   - objects have their keys sorted (records, and functions over string domains such as ks),
 *   - sets become arrays sorted ascending (numbers numerically, anything else by its JSON text),
 *   - sequences, and functions over 1..n such as mem, are arrays in order,
 *   - strings, numbers and booleans are themselves.
 * TLC prints [b \in 1..n |-> ...] as a sequence, so the two sides meet on arrays.
 */
import type { ModelState } from './types.ts';

export type Canonical = null | boolean | number | string | Canonical[] | { [key: string]: Canonical };

export function compareCanonical(a: Canonical, b: Canonical): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const textA = JSON.stringify(a);
  const textB = JSON.stringify(b);
  return textA < textB ? -1 : textA > textB ? 1 : 0;
}

export const canonicalSet = (items: Iterable<Canonical>): Canonical[] => [...items].sort(compareCanonical);

export function sortedObject(entries: Iterable<[string, Canonical]>): { [key: string]: Canonical } {
  const sorted: { [key: string]: Canonical } = {};
  for (const [key, value] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) sorted[key] = value;
  return sorted;
}

/** Stable JSON text of a canonical value (object keys are already sorted by construction). */
export const canonicalText = (value: Canonical): string => JSON.stringify(value);

export function canonicalState(state: ModelState): string {
  const byKey = <V extends Canonical>(map: ReadonlyMap<string, V>) => sortedObject(map);
  return canonicalText(
    sortedObject([
      ['copies', canonicalSet(state.copies)],
      ['dumping', state.dumping],
      ['freeList', [...state.freeList]],
      ['ks', byKey(new Map([...state.ks].map(([k, v]) => [k, [...v]])))],
      ['mem', [...state.mem]],
      ['oomFalse', state.oomFalse],
      ['out', state.out.map(([key, vals]) => [key, [...vals]])],
      ['queue', canonicalSet(state.queue)],
      ['snap', byKey(new Map([...state.snap].map(([k, v]) => [k, [...v]])))],
      ['view', byKey(new Map([...state.view].map(([k, v]) => [k, [...v]])))],
    ]),
  );
}
