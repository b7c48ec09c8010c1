import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRdb, iterateRdb, iterateRdbStream, type RdbEvent } from '../../src/rdb/decoder.ts';
import { RdbEncoder, concatBytes, encodeRdbFile } from '../../src/rdb/encoder.ts';
import { rdbEntries } from './arbitraries.ts';
import { normalizeEntry } from './normalize.ts';
import { reassemble } from './reassemble.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('batched decoding (elementBatch)', () => {
  it('delivers the same entries as whole decoding, in batches of at most elementBatch, whole-buffer and streamed', async () => {
    await fc.assert(
      fc.asyncProperty(rdbEntries, fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 40 }), async (entries, elementBatch, chunkBytes) => {
        const bytes = encodeRdbFile(entries);
        const expected = decodeRdb(bytes).entries.map(normalizeEntry);
        expect(reassemble(iterateRdb(bytes, { elementBatch }), elementBatch).entries.map(normalizeEntry)).toEqual(expected);
        const chunks = Array.from({ length: Math.ceil(bytes.length / chunkBytes) }, (_, i) => bytes.subarray(i * chunkBytes, (i + 1) * chunkBytes));
        const streamed: RdbEvent[] = [];
        for await (const event of iterateRdbStream(chunks, { elementBatch })) streamed.push(event);
        expect(reassemble(streamed, elementBatch).entries.map(normalizeEntry)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('never gathers a big value: a 100,000-item list arrives in 100 batches of 1,000', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => ascii(`item-${i}`));
    const bytes = encodeRdbFile([{ dbIndex: 0, key: ascii('big'), value: { type: 'list', items }, expireAtMs: null }]);
    const sizes = [...iterateRdb(bytes, { elementBatch: 1000 })].flatMap((e) => (e.kind === 'valueElements' && e.value.type === 'list' ? [e.value.items.length] : []));
    expect(sizes).toEqual(Array.from({ length: 100 }, () => 1000));
  });

  it('hands batches over while a single huge chunk is still being decoded', async () => {
    const items = Array.from({ length: 100_000 }, (_, i) => ascii(`item-${i}`));
    const bytes = encodeRdbFile([{ dbIndex: 0, key: ascii('big'), value: { type: 'list', items }, expireAtMs: null }]);
    // Break the last element (its length byte becomes an unknown string encoding): decoding
    // fails only at the very end, so batches seen before the error were handed over early.
    const lastLengthAt = bytes.length - 8 - 1 - 1 - 'item-99999'.length;
    expect(bytes[lastLengthAt]).toBe('item-99999'.length);
    bytes[lastLengthAt] = 0xc5;
    let batchesSeen = 0;
    await expect(
      (async () => {
        for await (const event of iterateRdbStream([bytes], { elementBatch: 10 })) if (event.kind === 'valueElements') batchesSeen++;
      })(),
    ).rejects.toThrow(/unknown string encoding 5/);
    expect(batchesSeen).toBeGreaterThan(9000);
  });

  it('reports a declared-empty value as skipped, as whole decoding does', () => {
    const encoder = new RdbEncoder();
    // An empty list can only come from another writer; build its bytes by hand after a real header.
    const head = encoder.header({ ctimeSec: 0 });
    const select = encoder.selectDb(0, 1, 0);
    const body = Uint8Array.from([1, 1, 0x65, 0]); // LIST, key "e", length 0
    const file = concatBytes([head, select, body, Uint8Array.from([0xff]), new Uint8Array(8)]); // zero checksum: disabled
    const kinds = [...iterateRdb(file, { elementBatch: 10 })].map((e) => e.kind);
    expect(kinds).toEqual(['header', 'aux', 'aux', 'aux', 'aux', 'aux', 'selectDb', 'resizeDb', 'emptyKeySkipped', 'eof']);
  });
});
