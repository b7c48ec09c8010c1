import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE } from '../../src/rdb/constants.ts';
import { decodeRdb, decodeRdbStream, iterateRdb, type RdbFile } from '../../src/rdb/decoder.ts';
import type { RdbEntry, RdbValue } from '../../src/rdb/value.ts';
import { normalizeEntry } from './normalize.ts';
import { reassemble } from './reassemble.ts';
import { makeTempDir, startRedis, type RedisProcess } from './redis-server.ts';

const ascii = (text: string): Buffer => Buffer.from(text);
const expireAtMs = Date.now() + 86_400_000 * 10;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * What we write through the Redis protocol, chosen so that Redis 7.0 picks every encoding it has:
 * comments name the RDB type each key is saved with.
 */
const written: RdbEntry[] = [
  { dbIndex: 0, key: ascii('str:raw'), value: { type: 'string', bytes: ascii('hello world') }, expireAtMs: null }, // STRING, raw
  { dbIndex: 0, key: ascii('str:int'), value: { type: 'string', bytes: ascii('12345') }, expireAtMs: null }, // STRING, int16
  { dbIndex: 0, key: ascii('str:neg'), value: { type: 'string', bytes: ascii('-100000') }, expireAtMs: null }, // STRING, int32
  { dbIndex: 0, key: ascii('str:int64'), value: { type: 'string', bytes: ascii('-9223372036854775808') }, expireAtMs: null }, // STRING, text
  { dbIndex: 0, key: ascii('str:lzf'), value: { type: 'string', bytes: ascii('compress me please, '.repeat(500)) }, expireAtMs }, // STRING, LZF
  { dbIndex: 0, key: Buffer.from([0, 1, 254, 255]), value: { type: 'string', bytes: Buffer.from(range(256)) }, expireAtMs: null },
  { dbIndex: 0, key: ascii('list:small'), value: { type: 'list', items: ['a', '1', '-3', '70000', '4294967296', 'b'.repeat(100)].map(ascii) }, expireAtMs: null }, // QUICKLIST_2 packed
  { dbIndex: 0, key: ascii('list:big'), value: { type: 'list', items: range(20_000).map((i) => ascii(i % 2 ? `item-${i}` : String(i * 1000))) }, expireAtMs }, // QUICKLIST_2, many nodes
  { dbIndex: 0, key: ascii('list:plain'), value: { type: 'list', items: [ascii('small'), Buffer.alloc(3000, 'p'), ascii('tail')] }, expireAtMs: null }, // QUICKLIST_2 with a PLAIN node
  { dbIndex: 0, key: ascii('set:int16'), value: { type: 'set', members: ['1', '2', '-300'].map(ascii) }, expireAtMs: null }, // SET_INTSET width 2
  { dbIndex: 0, key: ascii('set:int32'), value: { type: 'set', members: ['1', '100000'].map(ascii) }, expireAtMs: null }, // SET_INTSET width 4
  { dbIndex: 0, key: ascii('set:int64'), value: { type: 'set', members: ['-9223372036854775808', '9223372036854775807', '0'].map(ascii) }, expireAtMs: null }, // SET_INTSET width 8
  { dbIndex: 0, key: ascii('set:strings'), value: { type: 'set', members: ['x', 'y', 'zz'].map(ascii) }, expireAtMs: null }, // SET in 7.0, SET_LISTPACK in 7.2
  { dbIndex: 0, key: ascii('set:many-ints'), value: { type: 'set', members: range(1000).map((i) => ascii(String(i))) }, expireAtMs: null }, // SET
  {
    dbIndex: 0,
    key: ascii('zset:small'),
    value: { type: 'zset', entries: [['a', 1], ['b', -2], ['c', 2.5], ['d', Infinity], ['e', -Infinity], ['f', 1e300], ['g', 0.1]].map(([m, s]) => ({ member: ascii(m as string), score: s as number })) },
    expireAtMs: null,
  }, // ZSET_LISTPACK
  { dbIndex: 0, key: ascii('zset:big'), value: { type: 'zset', entries: range(300).map((i) => ({ member: ascii(`m${i}`), score: i * 1.25 - 100 })) }, expireAtMs }, // ZSET_2
  { dbIndex: 0, key: ascii('hash:small'), value: { type: 'hash', fields: [['f', 'v'], ['n', '123'], ['neg', '-5000000'], ['big', '1099511627776']].map(([f, v]) => ({ field: ascii(f!), value: ascii(v!) })) }, expireAtMs: null }, // HASH_LISTPACK
  { dbIndex: 0, key: ascii('hash:big'), value: { type: 'hash', fields: range(300).map((i) => ({ field: ascii(`field:${i}`), value: ascii(`value:${i}`) })) }, expireAtMs: null }, // HASH
  { dbIndex: 0, key: ascii('hash:long-value'), value: { type: 'hash', fields: [{ field: ascii('f'), value: Buffer.alloc(200, 'v') }] }, expireAtMs: null }, // HASH
  { dbIndex: 3, key: ascii('db3:str'), value: { type: 'string', bytes: ascii('three') }, expireAtMs },
  { dbIndex: 3, key: ascii('db3:hash'), value: { type: 'hash', fields: [{ field: ascii('a'), value: ascii('b') }] }, expireAtMs: null },
];

