import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/engine/clock.ts';
import { Engine } from '../../src/engine/engine.ts';
import { readEntryKey } from '../../src/engine/entry.ts';
import { readValue } from '../../src/engine/read-value.ts';
import { commandArb, run } from './commands-arb.ts';

/** The dataset of db 0 as plain data, keyed by hex key. */
function contents(engine: Engine): Map<string, unknown> {
  const out = new Map<string, unknown>();
  engine.core.keyspace.forEachFrom(0, 0, (node) => {
    out.set(Buffer.from(readEntryKey(engine.store, node)).toString('hex'), readValue(engine.core, engine.core.keyspace.valueOf(node)).value);
    return true;
  });
  return out;
}

describe('block sizes', () => {
  it('gives the same dataset with 64-, 128- and 264-byte blocks, every arena sound after every command', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 60 }), (commands) => {
        const engines = [64, 128, 264].map((blockSizeBytes) => new Engine({ blockSizeBytes, initialBlocks: 64, clock: new ManualClock() }));
        for (const command of commands) {
          for (const engine of engines) {
            run(engine, command);
            expect(engine.check()).toEqual([]);
          }
        }
        const [reference, ...others] = engines.map(contents);
        for (const other of others) expect(other).toEqual(reference);
      }),
      { numRuns: 60 },
    );
  });
});
