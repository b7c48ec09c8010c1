import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPCODE, TYPE } from '../../src/rdb/constants.ts';
import { decodeRdb } from '../../src/rdb/decoder.ts';
import { RdbError } from '../../src/rdb/errors.ts';
import { parseIntset } from '../../src/rdb/intset.ts';
import { parseListpack } from '../../src/rdb/listpack.ts';
import { packedToBytes } from '../../src/rdb/packed-element.ts';
import type { RdbEntry } from '../../src/rdb/value.ts';
import { parseZiplist } from '../../src/rdb/ziplist.ts';
import { RawRdbBuilder, buildIntset, buildListpack, buildZiplist, buildZipmap, type BlobElement } from './blob-builders.ts';
import { hex, normalizeEntry, normalizeValue } from './normalize.ts';
import { readBack } from './redis-readback.ts';
import { makeTempDir, startRedis, type RedisProcess } from './redis-server.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const elementBytes = (e: BlobElement): Uint8Array => (e instanceof Uint8Array ? e : ascii(e.toString()));

/** Strings that straddle every length-encoding boundary, and integers of every width. */
const blobElement: fc.Arbitrary<BlobElement> = fc.oneof(
  fc.uint8Array({ maxLength: 70 }),
  fc.constantFrom(63, 64, 127, 128, 253, 254, 4095, 4096, 16383, 16384).map((n) => new Uint8Array(n).fill(0x61)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.bigInt({ min: -5000n, max: 5000n }),
);

describe('compact blob parsers', () => {
  it('read back every ziplist and listpack element of any encoding', () => {
    fc.assert(
      fc.property(fc.array(blobElement, { maxLength: 20 }), (elements) => {
        const expected = elements.map((e) => hex(elementBytes(e)));
        expect(parseZiplist(buildZiplist(elements), 0).map((e) => hex(packedToBytes(e)))).toEqual(expected);
        expect(parseListpack(buildListpack(elements), 0).map((e) => hex(packedToBytes(e)))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('read intsets of every width', () => {
    expect(parseIntset(buildIntset([-3n, 7n, 300n], 2), 0)).toEqual([-3, 7, 300]);
    expect(parseIntset(buildIntset([-70000n, 70000n], 4), 0)).toEqual([-70000, 70000]);
    expect(parseIntset(buildIntset([-(2n ** 63n), 0n, 2n ** 63n - 1n], 8), 0)).toEqual([-(2n ** 63n), 0, 2n ** 63n - 1n]);
  });

  it('reject corrupt blobs with an RdbError that names the problem', () => {
    const zl = buildZiplist([ascii('a'), 5n, ascii('bb')]);
    const badPrevlen = zl.slice();
    badPrevlen[10 + 3] = 9; // second entry's previous-length byte
    expect(() => parseZiplist(badPrevlen, 0)).toThrow(/previous entry has 9 bytes/);
    const badCount = zl.slice();
    badCount[8] = 7;
    expect(() => parseZiplist(badCount, 0)).toThrow(/declares 7 entries/);
    expect(() => parseZiplist(zl.subarray(0, zl.length - 1), 0)).toThrow(RdbError);

    const lp = buildListpack([ascii('hello'), 1000n]);
    const badBacklen = lp.slice();
    badBacklen[6 + 6] = 99; // backlen of "hello" (1 + 5 bytes)
    expect(() => parseListpack(badBacklen, 0)).toThrow(/back-length says 99/);
    const badEncoding = lp.slice();
    badEncoding[6] = 0xf7;
    expect(() => parseListpack(badEncoding, 0)).toThrow(/unknown encoding byte 0xf7/);

    expect(() => parseIntset(buildIntset([5n, 3n], 2), 0)).toThrow(/strictly ascending/);
    expect(() => parseIntset(buildIntset([5n], 2).subarray(0, 9), 0)).toThrow(/declares 1 elements/);
  });

  it('never throw anything but RdbError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (garbage) => {
        for (const parse of [parseZiplist, parseListpack, parseIntset]) {
          try {
            parse(garbage, 0);
          } catch (error) {
            expect(error).toBeInstanceOf(RdbError);
          }
        }
      }),
    );
  });
});

const futureSec = Math.floor(Date.now() / 1000) + 86_400 * 20;

/** A version-9 file with every pre-7.0 encoding, and what it holds. */
function legacyFile(): { bytes: Uint8Array; expected: RdbEntry[] } {
  const b = new RawRdbBuilder(9);
  const expected: RdbEntry[] = [];
  const key = (type: number, name: string): void => void b.bytes([type]).string(ascii(name));
  b.bytes([OPCODE.AUX]).string(ascii('redis-ver')).string(ascii('6.2.0'));
  b.bytes([OPCODE.SELECTDB]).length(0).bytes([OPCODE.RESIZEDB]).length(8).length(1);

  const zlList: BlobElement[] = [ascii('a'), 5n, -1000n, 2n ** 40n, new Uint8Array(300).fill(0x7a)];
  b.bytes([OPCODE.EXPIRETIME]).bytes([futureSec & 0xff, (futureSec >>> 8) & 0xff, (futureSec >>> 16) & 0xff, futureSec >>> 24]);
  key(TYPE.LIST_ZIPLIST, 'zl:list');
  b.string(buildZiplist(zlList));
  expected.push({ dbIndex: 0, key: ascii('zl:list'), value: { type: 'list', items: zlList.map(elementBytes) }, expireAtMs: futureSec * 1000 });

  key(TYPE.SET_INTSET, 'is:set');
  b.string(buildIntset([-5n, 3n, 1000n], 2));
  expected.push({ dbIndex: 0, key: ascii('is:set'), value: { type: 'set', members: ['-5', '3', '1000'].map(ascii) }, expireAtMs: null });

  key(TYPE.ZSET_ZIPLIST, 'zl:zset');
  b.string(buildZiplist([ascii('m1'), 1n, ascii('m2'), ascii('2.5'), ascii('m3'), ascii('-inf')]));
  expected.push({ dbIndex: 0, key: ascii('zl:zset'), value: { type: 'zset', entries: [{ member: ascii('m1'), score: 1 }, { member: ascii('m2'), score: 2.5 }, { member: ascii('m3'), score: -Infinity }] }, expireAtMs: null });

  key(TYPE.HASH_ZIPLIST, 'zl:hash');
  b.string(buildZiplist([ascii('f1'), ascii('v1'), ascii('f2'), 77n]));
  expected.push({ dbIndex: 0, key: ascii('zl:hash'), value: { type: 'hash', fields: [{ field: ascii('f1'), value: ascii('v1') }, { field: ascii('f2'), value: ascii('77') }] }, expireAtMs: null });

  key(TYPE.LIST_QUICKLIST, 'ql:list');
  b.length(2).string(buildZiplist([ascii('n1a'), ascii('n1b')])).string(buildZiplist([12n, ascii('n2b')]));
  expected.push({ dbIndex: 0, key: ascii('ql:list'), value: { type: 'list', items: ['n1a', 'n1b', '12', 'n2b'].map(ascii) }, expireAtMs: null });

  key(TYPE.HASH_ZIPMAP, 'zm:hash');
  const longValue = new Uint8Array(300).fill(0x76);
  b.string(buildZipmap([[ascii('f'), ascii('v')], [ascii('g'), longValue]]));
  expected.push({ dbIndex: 0, key: ascii('zm:hash'), value: { type: 'hash', fields: [{ field: ascii('f'), value: ascii('v') }, { field: ascii('g'), value: longValue }] }, expireAtMs: null });

  key(TYPE.ZSET, 'v1:zset');
  b.length(3).string(ascii('a')).bytes([3]).bytes(ascii('1.5')).string(ascii('b')).bytes([254]).string(ascii('c')).bytes([2]).bytes(ascii('-3'));
  expected.push({ dbIndex: 0, key: ascii('v1:zset'), value: { type: 'zset', entries: [{ member: ascii('a'), score: 1.5 }, { member: ascii('b'), score: Infinity }, { member: ascii('c'), score: -3 }] }, expireAtMs: null });

  key(TYPE.LIST, 'v1:list');
  b.length(2).string(ascii('x')).string(ascii('y'));
  expected.push({ dbIndex: 0, key: ascii('v1:list'), value: { type: 'list', items: [ascii('x'), ascii('y')] }, expireAtMs: null });
  return { bytes: b.finish(), expected };
}

describe('files with pre-7.0 encodings', () => {
  const { bytes, expected } = legacyFile();
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let server: RedisProcess;
  let redis: Redis;

  beforeAll(async () => {
    temp = await makeTempDir('sabre-rdb-legacy-');
    await writeFile(path.join(temp.dir, 'legacy.rdb'), bytes);
    server = await startRedis(temp.dir, 'legacy.rdb', ['--sanitize-dump-payload', 'yes']);
    redis = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
    await temp?.remove();
  });

  it('decode ziplist, intset, zipmap, quicklist v1 and text-score zsets', () => {
    expect(decodeRdb(bytes).entries.map(normalizeEntry)).toEqual(expected.map(normalizeEntry));
  });

  it('hold what Redis 7.0 itself reads from the same file (so the fixtures are real)', async () => {
    for (const entry of expected) {
      const value = await readBack(redis, Buffer.from(entry.key), entry.value.type);
      expect(normalizeValue(value), Buffer.from(entry.key).toString()).toEqual(normalizeValue(entry.value));
    }
    expect(await redis.call('PEXPIRETIME', 'zl:list')).toBe(futureSec * 1000);
  });
});

describe('other records', () => {
  const header = (version: number): RawRdbBuilder => new RawRdbBuilder(version).bytes([OPCODE.SELECTDB]).length(2);

  it('reads SET_LISTPACK from a Redis 7.2 (version 11) file', () => {
    const bytes = header(11).bytes([TYPE.SET_LISTPACK]).string(ascii('s')).string(buildListpack([ascii('a'), 7n])).finish();
    const file = decodeRdb(bytes);
    expect(file.entries.map(normalizeEntry)).toEqual([normalizeEntry({ dbIndex: 2, key: ascii('s'), value: { type: 'set', members: [ascii('a'), ascii('7')] }, expireAtMs: null })]);
  });

  it('reads a version-4 file, which has no checksum', () => {
    const bytes = header(4).bytes([TYPE.STRING]).string(ascii('k')).string(ascii('v')).finish('none');
    expect(decodeRdb(bytes).entries).toHaveLength(1);
  });

  it('accepts a zero checksum as "checksum disabled"', () => {
    const bytes = header(10).bytes([TYPE.STRING]).string(ascii('k')).string(ascii('v')).finish('zero');
    expect(decodeRdb(bytes).checksum).toBeNull();
  });

  it('reads 32-bit and 64-bit length encodings even for small values', () => {
    const bytes = header(10)
      .bytes([TYPE.STRING, 0x80, 0, 0, 0, 1]).bytes(ascii('k'))
      .bytes([0x81, 0, 0, 0, 0, 0, 0, 0, 2]).bytes(ascii('hi'))
      .finish();
    const [entry] = decodeRdb(bytes).entries;
    expect(Buffer.from(entry!.value.type === 'string' ? entry!.value.bytes : []).toString()).toBe('hi');
  });

  it('skips empty aggregates as Redis does, and counts them', () => {
    const bytes = header(10).bytes([TYPE.LIST]).string(ascii('empty')).length(0).bytes([TYPE.STRING]).string(ascii('k')).string(ascii('v')).finish();
    const file = decodeRdb(bytes);
    expect(file.skippedEmptyKeys).toBe(1);
    expect(file.entries.map((e) => Buffer.from(e.key).toString())).toEqual(['k']);
  });

  const rejects: [string, () => Uint8Array, string, RegExp][] = [
    ['a stream', () => header(10).bytes([TYPE.STREAM_LISTPACKS_2]).string(ascii('s')).finish(), 'unsupported', /unsupported type: streams/],
    ['a module value', () => header(10).bytes([TYPE.MODULE_2]).string(ascii('m')).finish(), 'unsupported', /unsupported type: module/],
    ['module aux data', () => header(10).bytes([OPCODE.MODULE_AUX]).finish(), 'unsupported', /module auxiliary data/],
    ['an unknown type byte', () => header(10).bytes([30]).string(ascii('k')).finish(), 'bad-encoding', /unknown object type 30/],
    ['a duplicate set member', () => header(10).bytes([TYPE.SET]).string(ascii('s')).length(2).string(ascii('a')).string(ascii('a')).finish(), 'duplicate', /duplicate set member/],
    ['a duplicate hash field', () => header(10).bytes([TYPE.HASH_LISTPACK]).string(ascii('h')).string(buildListpack([ascii('f'), 1n, ascii('f'), 2n])).finish(), 'duplicate', /duplicate hash field/],
    ['an odd listpack hash', () => header(10).bytes([TYPE.HASH_LISTPACK]).string(ascii('h')).string(buildListpack([ascii('f')])).finish(), 'bad-blob', /expected pairs/],
    ['a NaN score', () => header(10).bytes([TYPE.ZSET]).string(ascii('z')).length(1).string(ascii('m')).bytes([253]).finish(), 'bad-value', /NaN/],
    ['a text score that is not a number', () => header(10).bytes([TYPE.ZSET]).string(ascii('z')).length(1).string(ascii('m')).bytes([2]).bytes(ascii('1x')).finish(), 'bad-value', /not a number/],
    ['version 12', () => new RawRdbBuilder(12).finish(), 'bad-version', /version 12 is not supported/],
    ['version 0', () => new RawRdbBuilder(0).finish(), 'bad-version', /version 0/],
    ['bad magic', () => Uint8Array.from([...ascii('REDIX0010'), 0xff, 0, 0, 0, 0, 0, 0, 0, 0]), 'bad-magic', /expected "REDIS"/],
    ['a quicklist container of 3', () => header(10).bytes([TYPE.LIST_QUICKLIST_2]).string(ascii('l')).length(1).length(3).string(ascii('x')).finish(), 'bad-encoding', /container 3/],
    ['a list count beyond the file', () => header(10).bytes([TYPE.LIST]).string(ascii('l')).length(1_000_000_000).finish(), 'bad-length', /exceeds/],
    ['a string length beyond the file', () => header(10).bytes([TYPE.STRING]).string(ascii('k')).length(2 ** 40).finish(), 'truncated', /need 1099511627776 bytes/],
    ['an invalid length prefix', () => header(10).bytes([TYPE.STRING]).bytes([0x82]).finish(), 'bad-length', /invalid length prefix byte 0x82/],
    ['a 64-bit length beyond 2^53', () => header(10).bytes([TYPE.STRING]).bytes([0x81, 0xff, 0, 0, 0, 0, 0, 0, 0]).finish(), 'bad-length', /beyond any real file/],
    ['an expire time beyond 2^53 ms', () => header(10).bytes([OPCODE.EXPIRETIME_MS, 0, 0, 0, 0, 0, 0, 0, 0x7f]).bytes([TYPE.STRING]).string(ascii('k')).string(ascii('v')).finish(), 'bad-value', /out of range/],
    ['an opcode between an expire and its key', () => header(10).bytes([OPCODE.EXPIRETIME_MS, 0, 0, 0, 0, 0, 0, 0, 0]).bytes([OPCODE.SELECTDB]).length(0).finish(), 'bad-encoding', /expected a key/],
    ['an invalid string encoding', () => header(10).bytes([TYPE.STRING]).string(ascii('k')).bytes([0xc4]).finish(), 'bad-encoding', /unknown string encoding 4/],
    ['bytes after the checksum', () => Uint8Array.from([...header(10).finish(), 0]), 'trailing-bytes', /follow the end/],
  ];
  for (const [what, build, code, message] of rejects) {
    it(`rejects ${what} with RdbError ${code}`, () => {
      const bytes = build();
      let caught: unknown;
      try {
        decodeRdb(bytes);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RdbError);
      expect((caught as RdbError).code).toBe(code);
      expect((caught as RdbError).message).toMatch(message);
      expect((caught as RdbError).message).toMatch(/at byte offset \d+/);
    });
  }
});
