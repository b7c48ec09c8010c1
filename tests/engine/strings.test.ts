import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engine/errors.ts';
import { b, checkedEngine, hex, s } from './helpers.ts';

const keyArb = fc.oneof(fc.constantFrom('a', 'b', 'c', 'counter'), fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('latin1')));
const bytesArb = fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ maxLength: 300 }), fc.integer().map((n) => b(String(n))));

type Op =
  | { kind: 'set'; key: string; value: Uint8Array; nx: boolean; xx: boolean }
  | { kind: 'get'; key: string }
  | { kind: 'append'; key: string; value: Uint8Array }
  | { kind: 'setrange'; key: string; offset: number; value: Uint8Array }
  | { kind: 'getrange'; key: string; start: number; end: number }
  | { kind: 'incrby'; key: string; delta: number }
  | { kind: 'del'; key: string }
  | { kind: 'strlen'; key: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: keyArb, value: bytesArb, nx: fc.boolean(), xx: fc.boolean() }),
  fc.record({ kind: fc.constant('get' as const), key: keyArb }),
  fc.record({ kind: fc.constant('append' as const), key: keyArb, value: bytesArb }),
  fc.record({ kind: fc.constant('setrange' as const), key: keyArb, offset: fc.nat(400), value: bytesArb }),
  fc.record({ kind: fc.constant('getrange' as const), key: keyArb, start: fc.integer({ min: -300, max: 300 }), end: fc.integer({ min: -300, max: 300 }) }),
  fc.record({ kind: fc.constant('incrby' as const), key: keyArb, delta: fc.integer({ min: -1000, max: 1000 }) }),
  fc.record({ kind: fc.constant('del' as const), key: keyArb }),
  fc.record({ kind: fc.constant('strlen' as const), key: keyArb }),
);

function oracleGetrange(value: Uint8Array, start: number, end: number): Uint8Array {
  const length = value.length;
  if (start < 0 && end < 0 && start > end) return new Uint8Array(0);
  let from = start < 0 ? length + start : start;
  let to = end < 0 ? length + end : end;
  if (from < 0) from = 0;
  if (to < 0) to = 0;
  if (to >= length) to = length - 1;
  if (length === 0 || from > to) return new Uint8Array(0);
  return value.slice(from, to + 1);
}

describe('strings', () => {
  it('behave like a Map of byte strings under random commands', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const { engine } = checkedEngine();
        const oracle = new Map<string, Uint8Array>();
        for (const op of ops) {
          const key = Buffer.from(op.key, 'latin1');
          const k = hex(key);
          switch (op.kind) {
            case 'set': {
              const exists = oracle.has(k);
              if (op.nx && op.xx) break;
              const result = engine.set(0, key, op.value, op.nx ? { condition: 'NX' } : op.xx ? { condition: 'XX' } : {});
              const shouldWrite = op.nx ? !exists : op.xx ? exists : true;
              expect(result.written).toBe(shouldWrite);
              if (shouldWrite) oracle.set(k, op.value);
              break;
            }
            case 'get':
              expect(engine.get(0, key)).toEqual(oracle.get(k) ?? null);
              break;
            case 'append': {
              const next = Buffer.concat([oracle.get(k) ?? new Uint8Array(0), op.value]);
              expect(engine.append(0, key, op.value)).toBe(next.length);
              oracle.set(k, new Uint8Array(next));
              break;
            }
            case 'setrange': {
              const old = oracle.get(k);
              const result = engine.setrange(0, key, op.offset, op.value);
              if (old === undefined && op.value.length === 0) {
                expect(result).toBe(0);
                break;
              }
              const base = old ?? new Uint8Array(0);
              const next = new Uint8Array(Math.max(base.length, op.value.length === 0 ? 0 : op.offset + op.value.length));
              next.set(base);
              if (op.value.length > 0) next.set(op.value, op.offset);
              expect(result).toBe(next.length);
              oracle.set(k, next);
              break;
            }
            case 'getrange':
              expect(engine.getrange(0, key, op.start, op.end)).toEqual(oracleGetrange(oracle.get(k) ?? new Uint8Array(0), op.start, op.end));
              break;
            case 'incrby': {
              const old = oracle.get(k);
              const text = old === undefined ? '0' : s(old)!;
              const valid = /^(0|-?[1-9][0-9]{0,18})$/.test(text) && BigInt(text) <= 2n ** 63n - 1n && BigInt(text) >= -(2n ** 63n);
              if (!valid) {
                expect(() => engine.incrby(0, key, BigInt(op.delta))).toThrow('ERR value is not an integer or out of range');
              } else {
                const next = BigInt(text) + BigInt(op.delta);
                expect(engine.incrby(0, key, BigInt(op.delta))).toBe(next);
                oracle.set(k, b(next.toString()));
              }
              break;
            }
            case 'del':
              expect(engine.del(0, [key])).toBe(oracle.delete(k) ? 1 : 0);
              break;
            case 'strlen':
              expect(engine.strlen(0, key)).toBe(oracle.get(k)?.length ?? 0);
              break;
          }
        }
        expect(engine.dbsize(0)).toBe(oracle.size);
      }),
      { numRuns: 150 },
    );
  });

  it('reports Redis encodings for strings', () => {
    const { engine } = checkedEngine();
    engine.set(0, b('n'), b('12345'));
    engine.set(0, b('short'), b('hello'));
    engine.set(0, b('long'), new Uint8Array(100));
    expect(engine.type(0, b('n'))).toBe('string');
    expect(engine.get(0, b('long'))!.length).toBe(100);
  });

  it('rejects INCR on a non-integer and on overflow with Redis texts', () => {
    const { engine } = checkedEngine();
    engine.set(0, b('x'), b('abc'));
    expect(() => engine.incr(0, b('x'))).toThrow(EngineError);
    expect(() => engine.incr(0, b('x'))).toThrow('ERR value is not an integer or out of range');
    engine.set(0, b('max'), b('9223372036854775807'));
    expect(() => engine.incr(0, b('max'))).toThrow('ERR increment or decrement would overflow');
    expect(s(engine.get(0, b('max')))).toBe('9223372036854775807');
    engine.set(0, b('f'), b('10.5'));
    expect(engine.incrbyfloat(0, b('f'), 0.1)).toBe('10.6');
    expect(engine.incrbyfloat(0, b('f'), -5)).toBe('5.6');
    expect(() => engine.incrbyfloat(0, b('x'), 1)).toThrow('ERR value is not a valid float');
  });

  it('SET GET returns the old value and refuses a non-string', () => {
    const { engine } = checkedEngine();
    expect(engine.set(0, b('k'), b('v1'), { get: true })).toEqual({ written: true, previous: null });
    expect(engine.set(0, b('k'), b('v2'), { get: true })).toEqual({ written: true, previous: b('v1') });
    expect(engine.set(0, b('k'), b('v3'), { get: true, condition: 'NX' })).toEqual({ written: false, previous: b('v2') });
  });

  it('MSET writes every pair and MGET answers nil for missing keys', () => {
    const { engine } = checkedEngine();
    engine.mset(0, [[b('a'), b('1')], [b('b'), new Uint8Array(200).fill(7)], [b('a'), b('3')]]);
    expect(engine.mget(0, [b('a'), b('b'), b('zz')])).toEqual([b('3'), new Uint8Array(200).fill(7), null]);
  });

  it('SETRANGE in the middle of a long string writes only the blocks it changes', () => {
    const touched: number[] = [];
    const { engine } = checkedEngine({
      hooks: (store) => ({
        beforeBlockWrite: (blockIndex) => touched.push(blockIndex),
        releaseBlock: (blockIndex) => store.alloc.free(blockIndex),
        extraBlocksForWrites: () => 0,
      }),
    });
    const big = new Uint8Array(60 * 100).fill(1);
    engine.set(0, b('big'), big);
    touched.length = 0;
    engine.setrange(0, b('big'), 3000, b('xyz'));
    // the value header (length/encoding) and the one chain block holding bytes 3000..3002
    expect(new Set(touched).size).toBeLessThanOrEqual(2);
    const expected = big.slice();
    expected.set(b('xyz'), 3000);
    expect(engine.get(0, b('big'))).toEqual(expected);
  });
});

