import type { BlockIndex } from '../ids.ts';
import type { TraceEvent, Tracer } from '../trace.ts';
import { RecordRing } from './record-ring.ts';

/** The walk's trace events as ring records (a dump worker's tracer writes them in its turn). */
const Kind = { DumpStep: 2, DumpEnd: 3 } as const;

/** A dump worker's trace: event records, and the DumpStep keys' bytes beside them. */
export class WalkTraceRing {
  readonly records: RecordRing;
  private readonly bytes: Uint8Array;
  private readonly cursor: Int32Array;

  constructor(readonly sabs: { records: SharedArrayBuffer; bytes: SharedArrayBuffer }) {
    this.records = new RecordRing(sabs.records);
    this.bytes = new Uint8Array(sabs.bytes, 8);
    this.cursor = new Int32Array(sabs.bytes, 0, 2); // [read, write] byte positions, both wrapping
  }

  static create(records: number, keyBytes: number): WalkTraceRing {
    return new WalkTraceRing({ records: RecordRing.create(records).sab, bytes: new SharedArrayBuffer(8 + keyBytes) });
  }

  /**
   * The worker's tracer: each event goes into the ring inside the worker's turn, so the writer, which
   * reads the ring as soon as it has the turn again, sees the walk's steps in their true order among
   * its own commands. DumpBegin is traced by the writer, at the instant it happens.
   */
  tracer(): Tracer {
    return (event: TraceEvent) => {
      let pushed = true;
      if (event.action === 'DumpStep') {
        const key = event.key as Uint8Array;
        this.putBytes(key);
        pushed = this.records.push(Kind.DumpStep, Number(event.db), Number(event.node), key.length);
      } else if (event.action === 'DumpEnd') {
        pushed = this.records.push(Kind.DumpEnd, Number(event.keysWritten), 0, 0);
      }
      if (!pushed) throw new Error('dump trace ring full: the writer has not taken its turn for too long');
    };
  }

  /** The writer's side: the events since it last had the turn, to the engine's tracer. */
  drain(tracer: Tracer): void {
    this.records.drain((kind, a, b, c) => {
      if (kind === Kind.DumpStep) tracer({ action: 'DumpStep', db: a, key: this.takeBytes(c), node: b as BlockIndex });
      else if (kind === Kind.DumpEnd) tracer({ action: 'DumpEnd', keysWritten: a });
    });
  }

  private putBytes(key: Uint8Array): void {
    const [read, write] = [Atomics.load(this.cursor, 0), Atomics.load(this.cursor, 1)];
    if (write - read + key.length > this.bytes.length) throw new Error('dump trace ring full: keys too long to trace');
    for (let i = 0; i < key.length; i++) this.bytes[(write + i) % this.bytes.length] = key[i]!;
    Atomics.store(this.cursor, 1, write + key.length);
  }

  private takeBytes(length: number): Uint8Array {
    const read = Atomics.load(this.cursor, 0);
    const key = new Uint8Array(length);
    for (let i = 0; i < length; i++) key[i] = this.bytes[(read + i) % this.bytes.length]!;
    Atomics.store(this.cursor, 0, read + length);
    return key;
  }
}
