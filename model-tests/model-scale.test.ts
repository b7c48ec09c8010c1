/**
 * The model is not only for TLC's bounds: the model-based tests run it with hundreds of keys and real
 * byte values. Random walks at that scale keep every invariant, and a dump taken in the middle of a
 * walk writes exactly the keyspace it started from.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Action, apply } from '../src/model/actions.ts';
import { STATE_INVARIANTS, STEP_PROPERTIES } from '../src/model/invariants.ts';
import { initialState, type ModelConfig, type ModelState } from '../src/model/types.ts';

const keyCount = 300;
const config: ModelConfig = {
  keys: Array.from({ length: keyCount }, (_, i) => `key:${String(i).padStart(12, '0')}`),
  vals: [],
  blockCount: 1200,
  maxLen: 8,
  copyBound: 16,
  lazyFreeThreshold: 2,
  bug: 'none',
};

const chunk = fc.uint8Array({ minLength: 1, maxLength: 48 }).map((bytes) => Buffer.from(bytes).toString('latin1'));
const key = fc.integer({ min: 0, max: keyCount - 1 }).map((i) => config.keys[i]!);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ name: fc.constant('Set' as const), key, val: chunk }) },
  { weight: 6, arbitrary: fc.record({ name: fc.constant('WriteBlock' as const), key, index: fc.integer({ min: 1, max: 8 }), val: chunk }) },
  { weight: 4, arbitrary: fc.record({ name: fc.constant('AppendBlock' as const), key, val: chunk }) },
  { weight: 2, arbitrary: fc.record({ name: fc.constant('Del' as const), key }) },
  { weight: 2, arbitrary: fc.record({ name: fc.constant('Unlink' as const), key }) },
  { weight: 1, arbitrary: fc.constant({ name: 'FlushAsync' as const }) },
  { weight: 3, arbitrary: fc.constant({ name: 'DumpBegin' as const }) },
  { weight: 12, arbitrary: fc.record({ name: fc.constant('DumpStep' as const), key }) },
  { weight: 2, arbitrary: fc.constant({ name: 'DumpEnd' as const }) },
  { weight: 8, arbitrary: fc.record({ name: fc.constant('FreeStep' as const), block: fc.integer({ min: 1, max: config.blockCount }) }) },
);

function checkAll(before: ModelState, after: ModelState) {
  for (const [name, holds] of Object.entries(STATE_INVARIANTS)) expect(holds(after, config), name).toBe(true);
  for (const [name, holds] of Object.entries(STEP_PROPERTIES)) expect(holds(before, after), name).toBe(true);
}

describe('the model at engine scale', () => {
  it('keeps every invariant through random walks of writes, dump steps and free steps', () => {
    let steps = 0;
    let dumpsFinished = 0;
    fc.assert(
      fc.property(fc.array(action, { minLength: 200, maxLength: 600 }), (actions) => {
        let state = initialState(config);
        for (const a of actions) {
          const after = apply(state, config, a);
          if (after === null) continue;
          checkAll(state, after);
          if (a.name === 'DumpEnd') dumpsFinished++;
          state = after;
          steps++;
        }
      }),
      { numRuns: 25, seed: 20261122 },
    );
    console.log(`model at scale: ${steps} enabled steps over ${keyCount} keys, ${dumpsFinished} dumps finished`);
    expect(dumpsFinished).toBeGreaterThan(0);
  });
});
