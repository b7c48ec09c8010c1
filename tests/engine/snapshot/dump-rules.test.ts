import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import type { TraceEvent } from '../../../src/engine/trace.ts';
import { b } from '../helpers.ts';
import { canonicalFromRdb, captureDataset, decodeChunks } from './dump-helpers.ts';

function finish(engine: Engine, chunks: Uint8Array[]): ReturnType<typeof canonicalFromRdb> {
  while (engine.dumpStep(100)) engine.assertCheck();
  engine.assertCheck();
  return canonicalFromRdb(decodeChunks(chunks));
}

describe('dump rules from the spec', () => {
  it('DumpBegin is O(1): it copies nothing and writes only the header', () => {
    const events: TraceEvent[] = [];
    const engine = new Engine({ initialBlocks: 64, tracer: (event) => events.push(event) });
    for (let i = 0; i < 5000; i++) {
      engine.set(0, b(`k${i}`), b('v'.repeat(i % 90)));
      engine.endCommand();
    }
    const chunks: Uint8Array[] = [];
    const live = engine.memoryUsage().liveBlocks;
    events.length = 0; // the 5,000 Sets above
    engine.dumpBegin((chunk) => chunks.push(chunk), 0);
    expect(engine.memoryUsage().liveBlocks).toBe(live);
    expect(engine.memoryUsage().dumpCopyBlocks).toBe(0);
    expect(chunks.length).toBe(1); // the RDB header, at once
    expect(events.map((e) => e.action)).toEqual(['DumpBegin']);
    engine.dumpAbort();
  });

  it('a partial write to a big string copies only the blocks it changes, once per dump (CopyOnlyWhatChanges)', () => {
    const engine = new Engine({ initialBlocks: 64, copyBound: 64 });
    engine.set(0, b('s'), new Uint8Array(200_000).fill(65));
    engine.endCommand();
    const atBegin = captureDataset(engine);
    const chunks: Uint8Array[] = [];
    engine.dumpBegin((chunk) => chunks.push(chunk), 0);
    engine.setrange(0, b('s'), 100_001, b('xyz')); // inside one 60-byte chain block, plus the header
    engine.endCommand();
    expect(engine.dumpCounters().copiesMade).toBe(2);
    engine.setrange(0, b('s'), 100_003, b('!'));
    engine.append(0, b('s'), b('tail'));
    engine.endCommand();
    expect(engine.dumpCounters().copiesMade).toBe(3); // the last chain block changed by APPEND; the header was copied already
    engine.assertCheck();
    expect(finish(engine, chunks)).toEqual(atBegin);
  });

  it('an element change in a 1000-field hash copies a tree path, never the value', () => {
    const engine = new Engine({ initialBlocks: 64 });
    engine.hset(0, b('h'), Array.from({ length: 1000 }, (_, i) => [b(`f${i}`), b(`v${i}`)] as [Uint8Array, Uint8Array]));
    engine.endCommand();
    const atBegin = captureDataset(engine);
    const chunks: Uint8Array[] = [];
    engine.dumpBegin((chunk) => chunks.push(chunk), 0);
    engine.hset(0, b('h'), [[b('f500'), b('changed')]]);
    engine.hdel(0, b('h'), [b('f7')]);
    engine.endCommand();
    expect(engine.dumpCounters().copiesMade).toBeLessThan(40);
    expect(engine.dumpCounters().heldBlocks).toBeGreaterThan(0); // f7's node and chains, and f500's old chain
    expect(finish(engine, chunks)).toEqual(atBegin);
  });

  it('at the copy bound the writer runs DumpStep itself, and dirty keys are written first (DirtyFirst)', () => {
    const events: TraceEvent[] = [];
    const engine = new Engine({ initialBlocks: 64, copyBound: 2, tracer: (event) => events.push(event) });
    for (let i = 0; i < 300; i++) {
      engine.set(0, b(`k${String(i).padStart(3, '0')}`), b(`v${i}`));
      engine.endCommand();
    }
    const atBegin = captureDataset(engine);
    const chunks: Uint8Array[] = [];
    engine.dumpBegin((chunk) => chunks.push(chunk), 0);
    engine.set(0, b('k299'), b('new'));
    engine.endCommand();
    const set299 = events.find((e) => e.action === 'Set');
    expect(set299?.copies).toHaveLength(1); // the entry node, whose value link changes
    engine.dumpStep(4);
    const firstWritten = events.find((e) => e.action === 'DumpStep');
    expect(Buffer.from(firstWritten?.key as Uint8Array).toString()).toBe('k299'); // the dirty key before k000
    expect(firstWritten?.node).toBe((set299!.copies as number[])[0]);
    for (let i = 0; i < 100; i++) {
      engine.set(0, b(`k${String(100 + i).padStart(3, '0')}`), b('again'));
      engine.endCommand();
      expect(engine.dumpCounters().copiesHeld).toBeLessThanOrEqual(2);
    }
    expect(engine.dumpCounters().forcedSteps).toBeGreaterThan(0);
    engine.assertCheck();
    expect(finish(engine, chunks)).toEqual(atBegin);
  });
});
