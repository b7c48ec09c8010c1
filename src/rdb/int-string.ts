/**
 * Redis stores a string as an integer only when printing the integer gives back exactly the same
 * bytes (no "+1", "01", "-0", spaces). These helpers implement that round-trip rule.
 */

const MAX_INT64_DIGITS = 20; // "-9223372036854775808"

/** Parse a canonical decimal int64 string; null when the bytes are not exactly such a string. */
export function parseCanonicalInt64(bytes: Uint8Array): bigint | null {
  const n = bytes.length;
  if (n === 0 || n > MAX_INT64_DIGITS) return null;
  let i = 0;
  const negative = bytes[0] === 0x2d; // '-'
  if (negative) i = 1;
  if (i === n) return null;
  if (bytes[i] === 0x30 && (n - i > 1 || negative)) return null; // leading zero or "-0"
  let value = 0n;
  for (; i < n; i++) {
    const c = bytes[i]!;
    if (c < 0x30 || c > 0x39) return null;
    value = value * 10n + BigInt(c - 0x30);
  }
  if (negative) value = -value;
  if (value > 9223372036854775807n || value < -9223372036854775808n) return null;
  return value;
}

/** Fast path for the common small case: canonical decimal that fits a 32-bit signed integer. */
export function parseCanonicalInt32(bytes: Uint8Array): number | null {
  const n = bytes.length;
  if (n === 0 || n > 11) return null;
  let i = 0;
  const negative = bytes[0] === 0x2d;
  if (negative) i = 1;
  if (i === n) return null;
  if (bytes[i] === 0x30 && (n - i > 1 || negative)) return null;
  let value = 0;
  for (; i < n; i++) {
    const c = bytes[i]!;
    if (c < 0x30 || c > 0x39) return null;
    value = value * 10 + (c - 0x30);
  }
  if (negative) value = -value;
  if (value > 2147483647 || value < -2147483648) return null;
  return value;
}

export { decimalBytes as int64ToBytes } from './slab.ts';
