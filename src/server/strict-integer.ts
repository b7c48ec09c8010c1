/**
 * Redis's string2ll on bytes [start, end): an optional '-', then digits with no leading zero
 * (except "0" itself), no '+', no spaces. Returns null when malformed or beyond 2^53.
 * DEVIATION: string2ll goes to 2^63; every length that either accepts is far below 2^53, so only
 * a negative multibulk count below -2^53 differs (Redis ignores it as empty, here it is invalid).
 */
export function parseStrictInteger(bytes: Buffer, start: number, end: number): number | null {
  if (start >= end) return null;
  let pos = start;
  let negative = false;
  if (bytes[pos] === 0x2d /* - */) {
    negative = true;
    pos++;
    if (pos >= end) return null;
  }
  const first = bytes[pos] as number;
  if (first === 0x30) return !negative && end - pos === 1 ? 0 : null;
  if (first < 0x31 || first > 0x39) return null;
  let value = 0;
  for (; pos < end; pos++) {
    const digit = (bytes[pos] as number) - 0x30;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
    if (value > Number.MAX_SAFE_INTEGER) return null;
  }
  return negative ? -value : value;
}
