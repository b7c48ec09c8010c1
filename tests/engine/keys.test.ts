import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import { b, checkedEngine, s } from './helpers.ts';

describe('keys and databases', () => {
  it('keeps the 16 databases apart and rejects others', () => {
    const { engine } = checkedEngine();
    engine.set(0, b('k'), b('zero'));
    engine.set(15, b('k'), b('fifteen'));
    expect(s(engine.get(0, b('k')))).toBe('zero');
    expect(s(engine.get(15, b('k')))).toBe('fifteen');
    expect(engine.get(1, b('k'))).toBeNull();
    expect(engine.dbsize(0)).toBe(1);
    expect(() => engine.get(16, b('k'))).toThrow('ERR DB index is out of range');
    engine.flushdb(0);
    expect(engine.dbsize(0)).toBe(0);
    expect(engine.dbsize(15)).toBe(1);
    engine.flushall();
    expect(engine.dbsize(15)).toBe(0);
  });

  it('answers KEYS in key order, EXISTS counting repeats, RANDOMKEY among live keys', () => {
    const { engine, clock } = checkedEngine();
    for (const key of ['b', 'a', 'ab', 'c']) engine.set(0, b(key), b('v'));
    engine.set(0, b('gone'), b('v'), { expire: { unit: 'PX', amount: 5 } });
    clock.advance(10);
    expect(engine.keys(0, b('*')).map((key) => s(key))).toEqual(['a', 'ab', 'b', 'c']);
    expect(engine.keys(0, b('a*')).map((key) => s(key))).toEqual(['a', 'ab']);
    expect(engine.exists(0, [b('a'), b('a'), b('zz'), b('gone')])).toBe(2);
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) seen.add(s(engine.randomkey(0))!);
    expect([...seen].sort()).toEqual(['a', 'ab', 'b', 'c']);
    expect(engine.randomkey(3)).toBeNull();
  });

  it('RENAME moves the value with its TTL and replaces the destination', () => {
    const { engine } = checkedEngine();
    engine.hset(0, b('src'), [[b('f'), b('v')]]);
    engine.expire(0, b('src'), 100);
    engine.set(0, b('dst'), b('old'));
    engine.rename(0, b('src'), b('dst'));
    expect(engine.exists(0, [b('src')])).toBe(0);
    expect(engine.hgetall(0, b('dst'))).toEqual([[b('f'), b('v')]]);
    expect(engine.ttl(0, b('dst'))).toBe(100);
    engine.rename(0, b('dst'), b('dst'));
    expect(engine.type(0, b('dst'))).toBe('hash');
  });

  it('keeps the data when another engine attaches to the same buffer (a logic restart)', () => {
    const first = new Engine({ initialBlocks: 64 });
    first.set(0, b('k'), new Uint8Array(300).fill(9));
    first.zadd(2, b('z'), [{ member: b('m'), score: 1.5 }]);
    first.endCommand();
    const second = new Engine({ sharedBuffer: first.sharedBuffer });
    expect(second.check()).toEqual([]);
    expect(second.get(0, b('k'))).toEqual(new Uint8Array(300).fill(9));
    expect(second.zscore(2, b('z'), b('m'))).toBe(1.5);
    expect(() => new Engine({ sharedBuffer: new SharedArrayBuffer(1024) })).toThrow('magic');
  });
});
