/** Number parsing and formatting with Redis's rules (util.c string2ll / ld2string behaviour). */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const textDecoder = new TextDecoder('latin1');
const textEncoder = new TextEncoder();

export function bytesToLatin1(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}

export function utf8(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/**
 * A signed 64-bit integer written canonically: optional '-', no '+', no leading zeros, no spaces,
 * at most 20 characters, "-0" rejected. Returns null otherwise.
 */
export function parseInt64(bytes: Uint8Array): bigint | null {
  const length = bytes.length;
  if (length === 0 || length > 20) return null;
  let position = 0;
  if (bytes[0] === 0x2d) {
    position = 1;
    if (length === 1) return null;
  }
  if (bytes[position] === 0x30) {
    return length === 1 ? 0n : null; // "0" only; "-0" and "01" are not canonical
  }
  for (let i = position; i < length; i++) {
    const byte = bytes[i]!;
    if (byte < 0x30 || byte > 0x39) return null;
  }
  const value = BigInt(bytesToLatin1(bytes));
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

export function fitsInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

/**
 * A double as strtod would read it for Redis (no leading/trailing space, "inf"/"-inf" accepted,
 * "nan" rejected). Returns null when it is not a valid float.
 */
export function parseDouble(bytes: Uint8Array): number | null {
  if (bytes.length === 0 || bytes.length > 5000) return null;
  const text = bytesToLatin1(bytes);
  if (/^\s|\s$/.test(text)) return null;
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return null;
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}

/** INCRBYFLOAT's reply: plain decimal, never exponent notation, no trailing zeros. */
export function formatIncrFloat(value: number): string {
  if (Object.is(value, -0)) return '0';
  if (Number.isInteger(value)) return BigInt(value).toString();
  const text = String(value);
  if (!text.includes('e')) return text;
  return value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** A score as Redis replies it for doubles: shortest round-trip text, inf/-inf spelled as Redis does. */
export function formatScore(score: number): string {
  if (score === Infinity) return 'inf';
  if (score === -Infinity) return '-inf';
  return String(score);
}
