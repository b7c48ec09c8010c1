/**
 * Doubles as Redis 7.0 prints them: C's `%.17g`, with infinities spelled "inf" / "-inf".
 * ZSCORE 0.1 answers "0.10000000000000001" in 7.0 (checked against redis-server 7.0.15), so the
 * shortest round-trip form that JavaScript's String(number) gives would not match.
 */
const significantDigits = 17;

export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';

  // toExponential is correctly rounded (ECMA-262), as glibc's printf is.
  const exponential = Math.abs(value).toExponential(significantDigits - 1);
  const ePos = exponential.indexOf('e');
  const digits = exponential.slice(0, 1) + exponential.slice(2, ePos);
  const exponent = Number(exponential.slice(ePos + 1));
  const sign = value < 0 ? '-' : '';

  // %g: exponential style when the exponent is below -4 or not below the precision.
  if (exponent < -4 || exponent >= significantDigits) {
    const mantissaFraction = stripTrailingZeros(digits.slice(1));
    const mantissa = mantissaFraction === '' ? digits.slice(0, 1) : `${digits.slice(0, 1)}.${mantissaFraction}`;
    const exponentDigits = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${exponentDigits}`;
  }
  if (exponent >= 0) {
    const integerPart = digits.slice(0, exponent + 1);
    const fraction = stripTrailingZeros(digits.slice(exponent + 1));
    return fraction === '' ? sign + integerPart : `${sign}${integerPart}.${fraction}`;
  }
  const fraction = stripTrailingZeros('0'.repeat(-exponent - 1) + digits);
  return `${sign}0.${fraction}`;
}

function stripTrailingZeros(fraction: string): string {
  let end = fraction.length;
  while (end > 0 && fraction.charCodeAt(end - 1) === 0x30) end--;
  return fraction.slice(0, end);
}
