import { ManualClock } from '../../src/engine/clock.ts';
import { Engine, type EngineOptions } from '../../src/engine/engine.ts';

export const b = (text: string): Uint8Array => new TextEncoder().encode(text);
export const s = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder('latin1').decode(bytes));
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * An engine whose every command is followed by endCommand() and a whole-buffer check(), whether the
 * command returned or threw: a violation fails the test at the operation that caused it.
 */
export function checkedEngine(options: EngineOptions = {}): { engine: Engine; clock: ManualClock; unchecked: Engine } {
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock();
  const engine = new Engine({ initialBlocks: 64, ...options, clock });
  const skipped = new Set(['check', 'assertCheck', 'endCommand', 'memoryUsage', 'constructor']);
  const proxy = new Proxy(engine, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver);
      if (typeof member !== 'function' || typeof property !== 'string' || skipped.has(property)) return member;
      return (...args: unknown[]) => {
        try {
          return member.apply(target, args);
        } finally {
          target.endCommand();
          target.assertCheck();
        }
      };
    },
  });
  return { engine: proxy, clock, unchecked: engine };
}

import fc from 'fast-check';

// fast-check's default size keeps arrays near 10 elements; command sequences need to be longer to
// revisit the same keys, fields and members often enough.
fc.configureGlobal({ ...fc.readConfigureGlobal(), baseSize: 'medium' });

/** Short names that collide often, plus arbitrary binary strings that are sometimes longer than a block. */
export const bytesArb = (maxLength = 80): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'c', 'd', '1', '2', '-7', 'x'.repeat(40)).map(b) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength }) },
  );

export const keyArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('k1', 'k2', 'k3').map(b) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 50 }) },
);

export const compare = (x: Uint8Array, y: Uint8Array): number => Buffer.compare(Buffer.from(x), Buffer.from(y));
