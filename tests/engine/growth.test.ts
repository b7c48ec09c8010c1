import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.ts';
import { OutOfMemoryError } from '../../src/engine/errors.ts';
import { b, checkedEngine } from './helpers.ts';

describe('growth and out of memory', () => {
  it('grows from one group of blocks to thousands under load, keeping every key', () => {
    const { engine } = checkedEngine({ initialBlocks: 64, maxBlocks: 1 << 16 });
    const startBytes = engine.memoryUsage().bufferByteLength;
    for (let i = 0; i < 400; i++) {
      engine.set(0, b(`key:${i}`), new Uint8Array(i % 150).fill(i & 255));
      if (i % 7 === 0) engine.hset(0, b(`h:${i % 5}`), [[b(`f${i}`), b('value')]]);
      if (i % 5 === 0) engine.rpush(0, b('list'), [b(`e${i}`)]);
    }
    expect(engine.memoryUsage().bufferByteLength).toBeGreaterThan(startBytes * 10);
    for (let i = 0; i < 400; i++) expect(engine.get(0, b(`key:${i}`))).toEqual(new Uint8Array(i % 150).fill(i & 255));
  });

  it('fails with the Redis OOM error at the maximum and leaves the dataset unchanged', () => {
    let totalOoms = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('set', 'hset', 'zadd', 'rpush', 'sadd', 'append', 'setrange', 'mset'), fc.nat(30), fc.nat(600)), { minLength: 50, maxLength: 150 }), (ops) => {
        const { engine, unchecked } = checkedEngine({ initialBlocks: 64, maxBlocks: 256 });
        let ooms = 0;
        for (const [kind, n, size] of ops) {
          const key = b(`${kind}:${n % 6}`);
          const bytes = new Uint8Array(size).fill(n);
          const snapshot = snapshotOf(unchecked);
          const usage = engine.memoryUsage();
          try {
            switch (kind) {
              case 'set': engine.set(0, key, bytes); break;
              case 'hset': engine.hset(0, key, [[b(`f${n}`), bytes], [bytes, b('x')]]); break;
              case 'zadd': engine.zadd(0, key, [{ member: bytes, score: n }]); break;
              case 'rpush': engine.rpush(0, key, [bytes, bytes]); break;
              case 'sadd': engine.sadd(0, key, [bytes, b(String(n))]); break;
              case 'append': engine.append(0, b(`set:${n % 6}`), bytes); break;
              case 'setrange': engine.setrange(0, b(`set:${n % 6}`), size, bytes); break;
              case 'mset': engine.mset(0, [[key, bytes], [b(`set:${n % 6}`), bytes]]); break;
            }
          } catch (error) {
            expect(error).toBeInstanceOf(OutOfMemoryError);
            expect((error as Error).message).toBe("OOM command not allowed when used memory > 'maxmemory'.");
            ooms++;
            expect(snapshotOf(unchecked)).toEqual(snapshot);
            expect(engine.memoryUsage().liveBlocks).toBe(usage.liveBlocks);
          }
        }
        expect(engine.memoryUsage().blockCount).toBeLessThanOrEqual(256);
        totalOoms += ooms;
      }),
      { numRuns: 10 },
    );
    expect(totalOoms).toBeGreaterThan(0);
  });
});

function snapshotOf(engine: Engine): unknown[] {
  const snapshot = engine.keys(0, b('*')).map((key) => [Buffer.from(key).toString('hex'), engine.type(0, key), dump(engine, key)]);
  engine.endCommand();
  return snapshot;
}

function dump(engine: Engine, key: Uint8Array): unknown {
  switch (engine.type(0, key)) {
    case 'string': return engine.get(0, key);
    case 'hash': return engine.hgetall(0, key);
    case 'set': return engine.smembers(0, key);
    case 'zset': return engine.zrange(0, key, { by: 'rank', start: 0, stop: -1 });
    case 'list': return engine.lrange(0, key, 0, -1);
    default: return null;
  }
}
