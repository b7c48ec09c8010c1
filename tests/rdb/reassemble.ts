/** Test helper: rebuilds whole entries from batched decoder events, checking their protocol. */
import { expect } from 'vitest';
import type { RdbEvent } from '../../src/rdb/decoder.ts';
import type { RdbEntry, RdbValue } from '../../src/rdb/value.ts';

export function reassemble(events: Iterable<RdbEvent>, maxBatchLength = Infinity): { entries: RdbEntry[]; batches: number } {
  const entries: RdbEntry[] = [];
  let open: { entry: RdbEntry; count: number } | null = null;
  let batches = 0;
  for (const event of events) {
    if (event.kind === 'valueBegin') {
      expect(open).toBeNull();
      const empty: RdbValue = event.type === 'list' ? { type: 'list', items: [] } : event.type === 'set' ? { type: 'set', members: [] } : event.type === 'zset' ? { type: 'zset', entries: [] } : { type: 'hash', fields: [] };
      open = { entry: { dbIndex: event.dbIndex, key: event.key, value: empty, expireAtMs: event.expireAtMs }, count: 0 };
    } else if (event.kind === 'valueElements') {
      expect(open).not.toBeNull();
      const target = open!.entry.value;
      const batch = event.value;
      expect(batch.type).toBe(target.type);
      const added = batch.type === 'list' ? batch.items : batch.type === 'set' ? batch.members : batch.type === 'zset' ? batch.entries : batch.type === 'hash' ? batch.fields : [];
      expect(added.length).toBeGreaterThan(0);
      expect(added.length).toBeLessThanOrEqual(maxBatchLength);
      (target.type === 'list' ? target.items : target.type === 'set' ? target.members : target.type === 'zset' ? target.entries : target.type === 'hash' ? target.fields : []).push(...(added as never[]));
      open!.count += added.length;
      batches += 1;
    } else if (event.kind === 'valueEnd') {
      expect(event.elementCount).toBe(open!.count);
      entries.push(open!.entry);
      open = null;
    } else if (event.kind === 'entry') {
      expect(open).toBeNull();
      entries.push(event.entry);
    }
  }
  expect(open).toBeNull();
  return { entries, batches };
}
