import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/engine/clock.ts';
import { Engine } from '../../src/engine/engine.ts';
import { cycleLimits } from '../../src/engine/commands/expire.ts';
import { dumpToFile, loadRdbFile } from '../../src/engine/snapshot/dump-file.ts';
import { b, checkedEngine } from './helpers.ts';

const keyArb = fc.constantFrom('k1', 'k2', 'k3', 'k4', 'x'.repeat(70)).map(b);
const dbArb = fc.constantFrom(0, 1);
const ttlArb = fc.integer({ min: 1, max: 4000 });

/** Every path that sets, changes, removes or carries a TTL, plus time, reads and a running dump. */
const opArb = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), db: dbArb, key: keyArb, unit: fc.constantFrom('EX', 'PX', 'EXAT', 'PXAT', 'none', 'keepttl'), amount: ttlArb, condition: fc.constantFrom(undefined, 'NX', 'XX'), long: fc.boolean() }),
  fc.record({ kind: fc.constant('expire' as const), db: dbArb, key: keyArb, unit: fc.constantFrom('EX', 'PX', 'EXAT', 'PXAT'), amount: fc.integer({ min: -5, max: 4000 }), condition: fc.constantFrom(undefined, 'NX', 'XX', 'GT', 'LT') }),
  fc.record({ kind: fc.constant('persist' as const), db: dbArb, key: keyArb }),
  fc.record({ kind: fc.constant('del' as const), db: dbArb, key: keyArb, unlink: fc.boolean() }),
  fc.record({ kind: fc.constant('rename' as const), db: dbArb, from: keyArb, to: keyArb }),
  fc.record({ kind: fc.constant('overwrite' as const), db: dbArb, key: keyArb, how: fc.constantFrom('mset', 'append', 'incr', 'setrange', 'hset', 'lpush', 'lpop', 'getdel') }),
  fc.record({ kind: fc.constant('flush' as const), db: fc.option(dbArb, { nil: undefined }), async: fc.boolean() }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ kind: fc.constant('read' as const), db: dbArb, key: keyArb }),
  fc.record({ kind: fc.constant('cycle' as const), effort: fc.integer({ min: 1, max: 10 }) }),
  fc.record({ kind: fc.constant('randomkey' as const), db: dbArb }),
  fc.record({ kind: fc.constant('dump' as const), blocks: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('freeStep' as const) }),
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

function apply(engine: Engine, clock: ManualClock, op: Op): void {
  switch (op.kind) {
    case 'set': {
      const value = op.long ? b('v'.repeat(300)) : b('v');
      const amount = op.unit === 'EXAT' ? Math.ceil(clock.nowMs() / 1000) + op.amount : op.unit === 'PXAT' ? clock.nowMs() + op.amount : op.amount;
      const expire = op.unit === 'none' || op.unit === 'keepttl' ? undefined : { unit: op.unit, amount };
      engine.set(op.db, op.key, value, { expire, keepTtl: op.unit === 'keepttl', condition: op.condition as 'NX' | 'XX' | undefined });
      return;
    }
    case 'expire': {
      const amount = op.unit === 'EXAT' ? Math.floor(clock.nowMs() / 1000) + op.amount : op.unit === 'PXAT' ? clock.nowMs() + op.amount : op.amount;
      const method = { EX: 'expire', PX: 'pexpire', EXAT: 'expireat', PXAT: 'pexpireat' } as const;
      engine[method[op.unit]](op.db, op.key, amount, op.condition as 'NX' | undefined);
      return;
    }
    case 'persist': engine.persist(op.db, op.key); return;
    case 'del': if (op.unlink) engine.unlink(op.db, [op.key]); else engine.del(op.db, [op.key]); return;
    case 'rename': try { engine.rename(op.db, op.from, op.to); } catch { /* no such key */ } return;
    case 'overwrite':
      try {
        if (op.how === 'mset') engine.mset(op.db, [[op.key, b('m')]]);
        else if (op.how === 'append') engine.append(op.db, op.key, b('a'.repeat(50)));
        else if (op.how === 'incr') engine.incr(op.db, op.key);
        else if (op.how === 'setrange') engine.setrange(op.db, op.key, 3, b('r'));
        else if (op.how === 'hset') engine.hset(op.db, op.key, [[b('f'), b('v')]]);
        else if (op.how === 'lpush') engine.lpush(op.db, op.key, [b('e')]);
        else if (op.how === 'lpop') engine.lpop(op.db, op.key);
        else if (engine.get(op.db, op.key) !== null) engine.del(op.db, [op.key]);
      } catch { /* WRONGTYPE or not an integer: the command changes nothing */ }
      return;
    case 'flush':
      if (op.db === undefined) {
        if (op.async) engine.flushallAsync(); else engine.flushall();
      } else if (op.async) engine.flushdbAsync(op.db);
      else engine.flushdb(op.db);
      return;
    case 'advance': clock.advance(op.ms); return;
    case 'read': engine.exists(op.db, [op.key]); engine.pttl(op.db, op.key); return;
    case 'cycle': engine.activeExpireCycle(op.effort); return;
    case 'randomkey': engine.randomkey(op.db, () => 0.5); return;
    case 'dump':
      if (!engine.dumping) engine.dumpBegin(() => {}, 1024);
      else engine.dumpStep(op.blocks);
      return;
    case 'freeStep': engine.freeStep(1000); return;
  }
}

