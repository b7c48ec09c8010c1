import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { misconfText } from '../../src/commands/persistence.ts';
import { makeTempDir, startRedis, type RedisProcess } from '../rdb/redis-server.ts';
import { startTestSabre, type TestSabre } from './support/sabre.ts';

/** Waits for the BGSAVE under way to end, then gives rdb_last_bgsave_status. */
async function bgsaveOutcome(client: Redis): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const info = await client.info('persistence');
    if (/rdb_bgsave_in_progress:0/.test(info)) return /rdb_last_bgsave_status:(\w+)/.exec(info)![1]!;
    if (Date.now() > deadline) throw new Error(`BGSAVE still running:\n${info}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts a BGSAVE that fails: the RDB's name is taken by a directory, so the rename fails (root too). */
async function failBgsave(client: Redis, dir: string): Promise<void> {
  await rm(path.join(dir, 'dump.rdb'), { recursive: true, force: true });
  await mkdir(path.join(dir, 'dump.rdb', 'blocker'), { recursive: true });
  expect(await client.bgsave()).toBe('Background saving started');
  expect(await bgsaveOutcome(client)).toBe('err');
}

/** Commands across every kind: writes (and PING) must be refused, everything else served. */
const probes: readonly (readonly string[])[] = [
  ['SET', 'k', 'v2'], ['GET', 'k'], ['PING'], ['ECHO', 'e'], ['DEL', 'k'], ['UNLINK', 'k'], ['INCR', 'n'], ['EXPIRE', 'k', '100'],
  ['PERSIST', 'k'], ['TTL', 'k'], ['EXISTS', 'k'], ['LPUSH', 'l', 'a'], ['LRANGE', 'l', '0', '-1'], ['SADD', 's', 'a'], ['SMEMBERS', 's'],
  ['HSET', 'h', 'f', 'v'], ['HGETALL', 'h'], ['ZADD', 'z', '1', 'a'], ['ZRANGE', 'z', '0', '-1'], ['FLUSHDB'], ['FLUSHALL'], ['DBSIZE'],
  ['SELECT', '0'], ['CONFIG', 'GET', 'save'], ['LASTSAVE'], ['TYPE', 'k'], ['RENAME', 'k', 'k2'], ['GETDEL', 'k'],
];

/** Each probe's reply, or its error text. */
async function replies(client: Redis): Promise<string[]> {
  const out: string[] = [];
  for (const probe of probes) out.push(await client.call(probe[0]!, ...probe.slice(1)).then((value) => JSON.stringify(value), (error: Error) => error.message));
  return out;
}

describe('MISCONF: writes refused while the last background save failed (stop-writes-on-bgsave-error)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function sabreWithRules(): Promise<{ sabre: TestSabre; client: Redis }> {
    const sabre = await startTestSabre({ save: [{ seconds: 3600, changes: 1 }] });
    const client = new Redis({ port: sabre.port });
    cleanups.push(async () => {
      client.disconnect();
      await sabre.stop();
    });
    await client.set('k', 'v');
    return { sabre, client };
  }

  it('refuses exactly the commands redis-server 7.0 refuses, with its text, and serves the rest', async () => {
    const { sabre, client } = await sabreWithRules();
    await failBgsave(client, sabre.dir);

    const redisDir = await makeTempDir('sabre-misconf-redis-');
    const redis: RedisProcess = await startRedis(redisDir.dir, 'dump.rdb', ['--save', '3600 1']);
    const redisClient = new Redis({ port: redis.port, retryStrategy: () => null });
    redisClient.on('error', () => undefined);
    cleanups.push(async () => {
      // Its final save would fail too (that is the point): leave without it.
      await redisClient.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      redisClient.disconnect();
      await redis.stop();
      await redisDir.remove();
    });
    await redisClient.set('k', 'v');
    await failBgsave(redisClient, redisDir.dir);

    const fromRedis = await replies(redisClient);
    const fromSabre = await replies(client);
    const refusedByRedis = probes.filter((_, i) => fromRedis[i] === misconfText).map((probe) => probe.join(' '));
    const refusedBySabre = probes.filter((_, i) => fromSabre[i] === misconfText).map((probe) => probe.join(' '));
    expect(refusedByRedis).toContain('SET k v2');
    expect(refusedByRedis).toContain('PING');
    expect(refusedBySabre).toEqual(refusedByRedis);
    expect(await client.get('k')).toBe('v');

    // The rest of the table: MISCONF refuses by the `write` flag, so each command Sabre has must carry
    // it exactly when Redis's does.
    const names = (await client.command('LIST')) as string[];
    const writeFlagDiffers: string[] = [];
    for (const name of names) {
      const [ours] = (await client.command('INFO', name)) as [string, number, string[]][];
      const [theirs] = (await redisClient.command('INFO', name)) as ([string, number, string[]] | null)[];
      if (theirs === null || theirs === undefined) continue;
      if (ours![2].includes('write') !== theirs[2].includes('write')) writeFlagDiffers.push(name);
    }
    expect(names.length).toBeGreaterThan(90);
    expect(writeFlagDiffers).toEqual([]);
  });

  it('lifts the refusal when a later save succeeds (BGSAVE, and SAVE)', async () => {
    const { sabre, client } = await sabreWithRules();
    await failBgsave(client, sabre.dir);
    await expect(client.set('k', 'other')).rejects.toThrow(misconfText);
    await rm(path.join(sabre.dir, 'dump.rdb'), { recursive: true });
    expect(await client.bgsave()).toBe('Background saving started');
    expect(await bgsaveOutcome(client)).toBe('ok');
    expect(await client.set('k', 'after-bgsave')).toBe('OK');

    await failBgsave(client, sabre.dir);
    await expect(client.del('k')).rejects.toThrow(misconfText);
    await rm(path.join(sabre.dir, 'dump.rdb'), { recursive: true });
    expect(await client.save()).toBe('OK');
    expect(await client.set('k', 'after-save')).toBe('OK');
  });

  it('lets writes go on with stop-writes-on-bgsave-error no, or without save rules', async () => {
    const { sabre, client } = await sabreWithRules();
    expect(await client.config('GET', 'stop-writes-on-bgsave-error')).toEqual(['stop-writes-on-bgsave-error', 'yes']);
    await failBgsave(client, sabre.dir);
    await expect(client.set('k', 'refused')).rejects.toThrow(misconfText);

    expect(await client.config('SET', 'stop-writes-on-bgsave-error', 'no')).toBe('OK');
    expect(await client.config('GET', 'stop-writes-on-bgsave-error')).toEqual(['stop-writes-on-bgsave-error', 'no']);
    expect(await client.set('k', 'accepted')).toBe('OK');
    expect(await client.ping()).toBe('PONG');

    expect(await client.config('SET', 'stop-writes-on-bgsave-error', 'yes')).toBe('OK');
    await expect(client.set('k', 'refused')).rejects.toThrow(misconfText);
    expect(await client.config('SET', 'save', '')).toBe('OK');
    expect(await client.set('k', 'no rules')).toBe('OK');
    expect(await client.get('k')).toBe('no rules');
    await expect(client.config('SET', 'stop-writes-on-bgsave-error', 'maybe')).rejects.toThrow("must be 'yes' or 'no'");
  });
});
