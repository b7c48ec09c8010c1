import { rm } from 'node:fs/promises';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../rdb/redis-server.ts';
import { makeDir, startTestSabre, type TestSabre } from '../commands/support/sabre.ts';

/**
 * The same random command sequences go to Sabre and to a real redis-server started here; every
 * reply (value or error text) must match. Replies whose order Redis does not define (SMEMBERS,
 * HGETALL, KEYS...) are sorted first; commands whose replies are not deterministic (SCAN cursors,
 * RANDOMKEY, PTTL, OBJECT) are left out.
 */
const key = fc.constantFrom('k1', 'k2', 'k3', 'h1', 'h2', 's1', 's2', 'z1', 'z2', 'l1', 'l2', 'n1');
const member = fc.constantFrom('a', 'b', 'c', 'd', '1', '2', '-3', '10', '', 'x y', '\u00ff');
const value = fc.oneof(member, fc.constantFrom('0', '42', '-7', '9223372036854775807', '3.5', 'abc', 'x'.repeat(100)));
const int = fc.constantFrom('0', '1', '2', '-1', '-2', '3', '10', '-100', 'x', '1.5', '9223372036854775807');
const score = fc.constantFrom('0', '1', '-1', '1.5', '2', '-2.25', 'inf', '-inf', '+inf', '1e3', 'nan', 'x');
const bound = fc.oneof(score, score.map((s) => `(${s}`));
const smallCount = fc.constantFrom('0', '1', '2', '5', '-1', 'x');

type Command = string[];
const c = (...parts: fc.Arbitrary<string | string[]>[]): fc.Arbitrary<Command> =>
  fc.tuple(...parts).map((items) => items.flat());
const word = (w: string) => fc.constant(w);
const many = <T>(arb: fc.Arbitrary<T>, max = 4) => fc.array(arb, { minLength: 1, maxLength: max });
const options = (...words: string[]) => fc.subarray(words);

const command: fc.Arbitrary<Command> = fc.oneof(
  c(word('GET'), key),
  c(word('SET'), key, value, options('NX', 'XX', 'GET', 'KEEPTTL')),
  c(word('SET'), key, value, fc.constantFrom('EX', 'PX'), fc.constantFrom('100', '0', '-5', 'x', '100000')),
  c(word('MGET'), many(key)),
  c(word('MSET'), many(fc.tuple(key, value).map(([k, v]) => [k, v])).map((pairs) => pairs.flat())),
  c(word('APPEND'), key, value), c(word('STRLEN'), key),
  c(word('GETRANGE'), key, int, int), c(word('SETRANGE'), key, fc.constantFrom('0', '2', '5', '-1'), value),
  c(word('INCR'), key), c(word('DECR'), key), c(word('INCRBY'), key, int), c(word('DECRBY'), key, int),
  c(word('INCRBYFLOAT'), key, fc.constantFrom('1', '-2', '0.5', '2.5', 'x', 'inf')),
  c(word('SETNX'), key, value), c(word('GETSET'), key, value), c(word('GETDEL'), key),
  c(word('DEL'), many(key)), c(word('UNLINK'), many(key)), c(word('EXISTS'), many(key)), c(word('TYPE'), key),
  c(word('EXPIRE'), key, fc.constantFrom('100', '1000', '-1', 'x'), options('NX', 'XX', 'GT', 'LT')),
  c(word('TTL'), key), c(word('PERSIST'), key), c(word('RENAME'), key, key), c(word('RENAMENX'), key, key),
  c(word('HSET'), key, many(fc.tuple(member, value).map(([f, v]) => [f, v])).map((pairs) => pairs.flat())),
  c(word('HGET'), key, member), c(word('HDEL'), key, many(member)), c(word('HLEN'), key), c(word('HGETALL'), key),
  c(word('HEXISTS'), key, member), c(word('HINCRBY'), key, member, int), c(word('HMGET'), key, many(member)),
  c(word('HSETNX'), key, member, value), c(word('HSTRLEN'), key, member), c(word('HKEYS'), key), c(word('HVALS'), key),
  c(word('SADD'), key, many(member)), c(word('SREM'), key, many(member)), c(word('SISMEMBER'), key, member),
  c(word('SCARD'), key), c(word('SMEMBERS'), key), c(word('SMISMEMBER'), key, many(member)),
  c(word('ZADD'), key, options('NX', 'XX', 'GT', 'LT', 'CH'), many(fc.tuple(score, member).map(([s, m]) => [s, m]), 3).map((pairs) => pairs.flat())),
  c(word('ZADD'), key, word('INCR'), score, member),
  c(word('ZREM'), key, many(member)), c(word('ZSCORE'), key, member), c(word('ZCARD'), key),
  c(word('ZRANK'), key, member), c(word('ZREVRANK'), key, member), c(word('ZINCRBY'), key, score, member),
  c(word('ZRANGE'), key, int, int, options('REV', 'WITHSCORES')),
  c(word('ZRANGE'), key, bound, bound, word('BYSCORE'), options('REV', 'WITHSCORES')),
  c(word('ZRANGE'), key, bound, bound, word('BYSCORE'), word('LIMIT'), smallCount, smallCount),
  c(word('ZRANGEBYSCORE'), key, bound, bound, options('WITHSCORES')),
  c(word('ZREVRANGEBYSCORE'), key, bound, bound, word('LIMIT'), smallCount, smallCount),
  c(word('ZREVRANGE'), key, int, int, options('WITHSCORES')),
  c(word('ZCOUNT'), key, bound, bound), c(word('ZMSCORE'), key, many(member)),
  c(fc.constantFrom('LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX'), key, many(value)),
  c(fc.constantFrom('LPOP', 'RPOP'), key), c(fc.constantFrom('LPOP', 'RPOP'), key, smallCount),
  c(word('LLEN'), key), c(word('LRANGE'), key, int, int), c(word('LINDEX'), key, int), c(word('LSET'), key, int, value),
  c(word('DBSIZE')), c(word('SELECT'), fc.constantFrom('0', '1', '16')), c(word('FLUSHDB'), fc.constantFrom(['ASYNC'], ['SYNC'], [])),
  c(fc.constantFrom('GET', 'HSET', 'ZADD', 'LPUSH', 'EXPIRE', 'SET')),
  c(word('NOSUCH'), key),
);

