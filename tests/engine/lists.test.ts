import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b, checkedEngine, hex, keyArb } from './helpers.ts';

const elementArb = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 40, maxLength: 160 }) },
);

describe('lists', () => {
  it('behave like arrays under random pushes, pops, LSET, LINDEX and LRANGE', () => {
    const opArb = fc.oneof(
      fc.record({ kind: fc.constantFrom('lpush' as const, 'rpush' as const), key: keyArb, elements: fc.array(elementArb, { minLength: 1, maxLength: 8 }) }),
      fc.record({ kind: fc.constantFrom('lpop' as const, 'rpop' as const), key: keyArb, count: fc.option(fc.nat(5), { nil: undefined }) }),
      fc.record({ kind: fc.constant('lset' as const), key: keyArb, index: fc.integer({ min: -20, max: 20 }), element: elementArb }),
      fc.record({ kind: fc.constant('read' as const), key: keyArb, start: fc.integer({ min: -25, max: 25 }), stop: fc.integer({ min: -25, max: 25 }) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const { engine } = checkedEngine();
        const oracle = new Map<string, Uint8Array[]>();
        for (const op of ops) {
          const list = oracle.get(hex(op.key)) ?? [];
          switch (op.kind) {
            case 'lpush':
              for (const element of op.elements) list.unshift(element);
              expect(engine.lpush(0, op.key, op.elements)).toBe(list.length);
              break;
            case 'rpush':
              list.push(...op.elements);
              expect(engine.rpush(0, op.key, op.elements)).toBe(list.length);
              break;
            case 'lpop':
            case 'rpop': {
              const existed = list.length > 0;
              const n = op.count ?? 1;
              const expected = op.kind === 'lpop' ? list.splice(0, n) : list.splice(Math.max(0, list.length - n), n).reverse();
              const got = op.count === undefined
                ? (op.kind === 'lpop' ? engine.lpop(0, op.key) : engine.rpop(0, op.key))
                : (op.kind === 'lpop' ? engine.lpop(0, op.key, op.count) : engine.rpop(0, op.key, op.count));
              if (op.count === undefined) expect(got).toEqual(expected[0] ?? null);
              else expect(got).toEqual(existed ? expected : null);
              break;
            }
            case 'lset': {
              const position = op.index < 0 ? list.length + op.index : op.index;
              if (list.length === 0) expect(() => engine.lset(0, op.key, op.index, op.element)).toThrow('ERR no such key');
              else if (position < 0 || position >= list.length) expect(() => engine.lset(0, op.key, op.index, op.element)).toThrow('ERR index out of range');
              else {
                engine.lset(0, op.key, op.index, op.element);
                list[position] = op.element;
              }
              break;
            }
            case 'read': {
              const n = list.length;
              let from = op.start < 0 ? n + op.start : op.start;
              let to = op.stop < 0 ? n + op.stop : op.stop;
              if (from < 0) from = 0;
              if (to >= n) to = n - 1;
              expect(engine.lrange(0, op.key, op.start, op.stop)).toEqual(from > to ? [] : list.slice(from, to + 1));
              const at = op.start < 0 ? n + op.start : op.start;
              expect(engine.lindex(0, op.key, op.start)).toEqual(at >= 0 && at < n ? list[at] : null);
              break;
            }
          }
          if (list.length === 0) oracle.delete(hex(op.key));
          else oracle.set(hex(op.key), list);
          expect(engine.llen(0, op.key)).toBe(list.length);
        }
        expect(engine.dbsize(0)).toBe(oracle.size);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps order across many nodes', () => {
    const { engine } = checkedEngine();
    const elements = Array.from({ length: 300 }, (_, i) => b(`element-${i}`));
    engine.rpush(0, b('l'), elements.slice(0, 150));
    engine.lpush(0, b('l'), elements.slice(150).reverse());
    const expected = [...elements.slice(150), ...elements.slice(0, 150)];
    expect(engine.lrange(0, b('l'), 0, -1)).toEqual(expected);
    expect(engine.lindex(0, b('l'), 200)).toEqual(expected[200]);
    expect(engine.lindex(0, b('l'), -1)).toEqual(expected[299]);
  });
});
