import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPCODE, TYPE } from '../../src/rdb/constants.ts';
import { decodeRdb, decodeRdbStream, iterateRdb } from '../../src/rdb/decoder.ts';
import { encodeRdbFile } from '../../src/rdb/encoder.ts';
import { RdbError } from '../../src/rdb/errors.ts';
import type { RdbEntry } from '../../src/rdb/value.ts';
import { RawRdbBuilder, buildIntset, buildListpack, buildZiplist, buildZipmap } from './blob-builders.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

const entries: RdbEntry[] = [
  { dbIndex: 0, key: ascii('s'), value: { type: 'string', bytes: ascii('value') }, expireAtMs: 1_900_000_000_000 },
  { dbIndex: 0, key: ascii('i'), value: { type: 'string', bytes: ascii('-300') }, expireAtMs: null },
  { dbIndex: 0, key: ascii('z'), value: { type: 'string', bytes: ascii('lzf lzf lzf lzf lzf lzf lzf lzf') }, expireAtMs: null },
  { dbIndex: 0, key: ascii('l'), value: { type: 'list', items: [ascii('a'), ascii('42')] }, expireAtMs: null },
  { dbIndex: 1, key: ascii('set'), value: { type: 'set', members: [ascii('x'), ascii('y')] }, expireAtMs: null },
  { dbIndex: 1, key: ascii('zs'), value: { type: 'zset', entries: [{ member: ascii('m'), score: 1.5 }] }, expireAtMs: null },
  { dbIndex: 1, key: ascii('h'), value: { type: 'hash', fields: [{ field: ascii('f'), value: ascii('v') }] }, expireAtMs: null },
];
const ourFile = encodeRdbFile(entries, { ctimeSec: 1_700_000_000 });

/** Compact encodings too, so corruption reaches the blob parsers; checksum as chosen. */
function compactFile(checksum: 'correct' | 'zero'): Uint8Array {
  const b = new RawRdbBuilder(10).bytes([OPCODE.SELECTDB]).length(0);
  b.bytes([TYPE.LIST_QUICKLIST_2]).string(ascii('ql')).length(1).length(2).string(buildListpack([ascii('a'), 5n, -2000n]), false);
  b.bytes([TYPE.HASH_LISTPACK]).string(ascii('hl')).string(buildListpack([ascii('f'), ascii('v')]), false);
  b.bytes([TYPE.ZSET_ZIPLIST]).string(ascii('zz')).string(buildZiplist([ascii('m'), ascii('2.5')]), false);
  b.bytes([TYPE.SET_INTSET]).string(ascii('is')).string(buildIntset([1n, 2n], 2), false);
  b.bytes([TYPE.HASH_ZIPMAP]).string(ascii('zm')).string(buildZipmap([[ascii('k'), ascii('v')]]), false);
  b.bytes([TYPE.LIST_ZIPLIST]).string(ascii('lz')).string(buildZiplist([ascii('q'), 1n]), false);
  return b.finish(checksum);
}

/** Whole and batched decoding alike may fail only with RdbError. */
function expectRdbErrorOrSuccess(bytes: Uint8Array): void {
  for (const decode of [() => decodeRdb(bytes), () => [...iterateRdb(bytes, { elementBatch: 2 })]]) {
    try {
      decode();
    } catch (error) {
      if (!(error instanceof RdbError)) throw error;
    }
  }
}

describe('corrupt RDB input', () => {
  const samples: [string, Uint8Array][] = [
    ['our encoder', ourFile],
    ['compact encodings', compactFile('correct')],
  ];

  for (const [name, file] of samples) {
    it(`rejects every truncation of a file from ${name} with RdbError`, () => {
      expect(decodeRdb(file).entries.length).toBeGreaterThan(0);
      for (let length = 0; length < file.length; length++) {
        expect(() => decodeRdb(file.subarray(0, length)), `prefix of ${length} bytes`).toThrow(RdbError);
      }
    });

    it(`rejects every truncation of a file from ${name} in streaming mode too`, async () => {
      for (let length = 0; length < file.length; length++) {
        const prefix = file.subarray(0, length);
        await expect(decodeRdbStream([prefix.subarray(0, length >> 1), prefix.subarray(length >> 1)]), `prefix of ${length} bytes`).rejects.toThrow(RdbError);
      }
    });
  }

  it('rejects a wrong checksum with bad-checksum', () => {
    const file = ourFile.slice();
    file[file.length - 3]! ^= 0x10;
    expect(() => decodeRdb(file)).toThrow(expect.objectContaining({ code: 'bad-checksum' }));
  });

  it('catches any single flipped byte through the checksum', () => {
    fc.assert(
      fc.property(fc.nat(ourFile.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const file = ourFile.slice();
        file[at]! ^= xor;
        expect(() => decodeRdb(file)).toThrow(RdbError);
      }),
      { numRuns: 500 },
    );
  });

  it('throws only RdbError (never another exception, never a hang) for random flips with the checksum disabled', () => {
    const base = compactFile('zero');
    expect(decodeRdb(base).entries).toHaveLength(6);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (flips) => {
        const file = base.slice();
        for (const [at, value] of flips) file[at] = value;
        expectRdbErrorOrSuccess(file);
      }),
      { numRuns: 3000 },
    );
  });

  it('whole-buffer and streaming decoding agree on corrupt input (same error code or same entries)', async () => {
    const base = compactFile('zero');
    const outcome = (run: () => unknown): unknown => {
      try {
        return { entries: (run() as { entries: unknown[] }).entries.length };
      } catch (error) {
        return { error: (error as RdbError).code };
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), fc.integer({ min: 1, max: 64 }), async ([at, value], chunkBytes) => {
        const file = base.slice();
        file[at] = value;
        const whole = outcome(() => decodeRdb(file));
        const chunks = Array.from({ length: Math.ceil(file.length / chunkBytes) }, (_, i) => file.subarray(i * chunkBytes, (i + 1) * chunkBytes));
        let streamed: unknown;
        try {
          streamed = { entries: (await decodeRdbStream(chunks)).entries.length };
        } catch (error) {
          expect(error).toBeInstanceOf(RdbError);
          streamed = { error: (error as RdbError).code };
        }
        // The whole-buffer decoder rejects an element count larger than the bytes left up front;
        // the streaming one cannot know the file size, so it fails later, on whatever comes next.
        if ((whole as { error?: string }).error === 'bad-length' && (streamed as { error?: string }).error !== undefined) return;
        expect(streamed).toEqual(whole);
      }),
      { numRuns: 1000 },
    );
  });

  it('closes the source when decoding fails part way', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield ascii('REDIS0010');
        yield Uint8Array.from([0x00, 0xc5]); // a string key with an unknown encoding
        for (;;) yield new Uint8Array(1 << 16); // an endless source: only return() can end it
      } finally {
        closed = true;
      }
    }
    await expect(decodeRdbStream(source())).rejects.toThrow(/unknown string encoding 5/);
    expect(closed).toBe(true);
  });

  it('throws only RdbError for arbitrary bytes after a valid header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        expectRdbErrorOrSuccess(Uint8Array.from([...ascii('REDIS0010'), ...tail]));
      }),
      { numRuns: 2000 },
    );
  });
});
