/**
 * Traces checked twice: replayed through the model step by step, and turned into a TLA+ module that TLC
 * checks against spec/Sabre.tla. Traces come from random walks of the model here; the engine's own
 * traces go through the same two checks. A tampered trace must be rejected by both.
 */
import { describe, expect, it } from 'vitest';
import { type Action, next } from '../../src/model/actions.ts';
import { initialState, type ModelConfig } from '../../src/model/types.ts';
import { checkTraceWithTlc } from './check-trace.ts';
import type { TraceEvent } from './trace-event.ts';
import { replayThroughModel } from './replay.ts';

const config: ModelConfig = { keys: ['a', 'b'], vals: [1, 2], blockCount: 4, maxLen: 2, copyBound: 1, lazyFreeThreshold: 1, bug: 'none' };
const constants = { keys: config.keys, blockCount: config.blockCount, maxLen: config.maxLen, copyBound: config.copyBound, lazyFreeThreshold: config.lazyFreeThreshold };

/** mulberry32: a small seeded generator, so that a trace is reproduced by its seed alone. */
function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next32 = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { nextInt: (min: number, max: number) => min + Math.floor(next32() * (max - min + 1)) };
}

/** A random walk of the model, logged the way the engine logs: FreeStep without the spec's block. */
function randomTrace(seed: number, length: number): TraceEvent[] {
  const random = seededRandom(seed);
  let state = initialState(config);
  const events: TraceEvent[] = [];
  for (let i = 0; i < length; i++) {
    const steps = [...next(state, config)];
    // Favour the dump so that traces hold whole dumps with copies.
    const dumpSteps = steps.filter((s) => s.action.name.startsWith('Dump'));
    const pool = dumpSteps.length > 0 && random.nextInt(0, 2) === 0 ? dumpSteps : steps;
    const chosen = pool[random.nextInt(0, pool.length - 1)]!;
    events.push(eventOf(chosen.action, chosen.state.out.length > state.out.length ? chosen.state.out.at(-1)![1] : undefined));
    state = chosen.state;
  }
  return events;
}

function eventOf(action: Action, written: readonly (number | string)[] | undefined): TraceEvent {
  const { name, ...args } = action as Action & Record<string, unknown>;
  const event: Record<string, unknown> = { action: name, ...args };
  if (name === 'FreeStep') delete event.block;
  if (written !== undefined) event.written = written;
  return event as unknown as TraceEvent;
}

describe('trace checks', () => {
  const traces = [1, 2, 3].map((seed) => randomTrace(seed, 40));

  it.each(traces.map((trace, i) => [i + 1, trace] as const))('accepts model trace %i in the model and in TLC', (_, trace) => {
    expect(replayThroughModel(trace, config).ok).toBe(true);
    const verdict = checkTraceWithTlc(trace, constants);
    console.log(`trace of ${trace.length} events (${trace.filter((e) => e.action === 'DumpStep').length} DumpStep): TLC ${verdict.accepted ? 'accepts' : 'REJECTS'} in ${verdict.seconds.toFixed(1)} s`);
    expect(verdict.accepted).toBe(true);
  });

  it('rejects a trace whose dump wrote a value the snapshot did not hold', () => {
    const trace = traces.find((t) => t.some((e) => e.action === 'DumpStep' && (e.written?.length ?? 0) > 0))!;
    const at = trace.findIndex((e) => e.action === 'DumpStep' && (e.written?.length ?? 0) > 0);
    const written = trace[at]!.written!.map((v) => (v === 1 ? 2 : 1));
    const tampered = trace.map((e, i) => (i === at ? { ...e, written } : e));
    const replay = replayThroughModel(tampered, config);
    expect(replay.ok).toBe(false);
    if (!replay.ok) expect(replay.failedAt).toBe(at);
    expect(checkTraceWithTlc(tampered, constants).accepted).toBe(false);
  });

  it('rejects a trace with an action the spec does not allow there', () => {
    const trace: TraceEvent[] = [{ action: 'Set', key: 'a', val: 1 }, { action: 'DumpEnd' }];
    expect(replayThroughModel(trace, config).ok).toBe(false);
    expect(checkTraceWithTlc(trace, constants).accepted).toBe(false);
  });
});
