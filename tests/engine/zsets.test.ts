import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScoredMember, ZAddOptions } from '../../src/engine/engine.ts';
import { b, bytesArb, checkedEngine, compare, hex, keyArb } from './helpers.ts';

type Entry = { member: Uint8Array; score: number };
const byScore = (x: Entry, y: Entry) => (x.score !== y.score ? x.score - y.score : compare(x.member, y.member));
const scoreArb = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true }), fc.constantFrom(Infinity, -Infinity));

/** ZADD applied to a Map, following the Redis command reference. */
function oracleZadd(zset: Map<string, Entry>, entries: ScoredMember[], options: ZAddOptions): number | null {
  let added = 0;
  let changed = 0;
  let result: number | null = null;
  for (const { member, score } of entries) {
    const current = zset.get(hex(member));
    if (current) {
      if (options.condition === 'NX') continue;
      const next = options.incr ? current.score + score : score;
      if (options.comparison === 'GT' && !(next > current.score)) continue;
      if (options.comparison === 'LT' && !(next < current.score)) continue;
      if (next !== current.score) changed++;
      zset.set(hex(member), { member, score: next });
      result = next;
    } else {
      if (options.condition === 'XX') continue;
      zset.set(hex(member), { member, score });
      added++;
      result = score;
    }
  }
  return options.incr ? result : options.ch ? added + changed : added;
}

describe('sorted sets', () => {
  it('behave like a Map of scores under random ZADD/ZREM with ranks and ranges', () => {
    const optionsArb: fc.Arbitrary<ZAddOptions> = fc.record(
      { condition: fc.constantFrom('NX' as const, 'XX' as const), comparison: fc.constantFrom('GT' as const, 'LT' as const), ch: fc.boolean(), incr: fc.boolean() },
      { requiredKeys: [] },
    ).filter((o) => !(o.condition === 'NX' && o.comparison !== undefined));
    const opArb = fc.oneof(
      fc.record({ kind: fc.constant('zadd' as const), key: keyArb, entries: fc.array(fc.record({ member: bytesArb(), score: scoreArb }), { minLength: 1, maxLength: 4 }), options: optionsArb }),
      fc.record({ kind: fc.constant('zrem' as const), key: keyArb, members: fc.array(bytesArb(), { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('range' as const), key: keyArb, start: fc.integer({ min: -6, max: 6 }), stop: fc.integer({ min: -6, max: 6 }), rev: fc.boolean(), min: scoreArb, max: scoreArb, minEx: fc.boolean(), maxEx: fc.boolean(), offset: fc.nat(3), count: fc.integer({ min: -1, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 50 }), (ops) => {
        const { engine } = checkedEngine();
        const oracle = new Map<string, Map<string, Entry>>();
        for (const op of ops) {
          const zset = oracle.get(hex(op.key)) ?? new Map<string, Entry>();
          if (op.kind === 'zadd') {
            const options = op.options.incr ? op.options : { ...op.options, incr: false };
            const entries = options.incr ? op.entries.slice(0, 1) : op.entries;
            const current = zset.get(hex(entries[0]!.member));
            if (options.incr && current && Number.isNaN(current.score + entries[0]!.score)) {
              expect(() => engine.zadd(0, op.key, entries, options)).toThrow('ERR resulting score is not a number (NaN)');
              continue;
            }
            const expected = oracleZadd(zset, entries, options);
            expect(engine.zadd(0, op.key, entries, options)).toBe(expected);
          } else if (op.kind === 'zrem') {
            let removed = 0;
            for (const member of op.members) if (zset.delete(hex(member))) removed++;
            expect(engine.zrem(0, op.key, op.members)).toBe(removed);
          } else {
            const sorted = [...zset.values()].sort(byScore);
            const n = sorted.length;
            let start = op.start < 0 ? op.start + n : op.start;
            let stop = op.stop < 0 ? op.stop + n : op.stop;
            if (start < 0) start = 0;
            if (stop >= n) stop = n - 1;
            const ordered = op.rev ? [...sorted].reverse() : sorted;
            const byRank = start > stop || start >= n ? [] : ordered.slice(start, stop + 1);
            expect(engine.zrange(0, op.key, { by: 'rank', start: op.start, stop: op.stop, rev: op.rev })).toEqual(byRank);
            const inRange = ordered.filter((e) => (op.minEx ? e.score > op.min : e.score >= op.min) && (op.maxEx ? e.score < op.max : e.score <= op.max));
            const limited = inRange.slice(op.offset, op.count >= 0 ? op.offset + op.count : undefined);
            expect(engine.zrange(0, op.key, { by: 'score', min: { value: op.min, exclusive: op.minEx }, max: { value: op.max, exclusive: op.maxEx }, rev: op.rev, offset: op.offset, count: op.count })).toEqual(limited);
            sorted.forEach((entry, rank) => {
              expect(engine.zrank(0, op.key, entry.member)).toBe(rank);
              expect(engine.zrevrank(0, op.key, entry.member)).toBe(n - 1 - rank);
              expect(engine.zscore(0, op.key, entry.member)).toBe(entry.score);
            });
          }
          if (zset.size === 0) oracle.delete(hex(op.key));
          else oracle.set(hex(op.key), zset);
          expect(engine.zcard(0, op.key)).toBe(zset.size);
        }
        expect(engine.dbsize(0)).toBe(oracle.size);
      }),
      { numRuns: 120 },
    );
  });

  it('rejects INCR with several pairs and NX with GT', () => {
    const { engine } = checkedEngine();
    expect(() => engine.zadd(0, b('z'), [{ member: b('a'), score: 1 }, { member: b('b'), score: 2 }], { incr: true })).toThrow('ERR INCR option supports a single increment-element pair');
    expect(() => engine.zadd(0, b('z'), [{ member: b('a'), score: 1 }], { condition: 'NX', comparison: 'GT' })).toThrow('ERR GT, LT, and/or NX options at the same time are not compatible');
    expect(engine.zadd(0, b('z'), [{ member: b('a'), score: 1 }], { condition: 'XX' })).toBe(0);
    expect(engine.exists(0, [b('z')])).toBe(0);
  });
});
