import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RdbEncoder, concatBytes } from '../../src/rdb/encoder.ts';
import type { RdbEntry } from '../../src/rdb/value.ts';
import { hex, normalizeValue } from './normalize.ts';
import { readBack } from './redis-readback.ts';
import { makeTempDir, startRedis, type RedisProcess } from './redis-server.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
function noise(byteLength: number, seed: number): Uint8Array {
  const out = new Uint8Array(byteLength);
  let x = seed * 2 + 1;
  for (let i = 0; i < byteLength; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const allByteValues = Uint8Array.from({ length: 256 }, (_, i) => i);
const expireAtMs = Date.now() + 86_400_000 * 30;

const entries: RdbEntry[] = [
  { dbIndex: 0, key: ascii('str:small'), value: { type: 'string', bytes: ascii('hello') }, expireAtMs: null },
  { dbIndex: 0, key: ascii('str:empty'), value: { type: 'string', bytes: new Uint8Array() }, expireAtMs: null },
  { dbIndex: 0, key: ascii('str:int8'), value: { type: 'string', bytes: ascii('-7') }, expireAtMs: null },
  { dbIndex: 0, key: ascii('str:int32'), value: { type: 'string', bytes: ascii('-2147483648') }, expireAtMs: null },
  { dbIndex: 0, key: ascii('str:int64'), value: { type: 'string', bytes: ascii('9223372036854775807') }, expireAtMs: null },
  { dbIndex: 0, key: ascii('str:leading-zero'), value: { type: 'string', bytes: ascii('007') }, expireAtMs: null },
  { dbIndex: 0, key: allByteValues, value: { type: 'string', bytes: allByteValues }, expireAtMs: null },
  { dbIndex: 0, key: ascii('str:compressible'), value: { type: 'string', bytes: ascii('sabre-'.repeat(20_000)) }, expireAtMs: null },
  { dbIndex: 0, key: ascii('str:random-1mb'), value: { type: 'string', bytes: noise(1 << 20, 7) }, expireAtMs: null },
  { dbIndex: 0, key: ascii('str:expiring'), value: { type: 'string', bytes: ascii('soon') }, expireAtMs },
  { dbIndex: 0, key: ascii('str:idle'), value: { type: 'string', bytes: ascii('untouched for a while') }, expireAtMs: null },
  { dbIndex: 0, key: ascii('list:small'), value: { type: 'list', items: [ascii('a'), ascii('1'), ascii('a'), new Uint8Array([0, 255])] }, expireAtMs: null },
  { dbIndex: 0, key: ascii('list:big'), value: { type: 'list', items: Array.from({ length: 10_000 }, (_, i) => (i % 3 === 0 ? ascii(String(i)) : noise(i % 100, i + 1))) }, expireAtMs },
  { dbIndex: 0, key: ascii('set:ints'), value: { type: 'set', members: [ascii('1'), ascii('-5'), ascii('70000'), ascii('9223372036854775807')] }, expireAtMs: null },
  { dbIndex: 0, key: ascii('set:strings'), value: { type: 'set', members: [ascii('x'), ascii('y'), allByteValues] }, expireAtMs: null },
  { dbIndex: 0, key: ascii('set:big'), value: { type: 'set', members: Array.from({ length: 2000 }, (_, i) => ascii(`member-${i}`)) }, expireAtMs: null },
  {
    dbIndex: 0,
    key: ascii('zset:small'),
    value: { type: 'zset', entries: [{ member: ascii('a'), score: 1 }, { member: ascii('b'), score: 2.5 }, { member: ascii('inf'), score: Infinity }, { member: ascii('ninf'), score: -Infinity }, { member: ascii('tiny'), score: 5e-324 }] },
    expireAtMs: null,
  },
  { dbIndex: 0, key: ascii('zset:big'), value: { type: 'zset', entries: Array.from({ length: 500 }, (_, i) => ({ member: noise(10, i + 3), score: i / 7 - 30 })) }, expireAtMs: null },
  { dbIndex: 0, key: ascii('hash:small'), value: { type: 'hash', fields: [{ field: ascii('f1'), value: ascii('v1') }, { field: ascii('n'), value: ascii('42') }, { field: allByteValues, value: new Uint8Array() }] }, expireAtMs: null },
  { dbIndex: 0, key: ascii('hash:big'), value: { type: 'hash', fields: Array.from({ length: 1000 }, (_, i) => ({ field: ascii(`field-${i}`), value: noise(i % 200, i + 11) })) }, expireAtMs },
  { dbIndex: 3, key: ascii('db3:string'), value: { type: 'string', bytes: ascii('in db three') }, expireAtMs },
  { dbIndex: 3, key: ascii('db3:list'), value: { type: 'list', items: [ascii('x')] }, expireAtMs: null },
  { dbIndex: 3, key: ascii('str:small'), value: { type: 'string', bytes: ascii('same key, other db') }, expireAtMs: null },
];

const IDLE_SEC = 5000;

/** Db 5 is written piecewise, the way the snapshot dumper streams big values. */
const piecewise: RdbEntry[] = [
  { dbIndex: 5, key: ascii('pw:string'), value: { type: 'string', bytes: noise(3 << 20, 99) }, expireAtMs: null },
  { dbIndex: 5, key: ascii('pw:list'), value: { type: 'list', items: Array.from({ length: 100_000 }, (_, i) => ascii(`l${i}`)) }, expireAtMs },
  { dbIndex: 5, key: ascii('pw:set'), value: { type: 'set', members: Array.from({ length: 50_000 }, (_, i) => ascii(String(i * 3))) }, expireAtMs: null },
  { dbIndex: 5, key: ascii('pw:zset'), value: { type: 'zset', entries: Array.from({ length: 20_000 }, (_, i) => ({ member: ascii(`z${i}`), score: i % 2 ? i : -i / 3 })) }, expireAtMs: null },
  { dbIndex: 5, key: ascii('pw:hash'), value: { type: 'hash', fields: Array.from({ length: 20_000 }, (_, i) => ({ field: ascii(`f${i}`), value: noise(i % 30, i + 5) })) }, expireAtMs: null },
];

function buildOurFile(): Uint8Array {
  const encoder = new RdbEncoder({ minChunkBytes: 64 * 1024 });
  const chunks: Uint8Array[] = [encoder.header()];
  for (const dbIndex of [0, 3]) {
    const inDb = entries.filter((e) => e.dbIndex === dbIndex);
    chunks.push(encoder.selectDb(dbIndex, inDb.length, inDb.filter((e) => e.expireAtMs !== null).length));
    for (const entry of inDb) chunks.push(encoder.entry(entry, Buffer.from(entry.key).toString() === 'str:idle' ? { lruIdleSec: IDLE_SEC } : {}));
  }
  chunks.push(encoder.selectDb(5, piecewise.length, 1));
  const batch = 777;
  for (const { key, value, expireAtMs } of piecewise) {
    const head = { dbIndex: 5, key, expireAtMs };
    switch (value.type) {
      case 'string':
        chunks.push(encoder.beginValue({ ...head, type: 'string', byteLength: value.bytes.length }));
        for (let at = 0; at < value.bytes.length; at += 100_000) chunks.push(encoder.stringBytes(value.bytes.subarray(at, at + 100_000)));
        break;
      case 'list':
        chunks.push(encoder.beginValue({ ...head, type: 'list', count: value.items.length }));
        for (let at = 0; at < value.items.length; at += batch) chunks.push(encoder.listItems(value.items.slice(at, at + batch)));
        break;
      case 'set':
        chunks.push(encoder.beginValue({ ...head, type: 'set', count: value.members.length }));
        for (let at = 0; at < value.members.length; at += batch) chunks.push(encoder.setMembers(value.members.slice(at, at + batch)));
        break;
      case 'zset':
        chunks.push(encoder.beginValue({ ...head, type: 'zset', count: value.entries.length }));
        for (let at = 0; at < value.entries.length; at += batch) chunks.push(encoder.zsetEntries(value.entries.slice(at, at + batch)));
        break;
      case 'hash':
        chunks.push(encoder.beginValue({ ...head, type: 'hash', count: value.fields.length }));
        for (let at = 0; at < value.fields.length; at += batch) chunks.push(encoder.hashFields(value.fields.slice(at, at + batch)));
        break;
    }
    encoder.endValue();
  }
  chunks.push(encoder.finish());
  return concatBytes(chunks);
}

describe('a real Redis 7.0 loads the RDB files we write', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let server: RedisProcess;
  let redis: Redis;

  beforeAll(async () => {
    temp = await makeTempDir('sabre-rdb-ours-');
    await writeFile(path.join(temp.dir, 'ours.rdb'), buildOurFile());
    server = await startRedis(temp.dir, 'ours.rdb', ['--sanitize-dump-payload', 'yes']);
    redis = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
    await temp?.remove();
  });

  it('reports the file loaded with the key counts per database', async () => {
    expect(server.output()).toMatch(/DB loaded from disk/);
    const keyspace = await redis.info('keyspace');
    for (const dbIndex of [0, 3, 5]) {
      const inDb = [...entries, ...piecewise].filter((e) => e.dbIndex === dbIndex);
      const expires = inDb.filter((e) => e.expireAtMs !== null).length;
      expect(keyspace).toContain(`db${dbIndex}:keys=${inDb.length},expires=${expires},`);
    }
  });

  it('restores the idle time we wrote for a key (IDLE opcode)', async () => {
    await redis.select(0);
    const idleSec = Number(await redis.object('IDLETIME', 'str:idle'));
    expect(idleSec).toBeGreaterThanOrEqual(IDLE_SEC);
    expect(idleSec).toBeLessThan(IDLE_SEC + 120);
  });

  it('returns every key of every type byte-exact, with its expiry, including values written piecewise', async () => {
    for (const entry of [...entries, ...piecewise]) {
      await redis.select(entry.dbIndex);
      const key = Buffer.from(entry.key);
      const label = `db${entry.dbIndex} ${hex(entry.key).slice(0, 40)}`;
      expect(await redis.type(key), label).toBe(entry.value.type);
      expect(normalizeValue(await readBack(redis, key, entry.value.type)), label).toEqual(normalizeValue(entry.value));
      const pexpiretime = await redis.call('PEXPIRETIME', key);
      expect(pexpiretime, label).toBe(entry.expireAtMs ?? -1);
    }
  });
});
