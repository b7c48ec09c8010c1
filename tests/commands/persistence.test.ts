import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { StartupError } from '../../src/commands/index.ts';
import { startRedis, type RedisProcess } from '../rdb/redis-server.ts';
import { dumpKeyspace } from './support/keyspace-dump.ts';
import { makeDir, startTestSabre, type TestSabre } from './support/sabre.ts';

/** A dataset with every type, binary bytes, big and small values, expiries and several databases. */
async function fill(client: Redis): Promise<void> {
  const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await client.set('bin', binary);
  await client.set('int', '12345');
  await client.set('neg', '-9223372036854775808');
  await client.set('big', 'x'.repeat(100_000) + 'tail');
  await client.set(binary.subarray(0, 40), 'binary key');
  await client.set('ttl', 'soon', 'EX', 3000);
  await client.rpush('list', ...Array.from({ length: 1000 }, (_, i) => `item-${i}`));
  await client.sadd('intset', 1, 2, 3, -7, 9_000_000_000);
  await client.sadd('set', ...Array.from({ length: 600 }, (_, i) => `m${i}`));
  await client.zadd('zset', '-inf', 'low', 0.1, 'tenth', 3, 'three', '+inf', 'high', 5e-324, 'tiny');
  await client.zadd('bigz', ...Array.from({ length: 300 }, (_, i) => [i * 1.5, `z${i}`]).flat());
  await client.hset('hash', { a: '1', b: binary, c: 'x'.repeat(5000) });
  await client.hset('hash-ttl', 'f', 'v');
  await client.expire('hash-ttl', 5000);
  await client.select(3);
  await client.set('in-db-3', 'three');
  await client.rpush('l3', 'a', 'b');
  await client.select(15);
  await client.hset('h15', 'k', 'v');
  await client.select(0);
}

