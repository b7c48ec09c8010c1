/**
 * A value whose elements are read one at a time: plain LIST, SET, ZSET, HASH and the quicklists.
 * The streaming decoder resumes it as bytes arrive, so a huge value is never re-parsed from its
 * start and the bytes of finished elements are released as it goes. Each element is read
 * atomically: when input runs out inside one, the reader is rewound to that element's start.
 */
import { NeedMoreInput, type ByteReader } from './byte-reader.ts';
import { assert } from './errors.ts';
import type { RdbValue } from './value.ts';

export class ValueCursor {
  constructor(
    private remaining: number,
    /** Reads one element and stores it; must store nothing if it throws. */
    private readonly readElement: (reader: ByteReader) => void,
    /** Builds the value once every element is read (null for an empty aggregate). */
    private readonly build: () => RdbValue | null,
  ) {}

  resume(reader: ByteReader): void {
    while (this.remaining > 0) {
      const elementStart = reader.pos;
      try {
        this.readElement(reader);
      } catch (error) {
        if (error instanceof NeedMoreInput) reader.pos = elementStart;
        throw error;
      }
      this.remaining -= 1;
    }
  }

  finish(): RdbValue | null {
    assert(this.remaining === 0, 'ValueCursor.finish() before every element was read');
    return this.build();
  }
}
