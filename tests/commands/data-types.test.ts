import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestSabre, type TestSabre } from './support/sabre.ts';

let sabre: TestSabre;
let client: Redis;

beforeAll(async () => {
  sabre = await startTestSabre();
  client = new Redis({ port: sabre.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  await client.connect();
});

afterAll(async () => {
  client.disconnect();
  await sabre.stop();
});

beforeEach(async () => {
  await client.flushall();
});

describe('strings through ioredis', () => {
  it('sets and gets binary values, with NX/XX/GET/KEEPTTL', async () => {
    const value = Buffer.from([0, 1, 2, 255, 13, 10]);
    expect(await client.set('k', value)).toBe('OK');
    expect(await client.getBuffer('k')).toEqual(value);
    expect(await client.set('k', 'x', 'NX')).toBeNull();
    expect(await client.set('missing', 'x', 'XX')).toBeNull();
    expect(await client.set('k', 'new', 'GET')).toBe(value.toString());
    expect(await client.set('t', 'v', 'EX', 100)).toBe('OK');
    expect(await client.set('t', 'w', 'KEEPTTL')).toBe('OK');
    expect(await client.ttl('t')).toBeGreaterThan(90);
    expect(await client.set('t', 'w')).toBe('OK');
    expect(await client.ttl('t')).toBe(-1);
  });

  it('counts with INCR family and INCRBYFLOAT, and refuses non-numbers', async () => {
    expect(await client.incr('n')).toBe(1);
    expect(await client.incrby('n', 41)).toBe(42);
    expect(await client.decrby('n', 2)).toBe(40);
    expect(await client.incrbyfloat('f', '1.5')).toBe('1.5');
    await client.set('s', 'abc');
    await expect(client.incr('s')).rejects.toThrow('ERR value is not an integer or out of range');
    await client.set('max', '9223372036854775807');
    await expect(client.incr('max')).rejects.toThrow('ERR increment or decrement would overflow');
  });

  it('answers MGET/MSET/APPEND/STRLEN/GETRANGE/SETRANGE/GETDEL/GETSET/SETNX/SETEX', async () => {
    expect(await client.mset('a', '1', 'b', '2')).toBe('OK');
    expect(await client.mget('a', 'b', 'c')).toEqual(['1', '2', null]);
    expect(await client.append('a', 'xyz')).toBe(4);
    expect(await client.strlen('a')).toBe(4);
    expect(await client.getrange('a', 1, -1)).toBe('xyz');
    expect(await client.setrange('a', 1, 'Q')).toBe(4);
    expect(await client.get('a')).toBe('1Qyz');
    expect(await client.getset('a', 'new')).toBe('1Qyz');
    expect(await client.getdel('a')).toBe('new');
    expect(await client.exists('a')).toBe(0);
    expect(await client.setnx('b', 'no')).toBe(0);
    expect(await client.setex('e', 10, 'v')).toBe('OK');
    expect(await client.ttl('e')).toBeGreaterThan(8);
    await expect(client.setex('e', 0, 'v')).rejects.toThrow("ERR invalid expire time in 'setex' command");
  });

  it('rejects bad SET options with syntax errors', async () => {
    await expect(client.call('SET', 'k', 'v', 'NX', 'XX')).rejects.toThrow('ERR syntax error');
    await expect(client.call('SET', 'k', 'v', 'EX', '10', 'KEEPTTL')).rejects.toThrow('ERR syntax error');
    await expect(client.call('SET', 'k', 'v', 'EX')).rejects.toThrow('ERR syntax error');
    await expect(client.call('SET', 'k', 'v', 'EX', 'ten')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(client.call('SET', 'k', 'v', 'EX', '0')).rejects.toThrow("ERR invalid expire time in 'set' command");
  });
});

describe('hashes, sets, lists and sorted sets through ioredis', () => {
  it('keeps hash fields', async () => {
    expect(await client.hset('h', 'a', '1', 'b', '2')).toBe(2);
    expect(await client.hget('h', 'a')).toBe('1');
    expect(await client.hmget('h', 'a', 'zz')).toEqual(['1', null]);
    expect(await client.hgetall('h')).toEqual({ a: '1', b: '2' });
    expect(await client.hincrby('h', 'a', 10)).toBe(11);
    expect(await client.hlen('h')).toBe(2);
    expect(await client.hexists('h', 'b')).toBe(1);
    expect(await client.hdel('h', 'b', 'c')).toBe(1);
    expect(await client.hkeys('h')).toEqual(['a']);
    expect(await client.hvals('h')).toEqual(['11']);
    expect(await client.hsetnx('h', 'a', 'x')).toBe(0);
  });

  it('keeps set members', async () => {
    expect(await client.sadd('s', 'a', 'b', 'a')).toBe(2);
    expect((await client.smembers('s')).sort()).toEqual(['a', 'b']);
    expect(await client.sismember('s', 'a')).toBe(1);
    expect(await client.smismember('s', 'a', 'z')).toEqual([1, 0]);
    expect(await client.scard('s')).toBe(2);
    expect(await client.srem('s', 'a')).toBe(1);
  });

  it('keeps list order through pushes and pops', async () => {
    expect(await client.rpush('l', 'a', 'b', 'c')).toBe(3);
    expect(await client.lpush('l', 'z')).toBe(4);
    expect(await client.lrange('l', 0, -1)).toEqual(['z', 'a', 'b', 'c']);
    expect(await client.lindex('l', -1)).toBe('c');
    expect(await client.lset('l', 0, 'y')).toBe('OK');
    expect(await client.lpop('l')).toBe('y');
    expect(await client.rpop('l', 2)).toEqual(['c', 'b']);
    expect(await client.llen('l')).toBe(1);
    expect(await client.rpushx('nolist', 'a')).toBe(0);
    await expect(client.lset('l', 5, 'x')).rejects.toThrow('ERR index out of range');
  });

  it('orders sorted sets, with ZADD flags and ZRANGE BYSCORE/REV/LIMIT/WITHSCORES', async () => {
    expect(await client.zadd('z', 1, 'a', 2, 'b', 3, 'c')).toBe(3);
    expect(await client.zadd('z', 'NX', 5, 'a', 4, 'd')).toBe(1);
    expect(await client.zadd('z', 'XX', 'CH', 10, 'a', 9, 'nope')).toBe(1);
    expect(await client.zadd('z', 'GT', 'CH', 1, 'a')).toBe(0);
    expect(await client.zadd('z', 'INCR', 1, 'b')).toBe('3');
    expect(await client.zrange('z', 0, -1, 'WITHSCORES')).toEqual(['b', '3', 'c', '3', 'd', '4', 'a', '10']);
    expect(await client.zrange('z', '(3', '+inf', 'BYSCORE')).toEqual(['d', 'a']);
    expect(await client.zrange('z', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', 1, 2)).toEqual(['d', 'c']);
    expect(await client.zrange('z', 0, 0, 'REV')).toEqual(['a']);
    expect(await client.zrangebyscore('z', 3, 4)).toEqual(['b', 'c', 'd']);
    expect(await client.zrevrangebyscore('z', 4, 3, 'LIMIT', 0, 1)).toEqual(['d']);
    expect(await client.zscore('z', 'a')).toBe('10');
    expect(await client.zrank('z', 'a')).toBe(3);
    expect(await client.zrevrank('z', 'a')).toBe(0);
    expect(await client.zcount('z', 3, '(4')).toBe(2);
    expect(await client.zincrby('z', 0.5, 'a')).toBe('10.5');
    expect(await client.zrem('z', 'a', 'zz')).toBe(1);
    expect(await client.zcard('z')).toBe(3);
    await expect(client.call('ZADD', 'z', 'NX', 'XX', 1, 'a')).rejects.toThrow('ERR XX and NX options at the same time are not compatible');
    await expect(client.call('ZADD', 'z', 'GT', 'LT', 1, 'a')).rejects.toThrow('ERR GT, LT, and/or NX options at the same time are not compatible');
    await expect(client.call('ZADD', 'z', 1, 'a', 2)).rejects.toThrow('ERR syntax error');
    await expect(client.call('ZRANGE', 'z', 0, 1, 'LIMIT', 0, 1)).rejects.toThrow('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    await expect(client.call('ZRANGEBYSCORE', 'z', 'x', 1)).rejects.toThrow('ERR min or max is not a float');
  });
});

describe('keys, expiry and iteration', () => {
  it('expires keys with EXPIRE options and reports TTL/PTTL/PERSIST', async () => {
    await client.set('k', 'v');
    expect(await client.expire('k', 100)).toBe(1);
    expect(await client.call('EXPIRE', 'k', 50, 'GT')).toBe(0);
    expect(await client.call('EXPIRE', 'k', 50, 'LT')).toBe(1);
    expect(await client.ttl('k')).toBeLessThanOrEqual(50);
    await expect(client.call('EXPIRE', 'k', 50, 'NX', 'XX')).rejects.toThrow('ERR NX and XX, GT or LT options at the same time are not compatible');
    expect(await client.persist('k')).toBe(1);
    expect(await client.ttl('k')).toBe(-1);
    expect(await client.ttl('missing')).toBe(-2);
    expect(await client.pexpire('k', 30)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await client.get('k')).toBeNull();
  });

  it('removes expired keys actively, without anyone reading them', async () => {
    for (let i = 0; i < 50; i++) await client.set(`gone:${i}`, 'v', 'PX', 20);
    // The sweep runs every 100 ms; DBSIZE never touches keys, so only the sweep can empty it.
    const deadline = Date.now() + 10_000;
    while ((await client.dbsize()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await client.dbsize()).toBe(0);
    const info = await client.info('stats');
    expect(Number(/expired_keys:(\d+)/.exec(info)?.[1])).toBeGreaterThanOrEqual(50);
  });

  it('scans every key once with MATCH, COUNT and TYPE', async () => {
    for (let i = 0; i < 300; i++) await client.set(`key:${i}`, 'v');
    await client.hset('hash:1', 'f', 'v');
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', 'key:*', 'COUNT', 37);
      for (const key of keys) seen.add(key);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(300);
    const [, hashes] = await client.scan('0', 'COUNT', 1000, 'TYPE', 'hash');
    expect(hashes).toEqual(['hash:1']);
    expect(await client.hscan('hash:1', '0')).toEqual(['0', ['f', 'v']]);
    await client.zadd('z', 0.1, 'm');
    expect(await client.zscan('z', '0')).toEqual(['0', ['m', '0.10000000000000001']]);
    await client.sadd('s', 'x');
    expect(await client.sscan('s', '0', 'MATCH', 'x')).toEqual(['0', ['x']]);
    await expect(client.call('SCAN', '0', 'COUNT', '0')).rejects.toThrow('ERR syntax error');
  });

  it('answers TYPE, RENAME, KEYS, RANDOMKEY, DBSIZE, UNLINK, OBJECT', async () => {
    await client.set('a', '12345');
    await client.rpush('l', 'x');
    expect(await client.type('a')).toBe('string');
    expect(await client.type('l')).toBe('list');
    expect(await client.type('none')).toBe('none');
    expect(await client.object('ENCODING', 'a')).toBe('int');
    expect(await client.object('REFCOUNT', 'a')).toBeGreaterThanOrEqual(1);
    expect(await client.object('IDLETIME', 'a')).toBe(0);
    expect(await client.object('ENCODING', 'missing')).toBeNull();
    expect(await client.rename('a', 'b')).toBe('OK');
    await expect(client.rename('a', 'c')).rejects.toThrow('ERR no such key');
    expect(await client.renamenx('b', 'l')).toBe(0);
    expect((await client.keys('*')).sort()).toEqual(['b', 'l']);
    expect(['b', 'l']).toContain(await client.randomkey());
    expect(await client.dbsize()).toBe(2);
    expect(await client.unlink('b', 'l', 'zz')).toBe(2);
    expect(await client.dbsize()).toBe(0);
  });
});

describe('connection behaviour', () => {
  it('answers 10,000 pipelined commands in order', async () => {
    const pipeline = client.pipeline();
    for (let i = 0; i < 10_000; i++) pipeline.set(`p:${i}`, String(i)).get(`p:${i}`);
    const results = await pipeline.exec();
    expect(results).toHaveLength(20_000);
    for (let i = 0; i < 10_000; i++) expect(results![2 * i + 1]).toEqual([null, String(i)]);
    expect(await client.dbsize()).toBe(10_000);
  });

  it('keeps databases apart with SELECT, and FLUSHDB ASYNC empties only the current one', async () => {
    const other = new Redis({ port: sabre.port, host: '127.0.0.1', db: 3 });
    await other.set('k', 'in-3');
    await client.set('k', 'in-0');
    expect(await other.get('k')).toBe('in-3');
    expect(await other.flushdb('ASYNC')).toBe('OK');
    expect(await other.dbsize()).toBe(0);
    expect(await client.get('k')).toBe('in-0');
    await expect(other.call('FLUSHDB', 'LATER')).rejects.toThrow('ERR syntax error');
    expect(await other.flushall('SYNC')).toBe('OK');
    expect(await client.dbsize()).toBe(0);
    other.disconnect();
  });

  it('gives Redis errors for wrong types, arity and unknown commands', async () => {
    await client.hset('h', 'f', 'v');
    await expect(client.get('h')).rejects.toThrow('WRONGTYPE Operation against a key holding the wrong kind of value');
    await expect(client.call('GET')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    await expect(client.call('HSET', 'h', 'a')).rejects.toThrow("ERR wrong number of arguments for 'hset' command");
    await expect(client.call('HSET', 'h', 'a', 'b', 'c')).rejects.toThrow("ERR wrong number of arguments for 'hset' command");
    await expect(client.call('NOSUCH', 'x')).rejects.toThrow("ERR unknown command 'NOSUCH', with args beginning with: 'x' ");
    await expect(client.call('OBJECT', 'FOO', 'k')).rejects.toThrow("ERR unknown subcommand 'FOO'. Try OBJECT HELP.");
  });
});
