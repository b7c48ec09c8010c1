import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCanonicalInt32 } from '../../src/rdb/int-string.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('parseCanonicalInt32', () => {
  it('accepts the decimal text of every int32', () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
      expect(parseCanonicalInt32(ascii(String(n)))).toBe(n);
    }));
  });

  it('rejects non-canonical forms and values outside int32', () => {
    for (const text of ['', '-', '-0', '01', '+1', ' 1', '1 ', '1.0', '2147483648', '-2147483649', '0x10', '99999999999']) {
      expect(parseCanonicalInt32(ascii(text)), text).toBeNull();
    }
  });

  it('only accepts bytes that print back identically', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        const value = parseCanonicalInt32(bytes);
        if (value !== null) expect(Buffer.from(String(value))).toEqual(Buffer.from(bytes));
      }),
    );
  });
});
