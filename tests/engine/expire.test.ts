import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { b, checkedEngine, hex, keyArb } from './helpers.ts';

describe('expiry', () => {
  it('matches an oracle of values with deadlines under a fake clock (lazy and active expiry)', () => {
    const opArb = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: keyArb, ttlMs: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }), keepTtl: fc.boolean() }),
      fc.record({ kind: fc.constant('pexpire' as const), key: keyArb, ms: fc.integer({ min: -100, max: 5000 }) }),
      fc.record({ kind: fc.constant('persist' as const), key: keyArb }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
      fc.record({ kind: fc.constant('active' as const), effort: fc.integer({ min: 1, max: 10 }) }),
      fc.record({ kind: fc.constant('read' as const), key: keyArb }),
      fc.record({ kind: fc.constant('rename' as const), from: keyArb, to: keyArb }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const { engine, clock } = checkedEngine();
        const oracle = new Map<string, { value: Uint8Array; expireAtMs: number }>();
        const live = (key: Uint8Array) => {
          const entry = oracle.get(hex(key));
          if (entry && entry.expireAtMs !== 0 && entry.expireAtMs <= clock.nowMs()) {
            oracle.delete(hex(key));
            return undefined;
          }
          return entry;
        };
        let version = 0;
        for (const op of ops) {
          switch (op.kind) {
            case 'set': {
              const value = b(`v${version++}`);
              const old = live(op.key);
              const expireAtMs = op.ttlMs !== undefined ? clock.nowMs() + op.ttlMs : op.keepTtl ? old?.expireAtMs ?? 0 : 0;
              engine.set(0, op.key, value, op.ttlMs !== undefined ? { expire: { unit: 'PX', amount: op.ttlMs } } : { keepTtl: op.keepTtl });
              oracle.set(hex(op.key), { value, expireAtMs });
              break;
            }
            case 'pexpire': {
              const entry = live(op.key);
              expect(engine.pexpire(0, op.key, op.ms)).toBe(entry ? 1 : 0);
              if (entry && op.ms <= 0) oracle.delete(hex(op.key));
              else if (entry) entry.expireAtMs = clock.nowMs() + op.ms;
              break;
            }
            case 'persist': {
              const entry = live(op.key);
              expect(engine.persist(0, op.key)).toBe(entry && entry.expireAtMs !== 0 ? 1 : 0);
              if (entry) entry.expireAtMs = 0;
              break;
            }
            case 'advance':
              clock.advance(op.ms);
              break;
            case 'active':
              engine.activeExpireCycle(op.effort);
              break;
            case 'read': {
              const entry = live(op.key);
              expect(engine.get(0, op.key)).toEqual(entry?.value ?? null);
              const pttl = engine.pttl(0, op.key);
              expect(pttl).toBe(entry === undefined ? -2 : entry.expireAtMs === 0 ? -1 : entry.expireAtMs - clock.nowMs());
              break;
            }
            case 'rename': {
              const entry = live(op.from);
              if (!entry) {
                expect(() => engine.rename(0, op.from, op.to)).toThrow('ERR no such key');
                break;
              }
              engine.rename(0, op.from, op.to);
              oracle.delete(hex(op.from));
              oracle.set(hex(op.to), entry);
              break;
            }
          }
        }
        const expected = [...oracle.entries()].filter(([, e]) => e.expireAtMs === 0 || e.expireAtMs > clock.nowMs()).length;
        expect(engine.keys(0, b('*')).length).toBe(expected);
        expect(engine.exists(0, [...oracle.keys()].map((k) => Buffer.from(k, 'hex')))).toBe(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('one active expiry cycle removes every expired key and keeps the rest', () => {
    const { engine, clock } = checkedEngine();
    for (let i = 0; i < 200; i++) engine.set(i % 3, b(`k${i}`), b('v'), i % 2 === 0 ? { expire: { unit: 'EX', amount: 10 } } : {});
    clock.advance(10_000);
    const expired = engine.activeExpireCycle().expired;
    expect(expired).toBe(100);
    expect(engine.dbsize(0) + engine.dbsize(1) + engine.dbsize(2)).toBe(100);
  });

  it('TTL rounds to seconds and reports -1 and -2 as Redis does', () => {
    const { engine, clock } = checkedEngine();
    engine.set(0, b('k'), b('v'), { expire: { unit: 'EX', amount: 100 } });
    clock.advance(1_400);
    expect(engine.ttl(0, b('k'))).toBe(99);
    expect(engine.pttl(0, b('k'))).toBe(98_600);
    engine.set(0, b('p'), b('v'));
    expect(engine.ttl(0, b('p'))).toBe(-1);
    expect(engine.ttl(0, b('missing'))).toBe(-2);
    expect(() => engine.set(0, b('k'), b('v'), { expire: { unit: 'EX', amount: 0 } })).toThrow("ERR invalid expire time in 'set' command");
    expect(() => engine.expire(0, b('k'), Number.MAX_SAFE_INTEGER)).toThrow("ERR invalid expire time in 'expire' command");
    expect(engine.expire(0, b('p'), 10, 'XX')).toBe(0);
    expect(engine.expire(0, b('p'), 10, 'NX')).toBe(1);
    expect(engine.expire(0, b('p'), 5, 'GT')).toBe(0);
    expect(engine.expire(0, b('p'), 5, 'LT')).toBe(1);
    expect(engine.ttl(0, b('p'))).toBe(5);
    // XX with LT: "no expiry" would count as infinite for LT alone, XX refuses it
    engine.set(0, b('q'), b('v'));
    expect(engine.expire(0, b('q'), 10, ['XX', 'LT'])).toBe(0);
    expect(engine.ttl(0, b('q'))).toBe(-1);
    expect(engine.expire(0, b('p'), 3, ['XX', 'LT'])).toBe(1);
    expect(engine.expire(0, b('p'), 2, ['XX', 'GT'])).toBe(0);
    expect(engine.expire(0, b('p'), 20, ['XX', 'GT'])).toBe(1);
    expect(engine.ttl(0, b('p'))).toBe(20);
  });
});
