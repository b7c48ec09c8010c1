import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRdb, decodeRdbStream, iterateRdb } from '../../src/rdb/decoder.ts';
import { RdbEncoder, concatBytes, encodeRdbFile } from '../../src/rdb/encoder.ts';
import { RdbError } from '../../src/rdb/errors.ts';
import type { RdbEntry } from '../../src/rdb/value.ts';
import { rdbEntries } from './arbitraries.ts';
import { normalizeEntry } from './normalize.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Encode with the piecewise API, splitting every aggregate into batches of `batchSize`. */
function encodePiecewise(entries: RdbEntry[], batchSize: number, minChunkBytes = 0): Uint8Array {
  const encoder = new RdbEncoder({ minChunkBytes });
  const chunks = [encoder.header({ ctimeSec: 1_700_000_000 })];
  const dbs = [...new Set(entries.map((e) => e.dbIndex))].sort((a, b) => a - b);
  for (const dbIndex of dbs) {
    const inDb = entries.filter((e) => e.dbIndex === dbIndex);
    chunks.push(encoder.selectDb(dbIndex, inDb.length, inDb.filter((e) => e.expireAtMs !== null).length));
    for (const { key, value, expireAtMs } of inDb) {
      if (value.type === 'string') {
        chunks.push(encoder.entry({ dbIndex, key, value, expireAtMs }));
        continue;
      }
      const elements: unknown[] = value.type === 'list' ? value.items : value.type === 'set' ? value.members : value.type === 'zset' ? value.entries : value.fields;
      chunks.push(encoder.beginValue({ dbIndex, key, type: value.type, count: elements.length, expireAtMs }));
      for (let i = 0; i < elements.length; i += batchSize) {
        const batch = elements.slice(i, i + batchSize);
        if (value.type === 'list') chunks.push(encoder.listItems(batch as Uint8Array[]));
        else if (value.type === 'set') chunks.push(encoder.setMembers(batch as Uint8Array[]));
        else if (value.type === 'zset') chunks.push(encoder.zsetEntries(batch as typeof value.entries));
        else chunks.push(encoder.hashFields(batch as typeof value.fields));
      }
      encoder.endValue();
    }
  }
  chunks.push(encoder.finish());
  return concatBytes(chunks);
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const to of [...points, bytes.length]) {
    out.push(bytes.slice(from, to));
    from = to;
  }
  return out;
}