/** What the index must hold: every key whose value header carries an expiry, per database. */
function keysWithTtl(engine: Engine, db: number): number {
  let count = 0;
  engine.core.keyspace.forEachFrom(db, 0, (node) => {
    if (engine.core.isExpired(engine.core.keyspace.valueOf(node), Number.MAX_SAFE_INTEGER)) count++;
    return true;
  });
  return count;
}

describe('expiry index', () => {
  it('equals the set of keys with a TTL after every command of random sequences (check() after each)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80 }), (ops) => {
        const { engine, clock, unchecked } = checkedEngine({ lazyFreeThresholdBlocks: 2 });
        for (const op of ops) {
          apply(engine, clock, op);
          for (const db of [0, 1]) expect(unchecked.expiresCount(db)).toBe(keysWithTtl(unchecked, db));
        }
        while (unchecked.dumping) engine.dumpStep(1000);
        engine.freeStep(1 << 20);
      }),
      { numRuns: 300 },
    );
  });

  it('reclaims 20k keys with a TTL beside 300k without within a bounded number of cycles, looking at no key without a TTL', () => {
    // The cycle's time limit is made deterministic: the fake time source advances 1 ms per reading,
    // so a cycle at effort 1 runs 26 loops of 20 looks (the limit is 25 ms) = 520 deletions.
    let fakeMs = 0;
    const clock = new ManualClock();
    const engine = new Engine({ clock, initialBlocks: 1 << 20, expireCycleClockMs: () => fakeMs++ });
    const value = b('v');
    for (let i = 0; i < 300_000; i++) engine.set(i % 4, b(`plain:${i}`), value);
    for (let i = 0; i < 20_000; i++) engine.set(i % 4, b(`ttl:${i}`), value, { expire: { unit: 'PX', amount: 100 + (i % 50) } });
    engine.endCommand();
    clock.advance(1000);
    let cycles = 0;
    let sampled = 0;
    let expired = 0;
    while (engine.expiresCount(0) + engine.expiresCount(1) + engine.expiresCount(2) + engine.expiresCount(3) > 0) {
      const result = engine.activeExpireCycle(1);
      engine.endCommand();
      cycles++;
      sampled += result.sampled;
      expired += result.expired;
      expect(cycles).toBeLessThanOrEqual(40); // ceil(20000 / 520) = 39; the starting commit's sweep of 200 keys a step needed 1600 steps
    }
    expect(expired).toBe(20_000);
    expect(sampled).toBe(20_000); // no look at a key without a TTL, none at a live one (there are none left)
    expect(engine.dbsize(0) + engine.dbsize(1) + engine.dbsize(2) + engine.dbsize(3)).toBe(300_000);
    expect(engine.check()).toEqual([]);
  });

  it('does more per cycle at a higher active-expire-effort (time limit and keys per loop scale as Redis)', () => {
    expect(cycleLimits(1, 10)).toEqual({ keysPerLoop: 20, timeLimitMs: 25, acceptableStalePerc: 10 });
    expect(cycleLimits(10, 10)).toEqual({ keysPerLoop: 65, timeLimitMs: 43, acceptableStalePerc: 1 });
    const expiredInOneCycle = (effort: number): { expired: number; timeCapReached: boolean } => {
      let fakeMs = 0;
      const clock = new ManualClock();
      const engine = new Engine({ clock, initialBlocks: 1 << 15, expireCycleClockMs: () => fakeMs++ });
      for (let i = 0; i < 5000; i++) engine.set(0, b(`t${i}`), b('v'), { expire: { unit: 'PX', amount: 10 } });
      engine.endCommand();
      clock.advance(100);
      const { expired, timeCapReached } = engine.activeExpireCycle(effort);
      return { expired, timeCapReached };
    };
    // 1 ms per loop: effort 1 stops after the loop that passes 25 ms (26 loops of 20), effort 10 after 44 loops of 65.
    expect(expiredInOneCycle(1)).toEqual({ expired: 26 * 20, timeCapReached: true });
    expect(expiredInOneCycle(10)).toEqual({ expired: 44 * 65, timeCapReached: true });
    expect(() => cycleLimits(11, 10)).toThrow();
  });

  it('counts expired_time_cap_reached and the stale share, and a live key ends a database', () => {
    let fakeMs = 0;
    const clock = new ManualClock();
    const engine = new Engine({ clock, initialBlocks: 4096, expireCycleClockMs: () => fakeMs++ });
    for (let i = 0; i < 1000; i++) engine.set(0, b(`t${i}`), b('v'), { expire: { unit: 'PX', amount: 10 } });
    for (let i = 0; i < 1000; i++) engine.set(0, b(`l${i}`), b('v'), { expire: { unit: 'PX', amount: 100_000 } });
    engine.endCommand();
    clock.advance(100);
    const first = engine.activeExpireCycle(1);
    expect(first).toEqual({ sampled: 520, expired: 520, timeCapReached: true });
    // 480 of 1480 keys with a TTL are stale after the cycle, smoothed by 0.05 as Redis smooths it.
    expect(engine.expireCycleStats().staleShare).toBeCloseTo((480 / 1480) * 0.05, 10);
    const second = engine.activeExpireCycle(1);
    expect(second).toEqual({ sampled: 481, expired: 480, timeCapReached: false });
    expect(engine.expireCycleStats().timeCapReachedCount).toBe(1);
    expect(engine.expiresCount(0)).toBe(1000);
    expect(engine.takeExpiredKeyCount()).toBe(1000);
    expect(engine.averageTtlMs(0)).toBeGreaterThan(99_000);
    expect(engine.averageTtlMs(0)).toBeLessThanOrEqual(99_900);
  });

  it('runs a fast cycle only after a cycle that hit its time limit, for 1 ms, at most once per 2 ms', () => {
    let fakeMs = 0;
    let stepMs = 1;
    const clock = new ManualClock();
    const engine = new Engine({ clock, initialBlocks: 8192, expireCycleClockMs: () => (fakeMs += stepMs) });
    for (let i = 0; i < 2000; i++) engine.set(0, b(`t${i}`), b('v'), { expire: { unit: 'PX', amount: 10 } });
    engine.endCommand();
    const idle = { sampled: 0, expired: 0, timeCapReached: false };
    expect(engine.activeExpireCycle(1, 10, 'fast')).toEqual(idle); // nothing stale yet
    clock.advance(100);
    expect(engine.activeExpireCycle(1, 10, 'slow').expired).toBe(520);
    // 0.25 ms per reading: the start, then one reading per loop until past 1 ms = 5 loops of 20.
    stepMs = 0.25;
    expect(engine.activeExpireCycle(1, 10, 'fast')).toEqual({ sampled: 100, expired: 100, timeCapReached: true });
    expect(engine.activeExpireCycle(1, 10, 'fast')).toEqual(idle); // 1.5 ms after the last start: too soon
    expect(engine.activeExpireCycle(1, 10, 'fast')).toEqual(idle); // 1.75 ms
    expect(engine.activeExpireCycle(1, 10, 'fast').expired).toBe(100); // 2 ms
    expect(engine.check()).toEqual([]);
  });

  it('FLUSHALL ASYNC queues the expiry index for lazy free in O(1) and the freer returns every block', () => {
    const clock = new ManualClock();
    const engine = new Engine({ clock, initialBlocks: 8192 });
    for (let i = 0; i < 1000; i++) engine.set(i % 2, b(`k${i}`), b('v'), i % 4 < 2 ? { expire: { unit: 'EX', amount: 100 } } : {});
    engine.endCommand();
    const liveBefore = engine.memoryUsage().liveBlocks;
    engine.flushallAsync();
    expect([engine.expiresCount(0), engine.expiresCount(1), engine.dbsize(0), engine.dbsize(1)]).toEqual([0, 0, 0, 0]);
    expect(engine.lazyFreeCounters().pendingObjects).toBe(4); // two keyspace trees, two expiry indexes
    expect(engine.check()).toEqual([]); // queued index nodes are claimed, not leaked
    while (engine.lazyFreeCounters().pendingObjects > 0) engine.freeStep(100);
    // 1000 keys of 2 blocks (node, value) and 500 index nodes
    expect(engine.lazyFreeCounters().freedBlocks).toBe(liveBefore);
    expect(liveBefore).toBe(2500);
    expect(engine.memoryUsage().liveBlocks).toBe(0);
    expect(engine.check()).toEqual([]);
  });

  it('survives Arena.attach (a logic restart): the new engine sees the index and reclaims from it', () => {
    const clock = new ManualClock();
    const first = new Engine({ clock, initialBlocks: 4096 });
    for (let i = 0; i < 500; i++) first.set(i % 3, b(`t${i}`), b('v'), i % 2 === 0 ? { expire: { unit: 'PX', amount: 50 + i } } : {});
    first.endCommand();
    const second = new Engine({ clock, sharedBuffer: first.sharedBuffer });
    expect(second.check()).toEqual([]);
    expect([0, 1, 2].map((db) => second.expiresCount(db))).toEqual([0, 1, 2].map((db) => first.expiresCount(db)));
    expect([0, 1, 2].reduce((sum, db) => sum + second.expiresCount(db), 0)).toBe(250);
    clock.advance(1000);
    expect(second.activeExpireCycle().expired).toBe(250);
    second.endCommand();
    expect(second.check()).toEqual([]);
    expect([0, 1, 2].reduce((sum, db) => sum + second.dbsize(db), 0)).toBe(250);
  });

  it('is rebuilt exactly by an RDB save and load', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sabre-expiry-'));
    try {
      const clock = new ManualClock();
      const engine = new Engine({ clock, initialBlocks: 4096 });
      for (let i = 0; i < 300; i++) engine.set(i % 2, b(`k${i}`), b('v'), i % 3 === 0 ? { expire: { unit: 'PX', amount: 1000 + i } } : {});
      engine.hset(0, b('h'), [[b('f'), b('v')]]);
      engine.pexpire(0, b('h'), 5000);
      engine.endCommand();
      const file = path.join(dir, 'dump.rdb');
      await dumpToFile(engine, file);
      const loaded = await loadRdbFile(file, { clock, initialBlocks: 4096 });
      expect(loaded.check()).toEqual([]);
      expect([loaded.expiresCount(0), loaded.expiresCount(1)]).toEqual([engine.expiresCount(0), engine.expiresCount(1)]);
      expect(loaded.expiresCount(0) + loaded.expiresCount(1)).toBe(101);
      expect(loaded.pttl(0, b('h'))).toBe(5000);
      clock.advance(2000);
      expect(loaded.activeExpireCycle().expired).toBe(100);
      loaded.endCommand();
      expect(loaded.check()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