describe('SAVE and loading', () => {
  const started: (TestSabre | RedisProcess)[] = [];

  /** A real redis-server loads the RDB in `dir` and holds exactly `expected`. */
  async function expectRedisLoads(dir: string, expected: Awaited<ReturnType<typeof dumpKeyspace>>): Promise<void> {
    const redis = await startRedis(dir, 'dump.rdb', ['--sanitize-dump-payload', 'yes']);
    started.push(redis);
    const redisClient = new Redis({ port: redis.port });
    expect(await dumpKeyspace(redisClient)).toEqual(expected);
    redisClient.disconnect();
  }
  afterAll(async () => {
    for (const process of started) await process.stop();
  });

  it('writes an RDB that a real redis-server loads with every key equal, and that Sabre loads back', async () => {
    const sabre = await startTestSabre();
    started.push(sabre);
    const client = new Redis({ port: sabre.port });
    await fill(client);
    const expected = await dumpKeyspace(client);
    const lastSaveBefore = await client.lastsave();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await client.save()).toBe('OK');
    expect(await client.lastsave()).toBeGreaterThan(lastSaveBefore);
    expect(existsSync(path.join(sabre.dir, 'dump.rdb'))).toBe(true);
    client.disconnect();

    await expectRedisLoads(sabre.dir, expected);

    const again = await startTestSabre({ enableDebugCommand: 'yes' }, sabre.dir);
    started.push(again);
    expect(again.logs.join('\n')).toMatch(/DB loaded from disk: 16 keys/);
    const againClient = new Redis({ port: again.port });
    expect(await dumpKeyspace(againClient)).toEqual(expected);
    expect(await againClient.call('DEBUG', 'CHECK')).toBe('OK');
    againClient.disconnect();
  });

  it('loads an RDB written by a real redis-server', async () => {
    const dir = await makeDir('sabre-from-redis-');
    const redis = await startRedis(dir, 'dump.rdb');
    started.push(redis);
    const redisClient = new Redis({ port: redis.port });
    await fill(redisClient);
    const expected = await dumpKeyspace(redisClient);
    expect(await redisClient.save()).toBe('OK');
    redisClient.disconnect();
    const sabre = await startTestSabre({}, dir);
    started.push(sabre);
    const client = new Redis({ port: sabre.port });
    expect(await dumpKeyspace(client)).toEqual(expected);
    client.disconnect();
  });

  it('refuses to start on a corrupt RDB, and starts empty only when asked', async () => {
    const dir = await makeDir('sabre-corrupt-');
    await writeFile(path.join(dir, 'dump.rdb'), Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([0xfa, 3, 1, 2])]));
    await expect(startTestSabre({}, dir)).rejects.toThrow(StartupError);
    await expect(startTestSabre({}, dir)).rejects.toThrow(/cannot load .*dump\.rdb/);
    const sabre = await startTestSabre({ onBadRdb: 'start-empty' }, dir);
    started.push(sabre);
    expect(sabre.logs.join('\n')).toMatch(/starting with an empty dataset/);
    const client = new Redis({ port: sabre.port });
    expect(await client.dbsize()).toBe(0);
    client.disconnect();
  });

  it('runs a BGSAVE on a save rule and counts changes', async () => {
    const sabre = await startTestSabre({ save: [{ seconds: 1, changes: 3 }] });
    started.push(sabre);
    const client = new Redis({ port: sabre.port });
    await client.set('a', '1');
    await client.set('b', '2');
    expect(await client.info('persistence')).toMatch(/rdb_changes_since_last_save:2\r\n/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(existsSync(path.join(sabre.dir, 'dump.rdb'))).toBe(false);
    await client.set('c', '3');
    const deadline = Date.now() + 20_000;
    while (!existsSync(path.join(sabre.dir, 'dump.rdb')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(statSync(path.join(sabre.dir, 'dump.rdb')).size).toBeGreaterThan(0);
    // The file appears at the rename; the bookkeeping follows the directory fsync, so wait for it.
    await expect.poll(() => client.info('persistence'), { timeout: 20_000 }).toMatch(/rdb_bgsave_in_progress:0\r\n/);
    const info = await client.info('persistence');
    expect(info).toMatch(/rdb_changes_since_last_save:0\r\n/);
    expect(info).toMatch(/rdb_last_bgsave_status:ok\r\n/);
    expect(info).toMatch(/rdb_saves:1\r\n/);
    client.disconnect();
  });

  it.each([false, true])('writes with BGSAVE the dataset as of the command while writes go on, and a real redis-server loads it (dump worker: %s)', async (dumpWorker) => {
    const sabre = await startTestSabre({ dumpWorker, enableDebugCommand: 'yes' });
    started.push(sabre);
    const client = new Redis({ port: sabre.port });
    await fill(client);
    const pipeline = client.pipeline();
    for (let i = 0; i < 30_000; i++) pipeline.set(`bulk:${i}`, `value-${i}`);
    for (let i = 0; i < 200; i++) pipeline.rpush('biglist', ...Array.from({ length: 100 }, (_, j) => `${i}-${j}`));
    await pipeline.exec();
    const expected = await dumpKeyspace(client);
    // The writes are sent in the same packet as BGSAVE: they run between dump steps.
    const during = client.pipeline().bgsave().set('foo', 'baz').set('bulk:7', 'changed').del('biglist').rpush('list', 'more').hset('hash', 'a', 'changed').flushdb();
    for (let i = 0; i < 2000; i++) during.set(`later:${i}`, 'x');
    const results = await during.exec();
    expect(results![0]).toEqual([null, 'Background saving started']);
    expect(await client.bgsave().catch((error: Error) => error.message)).toBe('ERR Background save already in progress');
    const deadline = Date.now() + 60_000;
    while (/rdb_bgsave_in_progress:1/.test(await client.info('persistence')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const info = await client.info('persistence');
    expect(info).toMatch(/rdb_last_bgsave_status:ok/);
    expect(Number(/sabre_last_dump_copies_made:(\d+)/.exec(info)?.[1])).toBeGreaterThan(0);
    expect(await client.call('DEBUG', 'CHECK')).toBe('OK');
    client.disconnect();
    await expectRedisLoads(sabre.dir, expected);
  });

  it('reports failed saves (the target is a directory), refuses to SHUTDOWN without its save, and exits past it only with FORCE', async () => {
    const sabre = await startTestSabre({ enableDebugCommand: 'yes' });
    started.push(sabre);
    await mkdir(path.join(sabre.dir, 'dump.rdb', 'blocker'), { recursive: true });
    const client = new Redis({ port: sabre.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    await client.set('k', 'v');
    await expect(client.save()).rejects.toThrow(/^ERR Error saving DB on disk: .*dump\.rdb/);
    expect(await client.info('persistence')).toMatch(/rdb_last_bgsave_status:err/);
    expect(await client.bgsave()).toBe('Background saving started');
    await expect(client.call('SHUTDOWN', 'SAVE')).rejects.toThrow('ERR Errors trying to SHUTDOWN. Check logs.');
    expect(await client.get('k')).toBe('v');
    const info = await client.info('persistence');
    expect(info).toMatch(/rdb_last_bgsave_status:err/);
    expect(info).toMatch(/rdb_changes_since_last_save:1\r\n/);
    expect(await client.call('DEBUG', 'CHECK')).toBe('OK');
    // FORCE: Redis's way out past a failed save.
    await client.call('SHUTDOWN', 'SAVE', 'FORCE').catch(() => undefined);
    await sabre.instance.stopped;
    expect(sabre.logs.some((line) => line.startsWith('Error trying to save the DB. Exit anyway (SHUTDOWN FORCE)'))).toBe(true);
    client.disconnect();
  });

  it('answers BGSAVE and SAVE into a directory that cannot be made with a clear error, status err, and the connection kept', async () => {
    const sabre = await startTestSabre();
    started.push(sabre);
    const client = new Redis({ port: sabre.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await client.set('k', 'v');
    // A file where the directory should be: mkdir fails with EEXIST, for root too.
    await rm(sabre.dir, { recursive: true });
    await writeFile(sabre.dir, 'not a directory');
    await expect(client.bgsave()).rejects.toThrow(/^ERR Error saving DB on disk: EEXIST/);
    expect(await client.info('persistence')).toMatch(/rdb_last_bgsave_status:err/);
    expect(await client.get('k')).toBe('v');
    await expect(client.save()).rejects.toThrow(/^ERR Error saving DB on disk: EEXIST/);
    expect(await client.info('persistence')).toMatch(/rdb_last_bgsave_status:err/);
    expect(await client.get('k')).toBe('v');

    await rm(sabre.dir);
    expect(await client.save()).toBe('OK');
    expect(await client.info('persistence')).toMatch(/rdb_last_bgsave_status:ok/);
    client.disconnect();
  });

  it('survives a save rule whose BGSAVE cannot make its directory: logged, status err, writes refused, data served', async () => {
    const sabre = await startTestSabre({ save: [{ seconds: 1, changes: 1 }] });
    started.push(sabre);
    const client = new Redis({ port: sabre.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await client.set('k', 'v');
    await rm(sabre.dir, { recursive: true });
    await writeFile(sabre.dir, 'not a directory');
    const deadline = Date.now() + 20_000;
    while (!sabre.logs.some((line) => line.startsWith('Background saving error: EEXIST')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sabre.logs.filter((line) => line.startsWith('Background saving error:'))).toEqual([expect.stringMatching(/^Background saving error: EEXIST/)]);
    expect(await client.info('persistence')).toMatch(/rdb_last_bgsave_status:err/);
    await expect(client.set('k', 'w')).rejects.toThrow(/^MISCONF /);
    expect(await client.get('k')).toBe('v');
    await rm(sabre.dir);
    client.disconnect();
  });

  it('removes at start the temp file a killed save left, logs it, and leaves files of other patterns', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.once('exit', resolve));
    const dir = await makeDir('sabre-stale-temp-');
    await writeFile(path.join(dir, `temp-${child.pid}-1.rdb`), 'half a dump');
    await writeFile(path.join(dir, `temp-${child.pid}.rdb`), 'not our pattern');
    const sabre = await startTestSabre({}, dir);
    started.push(sabre);
    expect(sabre.logs).toContain(`Removed stale temp file ${path.join(dir, `temp-${child.pid}-1.rdb`)}: pid ${child.pid} is not running`);
    expect(existsSync(path.join(dir, `temp-${child.pid}-1.rdb`))).toBe(false);
    expect(existsSync(path.join(dir, `temp-${child.pid}.rdb`))).toBe(true);
  });

  it('saves on SHUTDOWN SAVE and stops', async () => {
    const sabre = await startTestSabre();
    const client = new Redis({ port: sabre.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    await client.set('kept', 'yes');
    await client.call('SHUTDOWN', 'SAVE').catch(() => undefined);
    await sabre.instance.stopped;
    client.disconnect();
    const again = await startTestSabre({}, sabre.dir);
    started.push(again);
    const reader = new Redis({ port: again.port });
    expect(await reader.get('kept')).toBe('yes');
    reader.disconnect();
  });
});
