import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRdb } from '../../src/rdb/decoder.ts';
import { RdbEncoder, concatBytes, encodeRdbFile } from '../../src/rdb/encoder.ts';
import { bytesKey } from '../../src/rdb/packed-element.ts';
import type { RdbEntry, RdbValue } from '../../src/rdb/value.ts';
import { byteString, rdbValue } from './arbitraries.ts';
import { normalizeEntry } from './normalize.ts';
import { makeTempDir, startRedis, type RedisProcess } from './redis-server.ts';

/** Aggregates past Redis's listpack/intset limits, so the hashtable/skiplist paths get random data too. */
const bigValue: fc.Arbitrary<RdbValue> = fc.oneof(
  fc.array(byteString, { minLength: 130, maxLength: 300 }).map((items): RdbValue => ({ type: 'list', items })),
  fc.uniqueArray(byteString, { minLength: 130, maxLength: 300, selector: bytesKey }).map((members): RdbValue => ({ type: 'set', members })),
  fc
    .uniqueArray(byteString, { minLength: 130, maxLength: 300, selector: bytesKey })
    .map((members): RdbValue => ({ type: 'zset', entries: members.map((member, i) => ({ member, score: (i * 7919) % 1000 / 8 - 60 })) })),
  fc
    .uniqueArray(byteString, { minLength: 130, maxLength: 300, selector: bytesKey })
    .map((fields): RdbValue => ({ type: 'hash', fields: fields.map((field, i) => ({ field, value: fields[(i + 1) % fields.length]! })) })),
);

const now = Date.now();
const entriesForRedis: fc.Arbitrary<RdbEntry[]> = fc
  .uniqueArray(
    fc.record({
      dbIndex: fc.constantFrom(0, 2, 15),
      key: byteString,
      value: fc.oneof({ weight: 5, arbitrary: rdbValue }, { weight: 1, arbitrary: bigValue }),
      // Redis drops keys that are already expired when it loads, so only future expiries.
      expireAtMs: fc.option(fc.integer({ min: now + 3_600_000, max: now + 365 * 86_400_000 }), { nil: null }),
    }),
    { maxLength: 10, selector: (e) => `${e.dbIndex}:${bytesKey(e.key)}` },
  )
  .map((entries) => withoutNegativeZero([...entries].sort((a, b) => a.dbIndex - b.dbIndex)));

/** Redis turns a -0 score into 0 when it re-encodes a zset as listpack; that is Redis, not us. */
const withoutNegativeZero = (entries: RdbEntry[]): RdbEntry[] =>
  entries.map((e) => (e.value.type === 'zset' ? { ...e, value: { type: 'zset', entries: e.value.entries.map((z) => ({ member: z.member, score: Object.is(z.score, -0) ? 0 : z.score })) } } : e));

const byKey = (entries: RdbEntry[]): Map<string, unknown> => new Map(entries.map((e) => [`${e.dbIndex}:${bytesKey(e.key)}`, normalizeEntry(e)]));

describe('random data through a real Redis: our file → Redis loads it → Redis saves → we decode', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let server: RedisProcess;
  let redis: Redis;
  const fileName = 'dump.rdb';

  beforeAll(async () => {
    temp = await makeTempDir('sabre-rdb-prop-');
    server = await startRedis(temp.dir, fileName, ['--enable-debug-command', 'yes', '--sanitize-dump-payload', 'yes']);
    redis = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
    await temp?.remove();
  });

  it('gives back exactly what we wrote, whatever encodings Redis picks', async () => {
    const filePath = path.join(temp.dir, fileName);
    await fc.assert(
      fc.asyncProperty(entriesForRedis, fc.boolean(), async (entries, compress) => {
        await writeFile(filePath, encodeRdbFile(entries, {}, { compress }));
        await redis.call('DEBUG', 'RELOAD', 'NOSAVE'); // load our file in place of the dataset
        await redis.save();
        const theirs = decodeRdb(await readFile(filePath));
        expect(byKey(theirs.entries)).toEqual(byKey(entries));
      }),
      { numRuns: 100 },
    );
  });

  it('loads files that go back to a database they already left (a dirty-first dump order)', async () => {
    const filePath = path.join(temp.dir, fileName);
    await fc.assert(
      // entriesForRedis is sorted by db; shuffle it so databases interleave.
      fc.asyncProperty(entriesForRedis.chain((entries) => fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length })), async (entries) => {
        const encoder = new RdbEncoder();
        const chunks = [encoder.header()];
        let selected: number | null = null;
        for (const entry of entries) {
          // RESIZEDB is only a sizing hint, so a dumper that does not know the counts passes 0.
          if (entry.dbIndex !== selected) chunks.push(encoder.selectDb(entry.dbIndex, 0, 0));
          selected = entry.dbIndex;
          chunks.push(encoder.entry(entry));
        }
        chunks.push(encoder.finish());
        await writeFile(filePath, concatBytes(chunks));
        await redis.call('DEBUG', 'RELOAD', 'NOSAVE');
        await redis.save();
        expect(byKey(decodeRdb(await readFile(filePath)).entries)).toEqual(byKey(entries));
      }),
      { numRuns: 40 },
    );
  });
});
