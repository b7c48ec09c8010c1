/**
 * Elements of the compact blobs (ziplist, listpack, intset) are either byte strings or integers.
 * Redis turns an integer element back into its decimal string, and a zset score element into a
 * double; these helpers do the same.
 */
import { RdbError } from './errors.ts';
import { decimalBytes } from './slab.ts';

export type PackedElement = Uint8Array | number | bigint;

const latin1 = new TextDecoder('latin1');

export function packedToBytes(element: PackedElement): Uint8Array {
  return element instanceof Uint8Array ? element : decimalBytes(element);
}

/** Strict form of what strtod accepts in a Redis score: decimal/scientific, inf, -inf. */
const DOUBLE_PATTERN = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity)$/i;

export function parseScoreText(bytes: Uint8Array, byteOffset: number): number {
  const text = latin1.decode(bytes);
  if (!DOUBLE_PATTERN.test(text)) {
    throw new RdbError('bad-value', `zset score ${JSON.stringify(text.slice(0, 40))} is not a number`, byteOffset);
  }
  const lower = text.toLowerCase();
  if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

export function packedToScore(element: PackedElement, byteOffset: number): number {
  if (element instanceof Uint8Array) return parseScoreText(element, byteOffset);
  return Number(element);
}

/** Key used to detect duplicate members/fields; latin1 maps every byte to one UTF-16 unit. */
export function bytesKey(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}
