import { assert } from '../errors.ts';

const HEAD = 0; // next record the consumer reads (consumer writes it)
const TAIL = 1; // next free slot (producer writes it)
const FIRST_RECORD_WORD = 4;
const WORDS_PER_RECORD = 4;

/**
 * A single-producer, single-consumer ring of fixed-size records (kind and three int32 arguments) in
 * its own SharedArrayBuffer. The writer tells a dump worker what it did through one: a record costs
 * five word writes, no allocation and no message, and the worker reads it before its next step.
 */
export class RecordRing {
  readonly i32: Int32Array;
  readonly capacity: number;

  constructor(readonly sab: SharedArrayBuffer) {
    this.i32 = new Int32Array(sab);
    this.capacity = (this.i32.length - FIRST_RECORD_WORD) / WORDS_PER_RECORD;
    assert(Number.isInteger(this.capacity) && (this.capacity & (this.capacity - 1)) === 0, 'ring capacity must be a power of two');
  }

  static create(capacity: number): RecordRing {
    return new RecordRing(new SharedArrayBuffer((FIRST_RECORD_WORD + capacity * WORDS_PER_RECORD) * 4));
  }

  get length(): number {
    return (Atomics.load(this.i32, TAIL) - Atomics.load(this.i32, HEAD)) | 0;
  }

  /** Producer: false when the ring is full (nothing written). */
  push(kind: number, a: number, b: number, c: number): boolean {
    const tail = Atomics.load(this.i32, TAIL);
    if (((tail - Atomics.load(this.i32, HEAD)) | 0) >= this.capacity) return false;
    const at = FIRST_RECORD_WORD + (tail & (this.capacity - 1)) * WORDS_PER_RECORD;
    const i32 = this.i32;
    i32[at] = kind;
    i32[at + 1] = a;
    i32[at + 2] = b;
    i32[at + 3] = c;
    Atomics.store(i32, TAIL, (tail + 1) | 0);
    return true;
  }

  /** Consumer: every record pushed so far, in order; returns how many. */
  drain(visit: (kind: number, a: number, b: number, c: number) => void): number {
    const i32 = this.i32;
    const tail = Atomics.load(i32, TAIL);
    let head = Atomics.load(i32, HEAD);
    let count = 0;
    while (head !== tail) {
      const at = FIRST_RECORD_WORD + (head & (this.capacity - 1)) * WORDS_PER_RECORD;
      visit(i32[at]!, i32[at + 1]!, i32[at + 2]!, i32[at + 3]!);
      head = (head + 1) | 0;
      count++;
    }
    Atomics.store(i32, HEAD, head);
    return count;
  }
}
