/**
 * The events of one element-by-element value in batched mode (decoder option `elementBatch`), as
 * a small state machine so the synchronous and the streaming decoder share it: each step is an
 * event to yield, READ (run the cursor, fetching input as needed), or DONE.
 */
import type { PendingEntry, RdbEvent } from './record-parser.ts';

export const READ = Symbol('read');
export const DONE = Symbol('done');

export class BatchDelivery {
  private state: 'unread' | 'first-read' | 'elements' | 'ended' = 'unread';
  private elementCount = 0;

  constructor(private readonly pending: PendingEntry) {}

  step(): RdbEvent | typeof READ | typeof DONE {
    const { head, cursor } = this.pending;
    switch (this.state) {
      case 'unread':
        this.state = 'first-read';
        return READ;
      case 'first-read':
        if (cursor.done && cursor.pendingCount === 0) {
          this.state = 'ended';
          return this.pending.complete(null); // declared empty: skipped, as in whole mode
        }
        this.state = 'elements';
        return { kind: 'valueBegin', type: cursor.shape.type, ...head };
      case 'elements':
        if (cursor.pendingCount > 0) {
          this.elementCount += cursor.pendingCount;
          return { kind: 'valueElements', dbIndex: head.dbIndex, key: head.key, value: cursor.takeBatch() };
        }
        if (!cursor.done) return READ;
        this.state = 'ended';
        return { kind: 'valueEnd', dbIndex: head.dbIndex, key: head.key, elementCount: this.elementCount };
      case 'ended':
        return DONE;
    }
  }
}
