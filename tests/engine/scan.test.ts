import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.ts';
import { b, checkedEngine, hex } from './helpers.ts';

const memberArb = fc.uint8Array({ minLength: 1, maxLength: 6 });

/** A collection the property can fill, mutate and scan: keys of db 0, or the members of one value. */
interface Target {
  add(engine: Engine, member: Uint8Array): void;
  remove(engine: Engine, member: Uint8Array): void;
  scan(engine: Engine, cursor: string, count: number): { cursor: string; members: Uint8Array[] };
}

const KEY = b('container');
const targets: Record<string, Target> = {
  SCAN: {
    add: (engine, member) => void engine.set(0, member, b('v')),
    remove: (engine, member) => void engine.del(0, [member]),
    scan: (engine, cursor, count) => { const r = engine.scan(0, cursor, { count }); return { cursor: r.cursor, members: r.elements }; },
  },
  HSCAN: {
    add: (engine, member) => void engine.hset(0, KEY, [[member, b('v')]]),
    remove: (engine, member) => void engine.hdel(0, KEY, [member]),
    scan: (engine, cursor, count) => { const r = engine.hscan(0, KEY, cursor, { count }); return { cursor: r.cursor, members: r.elements.map(([field]) => field) }; },
  },
  SSCAN: {
    add: (engine, member) => void engine.sadd(0, KEY, [member]),
    remove: (engine, member) => void engine.srem(0, KEY, [member]),
    scan: (engine, cursor, count) => { const r = engine.sscan(0, KEY, cursor, { count }); return { cursor: r.cursor, members: r.elements }; },
  },
  ZSCAN: {
    add: (engine, member) => void engine.zadd(0, KEY, [{ member, score: member[0]! }]),
    remove: (engine, member) => void engine.zrem(0, KEY, [member]),
    scan: (engine, cursor, count) => { const r = engine.zscan(0, KEY, cursor, { count }); return { cursor: r.cursor, members: r.elements.map((e) => e.member) }; },
  },
};

describe('SCAN family', () => {
  for (const [name, target] of Object.entries(targets)) {
    it(`${name} returns every element present for the whole iteration despite inserts and deletes on both sides of the cursor`, () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(memberArb, { minLength: 1, maxLength: 40, selector: hex }),
          fc.array(fc.record({ count: fc.integer({ min: 1, max: 4 }), deleteReturned: fc.nat(3), deleteOther: fc.nat(2), insert: fc.array(memberArb, { maxLength: 3 }) }), { maxLength: 60 }),
          (initial, steps) => {
            const { engine } = checkedEngine();
            const anchor = b('\u0000anchor'); // keeps the container alive while everything else churns
            target.add(engine, anchor);
            for (const member of initial) target.add(engine, member);
            // half of the initial members are never touched: they must all be returned
            const stable = new Set(initial.filter((_, i) => i % 2 === 0).map(hex));
            stable.add(hex(anchor));
            const volatile = initial.filter((_, i) => i % 2 === 1);
            const returned = new Set<string>();
            let cursor = '0';
            let calls = 0;
            do {
              const step = steps[calls % Math.max(steps.length, 1)] ?? { count: 3, deleteReturned: 0, deleteOther: 0, insert: [] };
              const reply = target.scan(engine, cursor, step.count);
              for (const member of reply.members) returned.add(hex(member));
              cursor = reply.cursor;
              calls++;
              // deletes before the cursor: volatile members already returned
              for (let i = 0; i < step.deleteReturned; i++) {
                const victim = volatile.findIndex((member) => returned.has(hex(member)));
                if (victim >= 0) target.remove(engine, volatile.splice(victim, 1)[0]!);
              }
              // deletes after the cursor: volatile members not yet returned
              for (let i = 0; i < step.deleteOther; i++) {
                const victim = volatile.findIndex((member) => !returned.has(hex(member)));
                if (victim >= 0) target.remove(engine, volatile.splice(victim, 1)[0]!);
              }
              for (const member of step.insert) {
                if (stable.has(hex(member))) continue;
                target.add(engine, member);
                volatile.push(member);
              }
              expect(calls).toBeLessThan(1000);
            } while (cursor !== '0');
            for (const member of stable) expect(returned.has(member), `missing ${member}`).toBe(true);
          },
        ),
        { numRuns: 80 },
      );
    });
  }

  it('SCAN filters by MATCH and TYPE and rejects a malformed cursor', () => {
    const { engine } = checkedEngine();
    engine.set(0, b('user:1'), b('a'));
    engine.set(0, b('user:2'), b('b'));
    engine.hset(0, b('user:h'), [[b('f'), b('v')]]);
    engine.set(0, b('other'), b('c'));
    const collect = (options: Parameters<Engine['scan']>[2]) => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const reply = engine.scan(0, cursor, options);
        found.push(...reply.elements.map((key) => Buffer.from(key).toString()));
        cursor = reply.cursor;
      } while (cursor !== '0');
      return found.sort();
    };
    expect(collect({ match: b('user:*'), count: 1 })).toEqual(['user:1', 'user:2', 'user:h']);
    expect(collect({ match: b('user:[0-9]'), type: 'string' })).toEqual(['user:1', 'user:2']);
    expect(collect({ type: 'hash' })).toEqual(['user:h']);
    expect(() => engine.scan(0, 'abc')).toThrow('ERR invalid cursor');
    expect(() => engine.scan(0, '18446744073709551616')).toThrow('ERR invalid cursor');
  });
});
