import { describe, expect, it } from 'vitest';
import { b, checkedEngine, compare } from './helpers.ts';

/** Deterministic pseudo-random numbers so a failure is reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('larger values, check() after every call', () => {
  it('a 100 KB string built by APPEND, then SETRANGE/GETRANGE anywhere in it', () => {
    const { engine } = checkedEngine();
    const next = random(1);
    let oracle = Buffer.alloc(0);
    for (let i = 0; i < 400; i++) {
      const chunk = Buffer.alloc(1 + Math.floor(next() * 500), i & 255);
      oracle = Buffer.concat([oracle, chunk]);
      expect(engine.append(0, b('big'), chunk)).toBe(oracle.length);
    }
    for (let i = 0; i < 200; i++) {
      const offset = Math.floor(next() * (oracle.length + 100));
      const patch = Buffer.alloc(1 + Math.floor(next() * 200), 200 + (i % 50));
      const grown = Buffer.alloc(Math.max(oracle.length, offset + patch.length));
      oracle.copy(grown);
      patch.copy(grown, offset);
      oracle = grown;
      expect(engine.setrange(0, b('big'), offset, patch)).toBe(oracle.length);
      const start = Math.floor(next() * oracle.length);
      const end = start + Math.floor(next() * 3000);
      expect(Buffer.from(engine.getrange(0, b('big'), start, end))).toEqual(oracle.subarray(start, end + 1));
    }
    expect(Buffer.from(engine.get(0, b('big'))!)).toEqual(oracle);
  });

  it('a sorted set of 1,500 members: ranks and score windows match a sorted array', () => {
    const { engine } = checkedEngine();
    const next = random(2);
    const scores = new Map<string, number>();
    for (let i = 0; i < 1500; i++) {
      const member = `m${Math.floor(next() * 2000)}`;
      const score = Math.floor(next() * 300);
      engine.zadd(0, b('z'), [{ member: b(member), score }]);
      scores.set(member, score);
    }
    for (let i = 0; i < 300; i++) {
      const member = `m${Math.floor(next() * 2000)}`;
      expect(engine.zrem(0, b('z'), [b(member)])).toBe(scores.delete(member) ? 1 : 0);
    }
    const sorted = [...scores].sort(([m1, s1], [m2, s2]) => s1 - s2 || compare(b(m1), b(m2)));
    expect(engine.zcard(0, b('z'))).toBe(sorted.length);
    for (let i = 0; i < 20; i++) {
      const min = Math.floor(next() * 300);
      const max = min + Math.floor(next() * 40);
      const window = sorted.filter(([, score]) => score >= min && score <= max).map(([member, score]) => ({ member: b(member), score }));
      expect(engine.zrange(0, b('z'), { by: 'score', min: { value: min }, max: { value: max } })).toEqual(window);
      const rank = Math.floor(next() * sorted.length);
      expect(engine.zrank(0, b('z'), b(sorted[rank]![0]))).toBe(rank);
    }
  });

  it('a list of 2,000 elements pushed at both ends, read and set in the middle', () => {
    const { engine } = checkedEngine();
    const next = random(3);
    const oracle: Uint8Array[] = [];
    for (let i = 0; i < 2000; i++) {
      const element = b(`e${i}`.repeat(1 + Math.floor(next() * 8)));
      if (next() < 0.5) {
        engine.lpush(0, b('l'), [element]);
        oracle.unshift(element);
      } else {
        engine.rpush(0, b('l'), [element]);
        oracle.push(element);
      }
    }
    for (let i = 0; i < 100; i++) {
      const index = Math.floor(next() * oracle.length);
      const element = b(`set${i}`.repeat(1 + Math.floor(next() * 12)));
      engine.lset(0, b('l'), index, element);
      oracle[index] = element;
      expect(engine.lindex(0, b('l'), index)).toEqual(element);
    }
    expect(engine.lrange(0, b('l'), 0, -1)).toEqual(oracle);
    expect(engine.lrange(0, b('l'), 700, 760)).toEqual(oracle.slice(700, 761));
  });

  it('a keyspace of 2,000 keys scanned to the end while half of them are deleted', () => {
    const { engine } = checkedEngine();
    for (let i = 0; i < 2000; i++) engine.set(0, b(`key:${i}`), b('v'));
    const seen = new Set<string>();
    let cursor = '0';
    let deleted = 0;
    do {
      const reply = engine.scan(0, cursor, { count: 50 });
      for (const key of reply.elements) seen.add(Buffer.from(key).toString());
      cursor = reply.cursor;
      for (let k = 0; k < 25 && deleted < 1000; k++, deleted++) engine.del(0, [b(`key:${deleted * 2 + 1}`)]);
    } while (cursor !== '0');
    for (let i = 0; i < 2000; i += 2) expect(seen.has(`key:${i}`)).toBe(true);
    expect(deleted).toBeGreaterThan(500);
    expect(engine.dbsize(0)).toBe(2000 - deleted);
  });
});
