import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b, bytesArb, checkedEngine, compare, hex, keyArb } from './helpers.ts';

type Op =
  | { kind: 'hset'; key: Uint8Array; pairs: [Uint8Array, Uint8Array][] }
  | { kind: 'hdel'; key: Uint8Array; fields: Uint8Array[] }
  | { kind: 'hget'; key: Uint8Array; field: Uint8Array }
  | { kind: 'hincrby'; key: Uint8Array; field: Uint8Array; delta: number }
  | { kind: 'set'; key: Uint8Array };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('hset' as const), key: keyArb, pairs: fc.array(fc.tuple(bytesArb(), bytesArb(150)), { minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('hdel' as const), key: keyArb, fields: fc.array(bytesArb(), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('hget' as const), key: keyArb, field: bytesArb() }),
  fc.record({ kind: fc.constant('hincrby' as const), key: keyArb, field: bytesArb(), delta: fc.integer({ min: -50, max: 50 }) }),
  fc.record({ kind: fc.constant('set' as const), key: keyArb }),
);

describe('hashes', () => {
  it('behave like a Map of Maps under random commands', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 50 }), (ops) => {
        const { engine } = checkedEngine();
        const oracle = new Map<string, Map<string, Uint8Array> | 'string'>();
        for (const op of ops) {
          const k = hex(op.key);
          const current = oracle.get(k);
          if (current === 'string' && op.kind !== 'set') {
            expect(() => (op.kind === 'hget' ? engine.hget(0, op.key, op.field) : engine.hlen(0, op.key))).toThrow('WRONGTYPE');
            continue;
          }
          const hash = current instanceof Map ? current : new Map<string, Uint8Array>();
          switch (op.kind) {
            case 'set':
              engine.set(0, op.key, b('v'));
              oracle.set(k, 'string');
              continue;
            case 'hset': {
              let added = 0;
              for (const [field, value] of op.pairs) {
                if (!hash.has(hex(field))) added++;
                hash.set(hex(field), value);
              }
              expect(engine.hset(0, op.key, op.pairs)).toBe(added);
              break;
            }
            case 'hdel': {
              let removed = 0;
              for (const field of op.fields) if (hash.delete(hex(field))) removed++;
              expect(engine.hdel(0, op.key, op.fields)).toBe(removed);
              break;
            }
            case 'hget':
              expect(engine.hget(0, op.key, op.field)).toEqual(hash.get(hex(op.field)) ?? null);
              expect(engine.hexists(0, op.key, op.field)).toBe(hash.has(hex(op.field)));
              break;
            case 'hincrby': {
              const old = hash.get(hex(op.field));
              const text = old === undefined ? '0' : Buffer.from(old).toString('latin1');
              if (!/^(0|-?[1-9][0-9]{0,17})$/.test(text)) {
                expect(() => engine.hincrby(0, op.key, op.field, BigInt(op.delta))).toThrow('ERR hash value is not an integer');
              } else {
                const next = BigInt(text) + BigInt(op.delta);
                expect(engine.hincrby(0, op.key, op.field, BigInt(op.delta))).toBe(next);
                hash.set(hex(op.field), b(next.toString()));
              }
              break;
            }
          }
          if (hash.size === 0) oracle.delete(k);
          else oracle.set(k, hash);
          expect(engine.hlen(0, op.key)).toBe(hash.size);
          const all = engine.hgetall(0, op.key);
          expect(all.map(([field]) => hex(field))).toEqual([...hash.keys()].sort((x, y) => compare(Buffer.from(x, 'hex'), Buffer.from(y, 'hex'))));
          for (const [field, value] of all) expect(value).toEqual(hash.get(hex(field)));
        }
        expect(engine.dbsize(0)).toBe(oracle.size);
      }),
      { numRuns: 120 },
    );
  });
});