async function write(redis: Redis, entry: RdbEntry): Promise<void> {
  await redis.select(entry.dbIndex);
  const key = Buffer.from(entry.key);
  const value: RdbValue = entry.value;
  switch (value.type) {
    case 'string':
      await redis.set(key, Buffer.from(value.bytes));
      break;
    case 'list':
      for (let i = 0; i < value.items.length; i += 1000) await redis.rpush(key, ...value.items.slice(i, i + 1000).map((b) => Buffer.from(b)));
      break;
    case 'set':
      await redis.sadd(key, ...value.members.map((b) => Buffer.from(b)));
      break;
    case 'zset':
      await redis.zadd(key, ...value.entries.flatMap((e) => [String(e.score).replace('Infinity', 'inf'), Buffer.from(e.member)]));
      break;
    case 'hash':
      await redis.hset(key, ...value.fields.flatMap((f) => [Buffer.from(f.field), Buffer.from(f.value)]));
      break;
  }
  if (entry.expireAtMs !== null) await redis.pexpireat(key, entry.expireAtMs);
}

const byKey = (entries: RdbEntry[]): Map<string, unknown> => new Map(entries.map((e) => [`${e.dbIndex}:${Buffer.from(e.key).toString('hex')}`, normalizeEntry(e)]));

describe('we load the RDB files a real Redis 7.0 writes', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let server: RedisProcess;
  let redis: Redis;
  const files: Record<string, Buffer> = {};
  /** The suite targets Debian's 7.0.15; 7.2 writes RDB 11 and listpack sets, which we read too. */
  let redisIs72 = false;
  let redisVersion = '';

  beforeAll(async () => {
    temp = await makeTempDir('sabre-rdb-theirs-');
    // Thresholds pinned: Debian's build does not ship upstream's defaults for all of them.
    // list-compress-depth 1 makes Redis keep (and save) inner list nodes LZF-compressed.
    const thresholds = ['--hash-max-listpack-entries', '128', '--hash-max-listpack-value', '64', '--zset-max-listpack-entries', '128', '--zset-max-listpack-value', '64', '--set-max-intset-entries', '512', '--list-max-listpack-size', '-2', '--list-compress-depth', '1'];
    server = await startRedis(temp.dir, 'theirs.rdb', ['--enable-debug-command', 'yes', ...thresholds]);
    redis = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    const version = /redis_version:((\d+)\.(\d+)\S*)/.exec(await redis.info('server'));
    redisVersion = version?.[1] ?? '';
    redisIs72 = version !== null && Number(version[2]) * 100 + Number(version[3]) >= 702;
    // Elements of 1000+ bytes become PLAIN quicklist nodes, the 7.0 large-element path.
    await redis.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1000');
    for (const entry of written) await write(redis, entry);
    await redis.call('FUNCTION', 'LOAD', "#!lua name=sabrelib\nredis.register_function('sabre_fn', function(keys, args) return 1 end)");
    const save = async (name: string): Promise<void> => {
      await redis.save();
      files[name] = await readFile(path.join(temp.dir, 'theirs.rdb'));
    };
    await save('plain');
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru'); // keys get IDLE opcodes
    await save('lru');
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lfu'); // keys get FREQ opcodes
    await save('lfu');
    await redis.config('SET', 'rdbcompression', 'no');
    await save('uncompressed');
    // rdbchecksum is immutable at runtime: a second server loads the first file and saves it again.
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await save('plain-again');
    await server.stop();
    server = await startRedis(temp.dir, 'theirs.rdb', ['--rdbchecksum', 'no', '--enable-debug-command', 'yes', ...thresholds]);
    redis.disconnect();
    redis = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    await save('no-checksum');
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
    await temp?.remove();
  });

  it('Redis used the compact encodings this test is meant to cover (after reloading its own file)', async () => {
    await redis.select(0);
    const encodings: Record<string, string> = {};
    for (const key of ['list:small', 'set:int16', 'set:strings', 'zset:small', 'zset:big', 'hash:small', 'hash:big', 'str:int', 'str:raw']) {
      encodings[key] = String(await redis.object('ENCODING', key));
    }
    expect(encodings).toEqual({
      'list:small': 'quicklist',
      'set:int16': 'intset',
      'set:strings': redisIs72 ? 'listpack' : 'hashtable',
      'zset:small': 'listpack',
      'zset:big': 'skiplist',
      'hash:small': 'listpack',
      'hash:big': 'hashtable',
      'str:int': 'int',
      'str:raw': 'embstr',
    });
    // The type bytes in the file itself, so a silent fallback to plain types cannot pass unnoticed.
    const plain = files.plain!;
    const typeBefore = (key: string): number => plain[plain.indexOf(Buffer.concat([Buffer.from([key.length]), Buffer.from(key)])) - 1]!;
    expect(typeBefore('list:small')).toBe(TYPE.LIST_QUICKLIST_2);
    expect(typeBefore('set:int64')).toBe(TYPE.SET_INTSET);
    expect(typeBefore('set:strings')).toBe(redisIs72 ? TYPE.SET_LISTPACK : TYPE.SET);
    expect(typeBefore('zset:small')).toBe(TYPE.ZSET_LISTPACK);
    expect(typeBefore('zset:big')).toBe(TYPE.ZSET_2);
    expect(typeBefore('hash:small')).toBe(TYPE.HASH_LISTPACK);
    expect(typeBefore('hash:big')).toBe(TYPE.HASH);
    // Inner quicklist nodes of list:big are LZF-compressed in memory, and saved as such.
    expect(String(await redis.call('DEBUG', 'OBJECT', 'list:big'))).toMatch(/ql_compressed:1/);
    // The big element split list:plain into three quicklist nodes (packed, PLAIN, packed).
    const plainKeyAt = plain.indexOf(Buffer.from('\x0alist:plain'));
    expect(plain[plainKeyAt - 1]).toBe(TYPE.LIST_QUICKLIST_2);
    expect([plain[plainKeyAt + 11], plain[plainKeyAt + 12]]).toEqual([3, 2]);
  });

  for (const name of ['plain', 'lru', 'lfu', 'uncompressed', 'plain-again', 'no-checksum']) {
    it(`decodes every key exactly from the ${name} save`, async () => {
      const file: RdbFile = decodeRdb(files[name]!);
      expect(file.version).toBe(redisIs72 ? 11 : 10);
      expect(byKey(file.entries)).toEqual(byKey(written));
      expect(file.functions.map((code) => Buffer.from(code).toString())).toEqual([expect.stringContaining('sabre_fn')]);
      expect(file.checksum === null).toBe(name === 'no-checksum');
      const aux = new Map(file.aux.map((a) => [a.key, Buffer.from(a.value).toString()]));
      expect(aux.get('redis-ver')).toBe(redisVersion);
    });
  }

  it('reports LRU idle times and LFU counters from saves under those policies, and neither otherwise', () => {
    const entryEvents = (name: string) => [...iterateRdb(files[name]!)].flatMap((e) => (e.kind === 'entry' ? [e] : []));
    expect(entryEvents('lru').every((e) => e.lruIdleSec !== null && e.lfuFrequency === null)).toBe(true);
    expect(entryEvents('lfu').every((e) => e.lfuFrequency !== null && e.lruIdleSec === null)).toBe(true);
    expect(entryEvents('plain').every((e) => e.lruIdleSec === null && e.lfuFrequency === null)).toBe(true);
    expect(entryEvents('plain')).toHaveLength(written.length);
  });

  it('delivers the same entries in batches, quicklist nodes included (elementBatch)', () => {
    // A packed quicklist node is read whole, so a batch may exceed elementBatch by one node.
    const { entries, batches } = reassemble(iterateRdb(files.plain!, { elementBatch: 100 }));
    expect(byKey(entries)).toEqual(byKey(written));
    expect(batches).toBeGreaterThan(written.length);
  });

  it('decodes the same entries when the file arrives in small chunks', async () => {
    const bytes = files.plain!;
    const chunks = range(Math.ceil(bytes.length / 777)).map((i) => bytes.subarray(i * 777, (i + 1) * 777));
    const streamed = await decodeRdbStream(chunks);
    expect(byKey(streamed.entries)).toEqual(byKey(written));
  });
});
