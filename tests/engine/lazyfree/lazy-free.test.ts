import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { OutOfMemoryError } from '../../../src/engine/errors.ts';
import type { TraceEvent } from '../../../src/engine/trace.ts';
import { b } from '../helpers.ts';
import { captureDataset, runCommand, writeArb } from '../snapshot/dump-helpers.ts';

const pairs = (count: number, prefix = 'f'): [Uint8Array, Uint8Array][] => Array.from({ length: count }, (_, i) => [b(`${prefix}${i}`), b(`value-${i}`)]);

function bigHash(engine: Engine, key: string, fields: number): void {
  for (let i = 0; i < fields; i += 1000) {
    engine.hset(0, b(key), pairs(Math.min(1000, fields - i), `f${i}-`));
    engine.endCommand();
  }
}

describe('lazy free, inline', () => {
  it('UNLINK frees a small value at once and queues nothing', () => {
    const engine = new Engine({ initialBlocks: 64 });
    engine.set(0, b('k'), b('small'));
    engine.endCommand();
    const free = engine.memoryUsage().freeBlocks;
    expect(engine.unlink(0, [b('k'), b('absent')])).toBe(1);
    expect(engine.get(0, b('k'))).toBeNull();
    expect(engine.memoryUsage().freeBlocks).toBe(free + 2);
    expect(engine.lazyFreeCounters().pendingObjects).toBe(0);
    engine.assertCheck();
  });

  it('UNLINK of a big hash detaches it at once and FreeStep frees it in bounded batches, check() after each', () => {
    const events: TraceEvent[] = [];
    const engine = new Engine({ initialBlocks: 64, tracer: (event) => events.push(event) });
    bigHash(engine, 'h', 3000);
    const used = engine.memoryUsage().liveBlocks;
    engine.unlink(0, [b('h')]);
    expect(engine.exists(0, [b('h')])).toBe(0);
    expect(engine.lazyFreeCounters().pendingObjects).toBe(1);
    expect(engine.lazyFreeCounters().pendingBlocksEstimate).toBeGreaterThan(1000);
    engine.assertCheck();
    let steps = 0;
    for (;;) {
      const freed = engine.freeStep(100);
      if (freed === 0) break;
      expect(freed).toBeLessThanOrEqual(100 + 2 * 2); // a node's key and value chains finish with it
      engine.assertCheck();
      steps++;
    }
    expect(steps).toBeGreaterThan(used / 110);
    expect(engine.memoryUsage().freeBlocks).toBe(engine.memoryUsage().blockCount - 1 - engine.memoryUsage().liveBlocks);
    expect(engine.memoryUsage().liveBlocks).toBe(0);
    expect(engine.lazyFreeCounters()).toMatchObject({ pendingObjects: 0, pendingBlocksEstimate: 0, inProgress: 0 });
    expect(engine.lazyFreeCounters().freedBlocks).toBe(used - 1); // the keyspace node is freed by UNLINK itself
    expect(events.map((e) => e.action)).toContain('Unlink');
    expect(events.filter((e) => e.action === 'FreeStep').length).toBe(steps);
  });

  it('FLUSHALL ASYNC empties every database in O(1) and the freer returns every block', () => {
    const engine = new Engine({ initialBlocks: 64 });
    for (let i = 0; i < 2000; i++) {
      engine.set(i % 3, b(`key-${i}`), b(`v${i}`.repeat(i % 7)));
      engine.endCommand();
    }
    bigHash(engine, 'h', 500);
    engine.flushallAsync();
    expect(engine.dbsize(0) + engine.dbsize(1) + engine.dbsize(2)).toBe(0);
    engine.assertCheck();
    while (engine.freeStep(333) > 0) engine.assertCheck();
    expect(engine.memoryUsage().liveBlocks).toBe(0);
  });

  it('keeps the same dataset as synchronous DEL/FLUSH under random interleavings (check() after every step)', () => {
    fc.assert(
      fc.property(fc.array(writeArb, { maxLength: 80 }), (commands) => {
        const lazy = new Engine({ initialBlocks: 64, clock: new ManualClock(1e12), lazyFreeThresholdBlocks: 1 });
        // every value is freed at once by UNLINK here: the same as DEL
        const eager = new Engine({ initialBlocks: 64, clock: new ManualClock(1e12), lazyFreeThresholdBlocks: Infinity });
        for (const command of commands) {
          runCommand(lazy, command);
          lazy.assertCheck();
          runCommand(eager, command);
        }
        expect(captureDataset(lazy)).toEqual(captureDataset(eager));
        while (lazy.freeStep(50) > 0) lazy.assertCheck();
        while (eager.freeStep(1000) > 0);
        expect(lazy.memoryUsage().liveBlocks).toBe(eager.memoryUsage().liveBlocks);
      }),
      { numRuns: 120 },
    );
  });

  it('a producer that adds and unlinks in a loop never grows the buffer past a bound (seed 004 backpressure)', () => {
    const engine = new Engine({ initialBlocks: 64, growthFactor: 0.25 });
    bigHash(engine, 'warmup', 2000);
    engine.unlink(0, [b('warmup')]);
    const sizes: number[] = [];
    for (let round = 0; round < 30; round++) {
      bigHash(engine, `h${round}`, 2000);
      engine.unlink(0, [b(`h${round}`)]); // no FreeStep: only the allocator's help frees
      sizes.push(engine.memoryUsage().blockCount);
    }
    engine.assertCheck();
    expect(Math.max(...sizes)).toBe(sizes[0]);
  });

  it('no allocation fails while enough blocks are queued (spec NoFalseOOM), and one fails only when none are', () => {
    const events: TraceEvent[] = [];
    const engine = new Engine({ initialBlocks: 64, maxBlocks: 4096, tracer: (event) => events.push(event) });
    bigHash(engine, 'h', 1200);
    engine.unlink(0, [b('h')]);
    expect(engine.lazyFreeCounters().pendingObjects).toBe(1);
    bigHash(engine, 'h2', 1200); // needs the queued blocks: the writer frees them first
    engine.assertCheck();
    expect(events.some((e) => e.action === 'AllocFail')).toBe(false);
    expect(() => bigHash(engine, 'h3', 5000)).toThrow(OutOfMemoryError);
    engine.endCommand();
    engine.assertCheck();
    expect(events.filter((e) => e.action === 'AllocFail')).toEqual([expect.objectContaining({ action: 'AllocFail', queuedObjects: 0 })]);
  });
});
