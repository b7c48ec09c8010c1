/** Runs TLC on a generated trace module; the trace is accepted when TLC finds the whole log. */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTlc, specDir } from '../../scripts/tlc.ts';
import type { TraceEvent } from './trace-event.ts';
import { type TraceConstants, traceToTla } from './trace-to-tla.ts';

export interface TraceVerdict { accepted: boolean; steps: number; seconds: number; output: string }

export function checkTraceWithTlc(events: readonly TraceEvent[], constants: TraceConstants): TraceVerdict {
  const dir = mkdtempSync(join(tmpdir(), 'sabre-trace-'));
  try {
    for (const file of readdirSync(specDir)) if (file.endsWith('.tla')) copyFileSync(join(specDir, file), join(dir, file));
    const { module, config } = traceToTla('SabreTrace', events, constants);
    writeFileSync(join(dir, 'SabreTrace.tla'), module);
    writeFileSync(join(dir, 'SabreTrace.cfg'), config);
    const run = runTlc(join(dir, 'SabreTrace.cfg'), { module: 'SabreTrace.tla', workers: 1, cwd: dir });
    const accepted = run.exitCode === 12 && run.violated === 'TraceNotMatched';
    if (!accepted && run.exitCode !== 0) throw new Error(`TLC could not check the trace:\n${run.output.slice(-3000)}`);
    return { accepted, steps: events.length, seconds: run.seconds, output: run.output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