describe('INCRBYFLOAT', () => {
  it('prints results the way Redis does for decimal inputs', () => {
    const { engine } = checkedEngine();
    expect(engine.incrbyfloat(0, b('f'), 0.1)).toBe('0.1');
    expect(engine.incrbyfloat(0, b('f'), 0.2)).toBe('0.3');
    expect(engine.incrbyfloat(0, b('f'), -0.3)).toBe('0');
    engine.set(0, b('e'), b('5.0e3'));
    expect(engine.incrbyfloat(0, b('e'), 2)).toBe('5002');
    engine.set(0, b('big'), b('1.5'));
    expect(engine.incrbyfloat(0, b('big'), 3e20)).toBe('300000000000000000001.5');
    engine.set(0, b('inf'), b('1.7976931348623157e308'));
    expect(() => engine.incrbyfloat(0, b('inf'), 1.7976931348623157e308)).toThrow('ERR increment would produce NaN or Infinity');
    expect(s(engine.get(0, b('inf')))).toBe('1.7976931348623157e308');
  });

  it('agrees with exact decimal arithmetic on random decimal inputs', () => {
    fc.assert(fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 6 }), (x, y, places) => {
      const { engine } = checkedEngine();
      const scale = 10 ** places;
      const a = x / scale;
      const c = y / scale;
      engine.incrbyfloat(0, b('k'), a);
      const result = engine.incrbyfloat(0, b('k'), c);
      expect(Number(result)).toBeCloseTo(a + c, 6);
      expect(result).toBe(String((x + y) / scale).includes('e') ? result : String(Number(((x + y) / scale).toFixed(places))));
    }));
  });
});

describe('INCRBYFLOAT order of checks', () => {
  it('reports WRONGTYPE and a bad current value before an infinite increment', () => {
    const { engine } = checkedEngine();
    engine.hset(0, b('h'), [[b('f'), b('v')]]);
    expect(() => engine.incrbyfloat(0, b('h'), Infinity)).toThrow('WRONGTYPE');
    engine.set(0, b('x'), b('abc'));
    expect(() => engine.incrbyfloat(0, b('x'), Infinity)).toThrow('ERR value is not a valid float');
    expect(() => engine.incrbyfloat(0, b('n'), Infinity)).toThrow('ERR increment would produce NaN or Infinity');
    expect(engine.exists(0, [b('n')])).toBe(0);
  });
});
