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

const PLAIN_DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;
/** Digits after the point that Redis keeps ("%.17Lf"). */
const INCRBYFLOAT_FRACTION_DIGITS = 17;

/**
 * a + b for INCRBYFLOAT. Redis adds in long double and prints 17 decimals, so decimal inputs such
 * as 0.1 + 0.2 come out as "0.3"; adding the decimal texts exactly (rounded to 17 decimals)
 * reproduces that where a double sum would print 0.30000000000000004. Inputs with an exponent or
 * infinities fall back to double arithmetic. Returns null when the result is not finite.
 */
export function addDecimalTexts(a: string, b: string): string | null {
  const x = PLAIN_DECIMAL.exec(a);
  const y = PLAIN_DECIMAL.exec(b);
  if (x === null || y === null) {
    const sum = Number(a) + Number(b);
    return Number.isFinite(sum) ? formatIncrFloat(sum) : null;
  }
  const scale = Math.max((x[3] ?? '').length, (y[3] ?? '').length);
  const scaled = (match: RegExpExecArray) => {
    const digits = BigInt((match[2] ?? '0') + (match[3] ?? '').padEnd(scale, '0'));
    return match[1] === '-' ? -digits : digits;
  };
  let sum = scaled(x) + scaled(y);
  let fractionDigits = scale;
  if (fractionDigits > INCRBYFLOAT_FRACTION_DIGITS) {
    const divisor = 10n ** BigInt(fractionDigits - INCRBYFLOAT_FRACTION_DIGITS);
    const half = divisor / 2n;
    sum = sum >= 0n ? (sum + half) / divisor : -((-sum + half) / divisor);
    fractionDigits = INCRBYFLOAT_FRACTION_DIGITS;
  }
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(fractionDigits + 1, '0');
  const integerPart = digits.slice(0, digits.length - fractionDigits);
  const fractionPart = digits.slice(digits.length - fractionDigits).replace(/0+$/, '');
  const text = (negative ? '-' : '') + integerPart + (fractionPart.length > 0 ? `.${fractionPart}` : '');
  if (!Number.isFinite(Number(text))) return null;
  return text === '-0' ? '0' : text;
}
