import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Crc64, crc64, crc64Update } from '../../src/rdb/crc64.ts';

/** Bit-at-a-time reference straight from the definition (reflected Jones polynomial). */
function referenceCrc64(bytes: Uint8Array): bigint {
  const reflectedPoly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const byte of bytes) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ reflectedPoly : crc >> 1n;
  }
  return crc;
}

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('crc64 (Redis RDB variant)', () => {
  it('gives the published check value for "123456789"', () => {
    expect(crc64(ascii('123456789'))).toBe(0xe9c6d914c4b8d9can);
  });

  it('is zero for no input and writes the digest little-endian', () => {
    expect(crc64(new Uint8Array())).toBe(0n);
    const digest = new Crc64().update(ascii('123456789')).digestLittleEndian();
    expect(Buffer.from(digest).readBigUInt64LE(0)).toBe(0xe9c6d914c4b8d9can);
  });

  it('matches the bit-at-a-time definition for any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc64(bytes)).toBe(referenceCrc64(bytes));
      }),
    );
  });

  it('gives the same result however the input is split', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(200), { maxLength: 6 }), (bytes, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        let state = 0n;
        let from = 0;
        for (const to of [...points, bytes.length]) {
          state = crc64Update(state, bytes.subarray(from, to));
          from = to;
        }
        expect(state).toBe(crc64(bytes));
      }),
    );
  });
});
