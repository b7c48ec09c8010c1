/**
 * A value whose elements are read one at a time: plain LIST, SET, ZSET, HASH and the quicklists.
 * The streaming decoder resumes it as bytes arrive, so a huge value is never re-parsed from its
 * start and the bytes of finished elements are released as it goes; in batched mode the elements
 * are also handed out in batches instead of being gathered into one value. Each element is read
 * atomically: when input runs out inside one, the reader is rewound to that element's start.
 */
import { NeedMoreInput, type ByteReader } from './byte-reader.ts';
import { assert } from './errors.ts';
import type { RdbAggregateType, RdbValue } from './value.ts';

export type CursorShape = {
  type: RdbAggregateType;
  /** Reads one element (a quicklist node may yield many) and appends it to `out`. */
  readElement: (reader: ByteReader, out: unknown[]) => void;
  /** Wraps elements read so far as a value of `type`. */
  wrap: (elements: unknown[]) => RdbValue;
  /** Whole-value checks (duplicates) that cannot be made batch by batch. */
  validate: (value: RdbValue) => void;
};

export class ValueCursor {
  private pending: unknown[] = [];

  constructor(
    readonly shape: CursorShape,
    /** Reads still to do (elements, or nodes for a quicklist). */
    private remaining: number,
  ) {}

  get done(): boolean {
    return this.remaining === 0;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Reads until done or until `stopAtPending` elements are waiting to be taken. */
  resume(reader: ByteReader, stopAtPending = Infinity): void {
    while (this.remaining > 0 && this.pending.length < stopAtPending) {
      const elementStart = reader.pos;
      const pendingBefore = this.pending.length;
      try {
        this.shape.readElement(reader, this.pending);
      } catch (error) {
        this.pending.length = pendingBefore;
        if (error instanceof NeedMoreInput) reader.pos = elementStart;
        throw error;
      }
      this.remaining -= 1;
    }
  }

  /** Hands out the elements read since the last call, as a value of the cursor's type. */
  takeBatch(): RdbValue {
    const batch = this.shape.wrap(this.pending);
    this.pending = [];
    return batch;
  }

  /** The whole value, checked (null for an empty aggregate, which Redis skips). */
  finish(): RdbValue | null {
    assert(this.done, 'ValueCursor.finish() before every element was read');
    if (this.pending.length === 0) return null;
    const value = this.takeBatch();
    this.shape.validate(value);
    return value;
  }
}