describe('RDB encoder → decoder', () => {
  it('round-trips arbitrary binary keys and values of all five types, expiries and databases', () => {
    fc.assert(
      fc.property(rdbEntries, fc.boolean(), (entries, compress) => {
        const file = decodeRdb(encodeRdbFile(entries, {}, { compress }));
        expect(file.version).toBe(10);
        expect(file.entries.map(normalizeEntry)).toEqual(entries.map(normalizeEntry));
      }),
      { numRuns: 300 },
    );
  });

  it('writes the same bytes piecewise as whole-entry, whatever the batch size and chunk coalescing', () => {
    fc.assert(
      fc.property(rdbEntries, fc.integer({ min: 1, max: 5 }), fc.constantFrom(0, 1, 100, 10_000), (entries, batchSize, minChunkBytes) => {
        const whole = encodeRdbFile(entries, { ctimeSec: 1_700_000_000 });
        expect(Buffer.from(encodePiecewise(entries, batchSize, minChunkBytes))).toEqual(Buffer.from(whole));
      }),
    );
  });

  it('decodes the same events from any chunking of the stream', async () => {
    await fc.assert(
      fc.asyncProperty(rdbEntries, fc.array(fc.nat(), { maxLength: 8 }), async (entries, cuts) => {
        const bytes = encodeRdbFile(entries);
        const streamed = await decodeRdbStream(splitAt(bytes, cuts));
        expect(streamed.entries.map(normalizeEntry)).toEqual(decodeRdb(bytes).entries.map(normalizeEntry));
      }),
      { numRuns: 200 },
    );
  });

  it('encodes views over a SharedArrayBuffer (the engine keeps bytes in blocks) exactly like plain bytes', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(4096));
    const place = (bytes: Uint8Array, at: number): Uint8Array => {
      shared.set(bytes, at);
      return shared.subarray(at, at + bytes.length);
    };
    const key = ascii('shared:key');
    const value = ascii('compressible compressible compressible compressible');
    const plain: RdbEntry = { dbIndex: 0, key, value: { type: 'hash', fields: [{ field: ascii('123'), value }] }, expireAtMs: 5 };
    const viaShared: RdbEntry = { dbIndex: 0, key: place(key, 8), value: { type: 'hash', fields: [{ field: place(ascii('123'), 100), value: place(value, 200) }] }, expireAtMs: 5 };
    expect(Buffer.from(encodeRdbFile([viaShared], { ctimeSec: 0 }))).toEqual(Buffer.from(encodeRdbFile([plain], { ctimeSec: 0 })));
    const sharedFile = encodeRdbFile([plain], { ctimeSec: 0 });
    const decodedFromShared = decodeRdb(place(sharedFile, 1024));
    expect(decodedFromShared.entries.map(normalizeEntry)).toEqual([normalizeEntry(plain)]);
  });

  it('streams a value much larger than the read chunks', async () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ascii(`element-${i}-${'x'.repeat(i % 50)}`));
    const entries: RdbEntry[] = [{ dbIndex: 0, key: ascii('big'), value: { type: 'list', items }, expireAtMs: null }];
    const bytes = encodeRdbFile(entries);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) => bytes.subarray(i * 1000, (i + 1) * 1000));
    const file = await decodeRdbStream(chunks);
    expect(file.entries.map(normalizeEntry)).toEqual(entries.map(normalizeEntry));
  });

  it('coalesces small keys into chunks of at least minChunkBytes', () => {
    const encoder = new RdbEncoder({ minChunkBytes: 1000 });
    const sizes = [encoder.header().length, encoder.selectDb(0, 500, 0).length];
    for (let i = 0; i < 500; i++) sizes.push(encoder.entry({ dbIndex: 0, key: ascii(`key:${i}`), value: { type: 'string', bytes: ascii('v') }, expireAtMs: null }).length);
    sizes.push(encoder.finish().length);
    const nonEmpty = sizes.filter((n) => n > 0);
    expect(nonEmpty.slice(0, -1).every((n) => n >= 1000)).toBe(true);
    expect(nonEmpty.length).toBeLessThan(10);
  });

  it('writes the header aux fields Redis writes', () => {
    const file = decodeRdb(encodeRdbFile([], { ctimeSec: 1234, usedMemBytes: 5678, redisVer: '7.0.15' }));
    const aux = Object.fromEntries(file.aux.map((a) => [a.key, Buffer.from(a.value).toString()]));
    expect(aux).toEqual({ 'redis-ver': '7.0.15', 'redis-bits': '64', ctime: '1234', 'used-mem': '5678', 'aof-base': '0' });
  });

  it('refuses empty aggregates and NaN scores with an RdbError', () => {
    const encoder = new RdbEncoder();
    encoder.header();
    encoder.selectDb(0, 1, 0);
    expect(() => encoder.entry({ dbIndex: 0, key: ascii('k'), value: { type: 'list', items: [] }, expireAtMs: null })).toThrow(RdbError);
    const nan = { dbIndex: 0, key: ascii('z'), value: { type: 'zset' as const, entries: [{ member: ascii('ok'), score: 1 }, { member: ascii('m'), score: NaN }] }, expireAtMs: null };
    expect(() => encoder.entry(nan)).toThrow(/NaN/);
    encoder.beginValue({ dbIndex: 0, key: ascii('z2'), type: 'zset', count: 1, expireAtMs: null });
    expect(() => encoder.zsetEntries([{ member: ascii('m'), score: NaN }])).toThrow(/NaN/);
  });

  it('leaves no partial bytes behind when a value is rejected', () => {
    const encoder = new RdbEncoder({ minChunkBytes: 1 << 20 });
    const head = encoder.header({ ctimeSec: 0 });
    encoder.selectDb(0, 1, 0);
    expect(() => encoder.entry({ dbIndex: 0, key: ascii('e'), value: { type: 'set', members: [] }, expireAtMs: null })).toThrow(RdbError);
    expect(() => encoder.entry({ dbIndex: 0, key: ascii('z'), value: { type: 'zset', entries: [{ member: ascii('ok'), score: 1 }, { member: ascii('m'), score: NaN }] }, expireAtMs: null })).toThrow(RdbError);
    encoder.entry({ dbIndex: 0, key: ascii('good'), value: { type: 'string', bytes: ascii('v') }, expireAtMs: null });
    const file = decodeRdb(concatBytes([head, encoder.finish()]));
    expect(file.entries.map((e) => Buffer.from(e.key).toString())).toEqual(['good']);
  });

  it('asserts against writing more or fewer elements than announced', () => {
    const encoder = new RdbEncoder();
    encoder.header();
    encoder.selectDb(0, 1, 0);
    encoder.beginValue({ dbIndex: 0, key: ascii('l'), type: 'list', count: 2, expireAtMs: null });
    encoder.listItems([ascii('a')]);
    expect(() => encoder.endValue()).toThrow(/never written/);
    expect(() => encoder.listItems([ascii('b'), ascii('c')])).toThrow(/more list elements than announced/);
  });

  it('writes LRU idle time and LFU frequency hints that the decoder reports back', () => {
    const encoder = new RdbEncoder();
    const chunks = [encoder.header(), encoder.selectDb(0, 3, 0)];
    chunks.push(encoder.entry({ dbIndex: 0, key: ascii('a'), value: { type: 'string', bytes: ascii('1') }, expireAtMs: 9 }, { lruIdleSec: 70_000 }));
    chunks.push(encoder.entry({ dbIndex: 0, key: ascii('b'), value: { type: 'list', items: [ascii('x')] }, expireAtMs: null }, { lfuFrequency: 200 }));
    chunks.push(encoder.beginValue({ dbIndex: 0, key: ascii('c'), type: 'string', byteLength: 1, expireAtMs: null, lruIdleSec: 3 }));
    chunks.push(encoder.stringBytes(ascii('z')));
    encoder.endValue();
    chunks.push(encoder.finish());
    const hints = [...iterateRdb(concatBytes(chunks))].flatMap((e) => (e.kind === 'entry' ? [[Buffer.from(e.entry.key).toString(), e.lruIdleSec, e.lfuFrequency]] : []));
    expect(hints).toEqual([['a', 70_000, null], ['b', null, 200], ['c', 3, null]]);
  });

  it('writes a string piecewise (raw) that decodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), fc.option(fc.nat(), { nil: null }), (bytes, pieceBytes, expireAtMs) => {
        const encoder = new RdbEncoder();
        const chunks = [encoder.header(), encoder.selectDb(4, 1, expireAtMs === null ? 0 : 1)];
        chunks.push(encoder.beginValue({ dbIndex: 4, key: ascii('long'), type: 'string', byteLength: bytes.length, expireAtMs }));
        for (let at = 0; at < bytes.length; at += pieceBytes) chunks.push(encoder.stringBytes(bytes.subarray(at, at + pieceBytes)));
        encoder.endValue();
        chunks.push(encoder.finish());
        const entry: RdbEntry = { dbIndex: 4, key: ascii('long'), value: { type: 'string', bytes }, expireAtMs };
        expect(decodeRdb(concatBytes(chunks)).entries.map(normalizeEntry)).toEqual([normalizeEntry(entry)]);
      }),
    );
  });

  it('asserts that a piecewise string gets exactly its announced bytes', () => {
    const encoder = new RdbEncoder();
    encoder.header();
    encoder.selectDb(0, 1, 0);
    encoder.beginValue({ dbIndex: 0, key: ascii('s'), type: 'string', byteLength: 3, expireAtMs: null });
    encoder.stringBytes(ascii('ab'));
    expect(() => encoder.stringBytes(ascii('cd'))).toThrow(/more string bytes than announced/);
    expect(() => encoder.endValue()).toThrow(/1 announced string bytes were never written/);
  });

  it('stores canonical integers compactly and other strings byte-exact', () => {
    const entry = (text: string): RdbEntry => ({ dbIndex: 0, key: ascii('k'), value: { type: 'string', bytes: ascii(text) }, expireAtMs: null });
    const size = (text: string): number => encodeRdbFile([entry(text)], { ctimeSec: 0 }).length;
    // int8 is marker + 1 byte, int32 marker + 4 bytes; a raw string is length byte + its bytes.
    expect(size('-2147483648')).toBe(size('1') + 3);
    expect(size('2147483648')).toBe(size('1') + 9);
    expect(size('01')).toBe(size('1') + 1);
  });
});
