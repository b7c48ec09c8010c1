import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RdbError } from '../../src/rdb/errors.ts';
import { lzfCompress, lzfDecompress } from '../../src/rdb/lzf.ts';

/** Inputs with repetition, so the compressor's back-references are exercised, not only literals. */
const compressibleBytes = fc
  .array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 40 })), { maxLength: 30 })
  .map((parts) => Uint8Array.from(parts.flatMap(([unit, times]) => Array.from({ length: times }, () => [...unit]).flat())));

describe('lzf', () => {
  it('decompresses a literal run followed by an overlapping back-reference', () => {
    // literal "a", then copy 9 bytes from distance 1
    const out = lzfDecompress(Uint8Array.from([0x00, 0x61, 0xe0, 0x00, 0x00]), 10);
    expect(Buffer.from(out).toString()).toBe('aaaaaaaaaa');
  });

  it('round-trips arbitrary and repetitive bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), compressibleBytes), (input) => {
        const compressed = lzfCompress(input);
        expect(compressed).not.toBeNull();
        expect(Buffer.from(lzfDecompress(compressed!, input.length))).toEqual(Buffer.from(input));
      }),
    );
  });

  it('shrinks repetitive input', () => {
    const input = new TextEncoder().encode('abcdefgh'.repeat(200));
    const compressed = lzfCompress(input)!;
    expect(compressed.length).toBeLessThan(input.length / 10);
  });

  it('returns null when the output would exceed the limit', () => {
    const random = Uint8Array.from({ length: 100 }, (_, i) => (i * 151 + 7) % 256);
    expect(lzfCompress(random, random.length - 4)).toBeNull();
  });

  it('rejects a declared length the input could never produce, before allocating', () => {
    expect(() => lzfDecompress(Uint8Array.from([0x00, 0x61]), 2 ** 31)).toThrow(RdbError);
  });

  it('throws only RdbError on arbitrary garbage, never reading out of bounds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(600), (garbage, outLength) => {
        try {
          const out = lzfDecompress(garbage, outLength);
          expect(out.length).toBe(outLength);
        } catch (error) {
          expect(error).toBeInstanceOf(RdbError);
        }
      }),
    );
  });

  it('rejects output shorter or longer than declared', () => {
    const compressed = lzfCompress(new TextEncoder().encode('hello hello hello hello'))!;
    expect(() => lzfDecompress(compressed, 22)).toThrow(/past declared length/);
    expect(() => lzfDecompress(compressed, 24)).toThrow(/expected 24/);
  });
});
