import type { BlockIndex } from '../ids.ts';
import type { TraceEvent, Tracer } from '../trace.ts';
import type { RecordRing } from './record-ring.ts';

/** The walk's trace events as ring records (a dump worker's tracer writes them in its turn). */
const Kind = { DumpBegin: 1, DumpStep: 2, DumpEnd: 3 } as const;

/**
 * The worker's tracer: each event goes into the ring inside the worker's turn, so the writer, which
 * reads the ring as soon as it has the turn again, sees the walk's steps in their true order among
 * its own commands.
 */
export function ringTracer(ring: RecordRing): Tracer {
  return (event: TraceEvent) => {
    // DumpBegin is traced by the writer, at the instant it happens (Dumper.beginForWorker).
    const pushed = event.action === 'DumpBegin' ? true
      : event.action === 'DumpStep' ? ring.push(Kind.DumpStep, Number(event.db), Number(event.node), 0)
        : event.action === 'DumpEnd' ? ring.push(Kind.DumpEnd, Number(event.keysWritten), 0, 0) : true;
    if (!pushed) throw new Error('dump trace ring full: the writer has not taken its turn for too long');
  };
}

/** The writer's side: the events since it last had the turn, to the engine's tracer. */
export function drainWalkTrace(ring: RecordRing, tracer: Tracer): void {
  ring.drain((kind, a, b) => {
    if (kind === Kind.DumpBegin) tracer({ action: 'DumpBegin', epoch: a });
    else if (kind === Kind.DumpStep) tracer({ action: 'DumpStep', db: a, node: b as BlockIndex });
    else if (kind === Kind.DumpEnd) tracer({ action: 'DumpEnd', keysWritten: a });
  });
}
