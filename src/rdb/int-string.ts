/**
 * Redis stores a string as an integer only when printing the integer gives back exactly the same
 * bytes (no "+1", "01", "-0", spaces). This helper applies that rule to the int32 range, the
 * widest integer an RDB string encoding holds.
 */

/** Canonical decimal that fits a 32-bit signed integer (what RDB can store integer-encoded), else null. */
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
