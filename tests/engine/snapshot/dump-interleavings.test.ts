import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/engine/clock.ts';
import { Engine } from '../../../src/engine/engine.ts';
import type { TraceEvent } from '../../../src/engine/trace.ts';
import { ACTION_NAMES } from '../../../src/model/actions.ts';
import { canonicalFromRdb, captureDataset, decodeChunks, runCommand, writeArb, type Command } from './dump-helpers.ts';

type Step = { kind: 'write'; command: Command } | { kind: 'dump'; budget: number };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: writeArb.map((command) => ({ kind: 'write' as const, command })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }).map((budget) => ({ kind: 'dump' as const, budget })) },
);

/** Values of hundreds of blocks, so that one key spans many dump steps while writes hit it. */
function addBigValues(engine: Engine): void {
  const field = (i: number): Uint8Array => new TextEncoder().encode(['a', 'b', 'c', 'd', 'e'][i % 5]! + String(i));
  engine.hset(0, new TextEncoder().encode('h1'), Array.from({ length: 300 }, (_, i) => [field(i), new Uint8Array(i % 90).fill(i)] as [Uint8Array, Uint8Array]));
  engine.zadd(0, new TextEncoder().encode('z1'), Array.from({ length: 200 }, (_, i) => ({ member: field(i), score: i % 7 })));
  engine.sadd(1, new TextEncoder().encode('t1'), Array.from({ length: 200 }, (_, i) => field(i)));
  engine.rpush(0, new TextEncoder().encode('l1'), Array.from({ length: 400 }, (_, i) => new Uint8Array(i % 300).fill(i)));
  engine.set(0, new TextEncoder().encode('s1'), new Uint8Array(70_000).map((_, i) => i));
  engine.endCommand();
}

function runScenario(setup: Command[], steps: Step[], copyBound: number, big = false): void {
  const clock = new ManualClock(1_700_000_000_000);
  const events: TraceEvent[] = [];
  const engine = new Engine({ initialBlocks: 64, clock, copyBound, tracer: (event) => events.push(event) });
  if (big) addBigValues(engine);
  for (const command of setup) runCommand(engine, command);
  engine.assertCheck();
  const atBegin = captureDataset(engine);
  const chunks: Uint8Array[] = [];
  engine.dumpBegin((chunk) => chunks.push(chunk), 0);
  engine.assertCheck();
  for (const step of steps) {
    if (!engine.dumping) break;
    if (step.kind === 'write') {
      runCommand(engine, step.command);
      if (step.command.name.startsWith('EXPIRE')) clock.advance(1500);
    } else {
      engine.dumpStep(step.budget);
    }
    engine.assertCheck();
    expect(engine.dumpCounters().copiesHeld).toBeLessThanOrEqual(copyBound);
  }
  while (engine.dumping) {
    engine.dumpStep(7);
    engine.assertCheck();
  }
  expect(canonicalFromRdb(decodeChunks(chunks))).toEqual(atBegin);
  expect(engine.memoryUsage().dumpCopyBlocks).toBe(0);
  expect(events.filter((e) => e.action === 'DumpStep').length).toBe(atBegin.size);
  expect(events.filter((e) => e.action === 'DumpEnd').length).toBe(1);
  for (const event of events) expect(ACTION_NAMES).toContain(event.action);
}

describe('copy-on-write dump, inline', () => {
  it('writes exactly the dataset at DumpBegin whatever writes interleave with its steps (check() after every step)', () => {
    fc.assert(
      fc.property(fc.array(writeArb, { minLength: 5, maxLength: 60 }), fc.array(stepArb, { maxLength: 120 }), fc.constantFrom(1, 2, 3, 16), (setup, steps, copyBound) => {
        runScenario(setup, steps, copyBound);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps big values (a key over many steps) exact while writes, deletes and renames hit them mid-value', () => {
    fc.assert(
      fc.property(fc.array(writeArb, { maxLength: 20 }), fc.array(stepArb, { maxLength: 200 }), fc.constantFrom(1, 4, 64), (setup, steps, copyBound) => {
        runScenario(setup, steps, copyBound, true);
      }),
      { numRuns: 25 },
    );
  });

  it('dumps an empty engine as a valid empty RDB', () => {
    const engine = new Engine({ initialBlocks: 64 });
    const chunks: Uint8Array[] = [];
    engine.dumpBegin((chunk) => chunks.push(chunk));
    while (engine.dumpStep(10));
    expect(decodeChunks(chunks)).toEqual([]);
    engine.assertCheck();
  });
});
