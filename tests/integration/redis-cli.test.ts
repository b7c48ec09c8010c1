import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisProcess } from '../rdb/redis-server.ts';
import { makeDir, startTestSabre, type TestSabre } from '../commands/support/sabre.ts';

const run = promisify(execFile);
const REDIS_CLI = '/usr/bin/redis-cli';

async function cli(port: number, args: string[]): Promise<string> {
  const { stdout, stderr } = await run(REDIS_CLI, ['-p', String(port), ...args]);
  return stdout + stderr;
}

/** redis-cli --pipe reading `input` on stdin. */
function pipe(port: number, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(REDIS_CLI, ['-p', String(port), '--pipe'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    child.once('error', reject);
    child.once('exit', () => resolve(output));
    child.stdin.end(input);
  });
}

/** Commands whose redis-cli output must be the same from Sabre and from redis-server. */
const script: string[][] = [
  ['set', 'greeting', 'hello world'], ['get', 'greeting'], ['get', 'missing'], ['set', 'n', '10'], ['incrby', 'n', '5'],
  ['incrbyfloat', 'n', '0.25'], ['append', 'greeting', '!'], ['strlen', 'greeting'], ['getrange', 'greeting', '0', '4'],
  ['mset', 'a', '1', 'b', '2'], ['mget', 'a', 'b', 'nope'], ['setnx', 'a', 'x'], ['getdel', 'b'],
  ['hset', 'h', 'f1', 'v1', 'f2', 'v2'], ['hget', 'h', 'f1'], ['hgetall', 'h'], ['hincrby', 'h', 'c', '3'], ['hlen', 'h'], ['hmget', 'h', 'f1', 'x'],
  ['sadd', 's', 'x', 'y', 'z'], ['scard', 's'], ['sismember', 's', 'y'], ['srem', 's', 'x'],
  ['rpush', 'l', 'a', 'b', 'c', 'd'], ['lpush', 'l', 'z'], ['lrange', 'l', '0', '-1'], ['lpop', 'l'], ['rpop', 'l', '2'], ['lindex', 'l', '0'], ['llen', 'l'],
  ['zadd', 'z', '1', 'one', '2.5', 'two', '-inf', 'low'], ['zrange', 'z', '0', '-1', 'withscores'], ['zscore', 'z', 'two'],
  ['zrange', 'z', '(1', '+inf', 'byscore'], ['zrevrange', 'z', '0', '0'], ['zincrby', 'z', '0.1', 'one'], ['zrank', 'z', 'two'], ['zcard', 'z'],
  ['expire', 'greeting', '100'], ['ttl', 'greeting'], ['persist', 'greeting'], ['ttl', 'greeting'], ['type', 'h'], ['type', 'z'],
  ['exists', 'a', 'h', 'missing'], ['rename', 'a', 'a2'], ['del', 'a2', 'nothing'], ['unlink', 'n'], ['dbsize'],
  ['object', 'encoding', 'h'], ['object', 'refcount', 'h'],
  ['get', 'h'], ['hset', 'h', 'odd'], ['nosuchcommand', 'x'], ['set', 'k', 'v', 'nx', 'xx'], ['zadd', 'z', 'nx', 'xx', '1', 'a'],
  ['select', '2'], ['select', '99'],
];

describe('redis-cli against Sabre and against redis-server', () => {
  let sabre: TestSabre;
  let redis: RedisProcess;
  let redisDir: string;

  beforeAll(async () => {
    if (!existsSync(REDIS_CLI)) throw new Error(`${REDIS_CLI} is missing: install redis-tools`);
    sabre = await startTestSabre();
    redisDir = await makeDir('sabre-cli-redis-');
    redis = await startRedis(redisDir, 'dump.rdb');
  });

  afterAll(async () => {
    await sabre?.stop();
    await redis?.stop();
    await rm(redisDir, { recursive: true, force: true });
  });

  it('prints the same for every command of a script, in RESP2 and in RESP3 (-3)', async () => {
    for (const protocolArgs of [[], ['-3']]) {
      await cli(sabre.port, ['flushall']);
      await cli(redis.port, ['flushall']);
      for (const command of script) {
        const fromSabre = await cli(sabre.port, [...protocolArgs, ...command]);
        const fromRedis = await cli(redis.port, [...protocolArgs, ...command]);
        expect({ command, output: fromSabre }).toEqual({ command, output: fromRedis });
      }
    }
  });

  it('mass-inserts with --pipe and iterates with --scan', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `SET pipe:${i} ${i}\r\n`).join('');
    const output = await pipe(sabre.port, lines);
    expect(output).toContain('errors: 0, replies: 5000');
    const scanned = (await cli(sabre.port, ['--scan', '--pattern', 'pipe:*'])).trim().split('\n');
    expect(new Set(scanned).size).toBe(5000);
    expect(await cli(sabre.port, ['get', 'pipe:4999'])).toBe('4999\n');
  });

  it('saves with redis-cli save and bgsave, and reports LASTSAVE', async () => {
    expect(await cli(sabre.port, ['save'])).toBe('OK\n');
    expect(Number(await cli(sabre.port, ['lastsave']))).toBeGreaterThan(1_600_000_000);
    expect(await cli(sabre.port, ['bgsave'])).toBe('Background saving started\n');
    expect(existsSync(`${sabre.dir}/dump.rdb`)).toBe(true);
  });

  it('authenticates with -a against requirepass', async () => {
    const guarded = await startTestSabre({ requirepass: 's3cret' });
    try {
      expect(await cli(guarded.port, ['ping'])).toMatch(/^NOAUTH Authentication required.\n/);
      expect(await cli(guarded.port, ['-a', 's3cret', '--no-auth-warning', 'ping'])).toBe('PONG\n');
    } finally {
      await guarded.stop();
    }
  });
});
