import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesArb, checkedEngine, compare, hex, keyArb } from './helpers.ts';

describe('sets', () => {
  it('behave like a Map of Sets under random SADD/SREM/SISMEMBER', () => {
    const opArb = fc.tuple(fc.constantFrom('sadd', 'srem', 'sismember'), keyArb, fc.array(bytesArb(), { minLength: 1, maxLength: 5 }));
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const { engine } = checkedEngine();
        const oracle = new Map<string, Set<string>>();
        for (const [kind, key, members] of ops) {
          const set = oracle.get(hex(key)) ?? new Set<string>();
          if (kind === 'sadd') {
            let added = 0;
            for (const member of members) if (!set.has(hex(member))) (set.add(hex(member)), added++);
            expect(engine.sadd(0, key, members)).toBe(added);
          } else if (kind === 'srem') {
            let removed = 0;
            for (const member of members) if (set.delete(hex(member))) removed++;
            expect(engine.srem(0, key, members)).toBe(removed);
          } else {
            expect(engine.sismember(0, key, members[0]!)).toBe(set.has(hex(members[0]!)));
          }
          if (set.size === 0) oracle.delete(hex(key));
          else oracle.set(hex(key), set);
          expect(engine.scard(0, key)).toBe(set.size);
          expect(engine.smembers(0, key).map(hex)).toEqual([...set].sort((x, y) => compare(Buffer.from(x, 'hex'), Buffer.from(y, 'hex'))));
        }
        expect(engine.dbsize(0)).toBe(oracle.size);
      }),
      { numRuns: 120 },
    );
  });
});
