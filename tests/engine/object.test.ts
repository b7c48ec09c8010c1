import { describe, expect, it } from 'vitest';
import { b, checkedEngine } from './helpers.ts';

describe('OBJECT', () => {
  it('names encodings the way Redis users expect', () => {
    const { engine } = checkedEngine();
    engine.set(0, b('int'), b('12345'));
    engine.set(0, b('emb'), b('hello'));
    engine.set(0, b('raw'), new Uint8Array(45));
    engine.set(0, b('appended'), b('x'));
    engine.append(0, b('appended'), b('y'));
    expect(engine.objectEncoding(0, b('int'))).toBe('int');
    expect(engine.objectEncoding(0, b('emb'))).toBe('embstr');
    expect(engine.objectEncoding(0, b('raw'))).toBe('raw');
    expect(engine.objectEncoding(0, b('appended'))).toBe('raw');
    engine.incr(0, b('counter'));
    expect(engine.objectEncoding(0, b('counter'))).toBe('int');
    engine.incrbyfloat(0, b('float'), 2);
    expect(engine.objectEncoding(0, b('float'))).toBe('embstr');
    engine.sadd(0, b('ints'), [b('1'), b('2')]);
    expect(engine.objectEncoding(0, b('ints'))).toBe('intset');
    engine.sadd(0, b('ints'), [b('x')]);
    expect(engine.objectEncoding(0, b('ints'))).toBe('listpack');
    engine.sadd(0, b('ints'), Array.from({ length: 130 }, (_, i) => b(`m${i}`)));
    expect(engine.objectEncoding(0, b('ints'))).toBe('hashtable');
    engine.hset(0, b('h'), [[b('f'), b('v')]]);
    expect(engine.objectEncoding(0, b('h'))).toBe('listpack');
    engine.hset(0, b('h'), [[b('f'), new Uint8Array(65)]]);
    expect(engine.objectEncoding(0, b('h'))).toBe('hashtable');
    engine.zadd(0, b('z'), [{ member: b('a'), score: 1 }]);
    expect(engine.objectEncoding(0, b('z'))).toBe('listpack');
    engine.zadd(0, b('z'), Array.from({ length: 129 }, (_, i) => ({ member: b(`m${i}`), score: i })));
    expect(engine.objectEncoding(0, b('z'))).toBe('skiplist');
    engine.rpush(0, b('l'), [b('a')]);
    expect(engine.objectEncoding(0, b('l'))).toBe('listpack');
    engine.rpush(0, b('l'), Array.from({ length: 128 }, () => b('e')));
    expect(engine.objectEncoding(0, b('l'))).toBe('quicklist');
    expect(engine.objectEncoding(0, b('missing'))).toBeNull();
  });

  it('reports refcount 1 and idle time from the 24-bit LRU clock, untouched by OBJECT itself', () => {
    const { engine, clock } = checkedEngine();
    engine.set(0, b('k'), b('v'));
    expect(engine.objectRefcount(0, b('k'))).toBe(1);
    clock.advance(42_000);
    expect(engine.objectIdletime(0, b('k'))).toBe(42);
    expect(engine.objectIdletime(0, b('k'))).toBe(42);
    engine.get(0, b('k'));
    expect(engine.objectIdletime(0, b('k'))).toBe(0);
  });

  it('computes idle time across a wrap of the 24-bit clock', async () => {
    const { idleSeconds, lruClockFor } = await import('../../src/engine/object.ts');
    const before = (2 ** 24 - 10) * 1000;
    expect(idleSeconds(lruClockFor(before), before + 25_000)).toBe(25);
  });

  it('answers TYPE and WRONGTYPE as Redis does', () => {
    const { engine } = checkedEngine();
    engine.hset(0, b('h'), [[b('name'), b('Lisa')]]);
    expect(engine.type(0, b('h'))).toBe('hash');
    expect(engine.type(0, b('none'))).toBe('none');
    expect(() => engine.get(0, b('h'))).toThrow('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(() => engine.lpush(0, b('h'), [b('x')])).toThrow('WRONGTYPE');
    expect(() => engine.sadd(0, b('h'), [b('x')])).toThrow('WRONGTYPE');
    expect(() => engine.zadd(0, b('h'), [{ member: b('x'), score: 1 }])).toThrow('WRONGTYPE');
  });
});