const unordered = new Set(['SMEMBERS', 'HGETALL', 'HKEYS', 'HVALS', 'KEYS']);

type Normal = string | null | number | Normal[] | { error: string };

function normalize(name: string, result: unknown): Normal {
  const walk = (item: unknown): Normal => {
    if (item === null || item === undefined) return null;
    if (Buffer.isBuffer(item)) return item.toString('latin1');
    if (typeof item === 'number' || typeof item === 'string') return item;
    if (Array.isArray(item)) return item.map(walk);
    return String(item);
  };
  const normal = walk(result);
  if (!unordered.has(name) || !Array.isArray(normal)) return normal;
  if (name === 'HGETALL') {
    const pairs: string[] = [];
    for (let i = 0; i < normal.length; i += 2) pairs.push(JSON.stringify([normal[i], normal[i + 1]]));
    return pairs.sort();
  }
  return [...normal].map((item) => JSON.stringify(item)).sort();
}

async function runAll(client: Redis, commands: Command[]): Promise<Normal[]> {
  const pipeline = client.pipeline();
  for (const [name, ...args] of commands) pipeline.callBuffer(name!, ...args);
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, result], i) => (error ? { error: error.message } : normalize(commands[i]![0]!, result)));
}

describe('Sabre and redis-server answer the same random command sequences', () => {
  let sabre: TestSabre;
  let redis: RedisProcess;
  let redisDir: string;
  let toSabre: Redis;
  let toRedis: Redis;

  beforeAll(async () => {
    sabre = await startTestSabre();
    redisDir = await makeDir('sabre-diff-redis-');
    redis = await startRedis(redisDir, 'dump.rdb');
    toSabre = new Redis({ port: sabre.port });
    toRedis = new Redis({ port: redis.port });
  });

  afterAll(async () => {
    toSabre?.disconnect();
    toRedis?.disconnect();
    await sabre?.stop();
    await redis?.stop();
    await rm(redisDir, { recursive: true, force: true });
  });

  it('gives the same replies and errors, command by command', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 60 }), async (commands) => {
        const sequence: Command[] = [['SELECT', '0'], ['FLUSHALL'], ...commands];
        const [fromSabre, fromRedis] = await Promise.all([runAll(toSabre, sequence), runAll(toRedis, sequence)]);
        for (let i = 0; i < sequence.length; i++) {
          expect({ command: sequence[i], reply: fromSabre[i] }).toEqual({ command: sequence[i], reply: fromRedis[i] });
        }
      }),
      { numRuns: 400, seed: 7_000_001 },
    );
  });
});
