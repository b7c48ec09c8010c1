import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { dumpToFile, loadRdbFile } from '../../../src/engine/snapshot/dump-file.ts';
import type { RdbValue } from '../../../src/rdb/index.ts';
import { makeTempDir, startRedis, type RedisProcess } from '../../rdb/redis-server.ts';
import { readBack } from '../../rdb/redis-readback.ts';
import { b } from '../helpers.ts';
import { canonicalFromRdb, captureDataset, type Canonical } from './dump-helpers.ts';

const FUTURE_MS = Date.now() + 3_600_000;
const TYPE_OF: Record<string, RdbValue['type']> = { string: 'string', list: 'list', set: 'set', zset: 'zset', hash: 'hash' };

/** Every key of db 0..15 of a live Redis, in the canonical form of captureDataset. */
async function redisDataset(port: number): Promise<Canonical> {
  const entries = [];
  for (let db = 0; db < 16; db++) {
    const redis = new Redis({ port, host: '127.0.0.1', db, lazyConnect: true });
    await redis.connect();
    try {
      const keys = await redis.keysBuffer('*');
      for (const key of keys) {
        const type = TYPE_OF[await redis.type(key)]!;
        const expireAt = Number(await redis.call('PEXPIRETIME', key));
        entries.push({ dbIndex: db, key, value: await readBack(redis, key, type), expireAtMs: expireAt > 0 ? expireAt : null });
      }
    } finally {
      redis.disconnect();
    }
  }
  return canonicalFromRdb(entries);
}

function fillEveryType(engine: Engine): void {
  const run = (f: () => unknown): void => {
    f();
    engine.endCommand();
  };
  run(() => engine.set(0, b('int'), b('12345')));
  run(() => engine.set(0, b('embstr'), b('hello world')));
  run(() => engine.set(0, b('raw'), new Uint8Array(300).map((_, i) => i % 251)));
  run(() => engine.set(0, b('big'), new Uint8Array(200_000).map((_, i) => (i * 7) % 256))); // streamed piecewise
  run(() => engine.set(0, b('empty'), new Uint8Array(0)));
  run(() => engine.pexpireat(0, b('embstr'), FUTURE_MS));
  for (let i = 0; i < 3000; i += 500) run(() => engine.rpush(0, b('list'), Array.from({ length: 500 }, (_, j) => b(`e${i + j}`))));
  run(() => engine.rpush(0, b('list-big-elements'), [new Uint8Array(1000).fill(7), b('x')]));
  run(() => engine.sadd(0, b('intset'), [b('1'), b('2'), b('-3')]));
  run(() => engine.sadd(0, b('set'), Array.from({ length: 700 }, (_, i) => b(`m${i}`))));
  run(() => engine.zadd(0, b('zset'), Array.from({ length: 400 }, (_, i) => ({ member: b(`z${i}`), score: i % 2 ? i / 3 : -i }))));
  run(() => engine.zadd(0, b('zinf'), [{ member: b('a'), score: Infinity }, { member: b('b'), score: -Infinity }]));
  run(() => engine.hset(0, b('hash'), Array.from({ length: 900 }, (_, i) => [b(`f${i}`), b(`v${i}`.repeat(i % 5))] as [Uint8Array, Uint8Array])));
  run(() => engine.hset(3, b('small-hash'), [[b('a'), b('1')]]));
  run(() => engine.pexpireat(3, b('small-hash'), FUTURE_MS + 5));
  for (let i = 0; i < 500; i++) run(() => engine.set(5, b(`key:${i}`), b(`value:${i}`)));
}

describe('dump to RDB and real Redis', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  const servers: RedisProcess[] = [];
  beforeAll(async () => {
    temp = await makeTempDir('sabre-dump-');
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await temp.remove();
  });

  it('real redis-server loads a dump taken while a writer changes every type, and holds the dataset as of DumpBegin', async () => {
    const engine = new Engine({ initialBlocks: 1024, copyBound: 32 });
    fillEveryType(engine);
    const atBegin = captureDataset(engine);
    const target = path.join(temp.dir, 'engine.rdb');
    const dumping = dumpToFile(engine, target, { stepBlocks: 64, minChunkBytes: 4096 });
    let writes = 0;
    while (engine.dumping) {
      const i = writes++;
      const op = i % 8;
      try {
        if (op === 0) engine.set(0, b('int'), b(String(i)));
        else if (op === 1) engine.setrange(0, b('big'), (i * 997) % 190_000, b('CHANGED'));
        else if (op === 2) engine.hset(0, b('hash'), [[b(`f${i % 900}`), b('new')]]);
        else if (op === 3) engine.zadd(0, b('zset'), [{ member: b(`z${i % 400}`), score: 1e6 + i }]);
        else if (op === 4) engine.lset(0, b('list'), i % 3000, b('L'));
        else if (op === 5) engine.del(5, [b(`key:${i % 500}`)]);
        else if (op === 6) engine.unlink(0, [b(i % 16 === 6 ? 'set' : 'nothing')]);
        else engine.rename(5, b(`key:${(i * 3) % 500}`), b(`renamed:${i}`));
      } catch (error) {
        if (!/^ERR/.test((error as Error).message)) throw error;
      } finally {
        engine.endCommand();
      }
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const result = await dumping;
    engine.assertCheck();
    expect(writes).toBeGreaterThan(10);
    expect(result.counters.copiesMade).toBeGreaterThan(0);
    const server = await startRedis(temp.dir, 'engine.rdb');
    servers.push(server);
    expect(await redisDataset(server.port)).toEqual(atBegin);
  });

  it('loads an RDB written by real Redis with every compact encoding and expiry, key by key', async () => {
    const server = await startRedis(temp.dir, 'from-redis.rdb');
    servers.push(server);
    const redis = new Redis({ port: server.port, host: '127.0.0.1' });
    try {
      await redis.set('int', '42');
      await redis.set('str', 'hello');
      await redis.set('long', 'x'.repeat(100_000));
      await redis.set('ttl', 'soon', 'PX', 3_600_000);
      await redis.rpush('small-list', 'a', 'b', '1');
      await redis.rpush('big-list', ...Array.from({ length: 2000 }, (_, i) => `item-${i}`));
      await redis.sadd('intset', 1, 2, 3, -100000, 2 ** 40);
      await redis.sadd('small-set', 'a', 'b');
      await redis.sadd('big-set', ...Array.from({ length: 600 }, (_, i) => `s${i}`));
      await redis.zadd('small-zset', 1, 'a', 2.5, 'b', -1, 'c');
      await redis.zadd('big-zset', ...Array.from({ length: 300 }, (_, i) => [i * 1.5, `z${i}`]).flat());
      await redis.hset('small-hash', 'f', 'v', 'n', '7');
      await redis.hset('big-hash', ...Array.from({ length: 300 }, (_, i) => [`f${i}`, 'v'.repeat(i % 70)]).flat());
      await redis.pexpire('big-hash', 3_600_000);
      await redis.select(4);
      await redis.set('in-db-4', 'yes');
      await redis.select(0);
      await redis.save();
      const expected = await redisDataset(server.port);
      const file = path.join(temp.dir, 'copied.rdb');
      await copyFile(path.join(temp.dir, 'from-redis.rdb'), file);
      const engine = await loadRdbFile(file, { clock: new ManualClock(Date.now()) });
      engine.assertCheck();
      expect(captureDataset(engine)).toEqual(expected);
    } finally {
      redis.disconnect();
    }
  });
});
