/**
 * The engine's runs as traces: every paired run's spec-level trace (the engine's DumpBegin, DumpStep,
 * DumpEnd, FreeStep, Unlink and FlushAsync events, the writer actions its commands stand for, each
 * DumpStep carrying what the engine's RDB file holds for the key) is replayed through the model, and a
 * few small ones are checked by TLC against spec/Sabre.tla (model-tests/trace/check-trace.ts).
 */
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/model/types.ts';
import { checkTraceWithTlc } from '../trace/check-trace.ts';
import type { TraceEvent } from '../trace/trace-event.ts';
import { replayThroughModel } from '../trace/replay.ts';
import { type Profile, runCampaign } from './campaign.ts';

/** TLC bounds: 2 keys, values of at most 2 chunks, 2 chunk values. */
const TRACE_PROFILE: Profile = {
  name: 'trace', keys: ['a', 'b'], vals: [1, 2], maxLen: 2, copyBounds: [2, 3], lazyFreeThreshold: 1, blockSizeBytes: 64,
  weights: { write: 3, dump: 3, free: 1, allocFail: 0 }, maxCommands: 80,
};
const RUNS = Number(process.env.SABRE_TRACE_RUNS ?? 60);

describe('engine traces', () => {
  const traces: { trace: TraceEvent[]; config: ModelConfig }[] = [];
  /** Runs with an APPEND-dirty key written early (DEVIATION in docs/model-based-tests.md): no spec behaviour. */
  let outsideSpec = 0;

  it('replays every engine trace through the model, each event a model transition', () => {
    const result = runCampaign(TRACE_PROFILE, RUNS, 'model-tests/engine/engine-traces.test.ts', undefined, (run) => {
      if (run.deviations.appendDirtyFirst > 0) outsideSpec++;
      else traces.push({ trace: [...run.trace], config: run.config.model });
    });
    expect(result.failed, `${result.replay}\n${result.report}`).toBe(false);
    let events = 0;
    for (const { trace, config } of traces) {
      const replay = replayThroughModel(trace, config);
      if (!replay.ok) throw new Error(`trace event ${replay.failedAt} (${JSON.stringify(replay.event)}) is no model transition; seed ${result.seed}`);
      events += trace.length;
    }
    console.log(`replayed ${traces.length} engine traces, ${events} events, seed ${result.seed}; ${outsideSpec} runs left out (an APPEND-dirty key written early)`);
    expect(traces.some(({ trace }) => trace.some((e) => e.action === 'DumpStep' && e.written !== undefined))).toBe(true);
  });

  it('TLC accepts small engine traces against spec/Sabre.tla, and rejects one with a tampered dump output', () => {
    // The three longest traces of at most 40 events with a whole dump in them (else the shortest): one TLC start each.
    const whole = traces.filter(({ trace }) => trace.some((e) => e.action === 'DumpEnd') && trace.some((e) => e.action === 'DumpStep' && (e.written?.length ?? 0) > 0));
    const small = whole.filter(({ trace }) => trace.length <= 40).sort((a, b) => b.trace.length - a.trace.length);
    const chosen = (small.length > 0 ? small : [...whole].sort((a, b) => a.trace.length - b.trace.length)).slice(0, 3);
    expect(chosen.length).toBeGreaterThan(0);
    for (const { trace, config } of chosen) {
      const verdict = checkTraceWithTlc(trace, { keys: config.keys, blockCount: config.blockCount, maxLen: config.maxLen, copyBound: config.copyBound, lazyFreeThreshold: config.lazyFreeThreshold });
      console.log(`engine trace of ${trace.length} events: TLC ${verdict.accepted ? 'accepts' : 'REJECTS'} in ${verdict.seconds.toFixed(1)} s`);
      expect(verdict.accepted).toBe(true);
    }
    const { trace, config } = chosen[0]!;
    const at = trace.findIndex((e) => e.action === 'DumpStep' && (e.written?.length ?? 0) > 0);
    const tampered = trace.map((e, i) => (i === at ? { ...e, written: e.written!.map((v) => (v === 1 ? 2 : 1)) } : e));
    expect(replayThroughModel(tampered, config).ok).toBe(false);
    const verdict = checkTraceWithTlc(tampered, { keys: config.keys, blockCount: config.blockCount, maxLen: config.maxLen, copyBound: config.copyBound, lazyFreeThreshold: config.lazyFreeThreshold });
    expect(verdict.accepted).toBe(false);
  });
});
