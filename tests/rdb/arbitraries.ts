/** fast-check generators for RDB entries (test helper, not a test file). */
import fc from 'fast-check';
import { bytesKey } from '../../src/rdb/packed-element.ts';
import type { RdbEntry, RdbValue } from '../../src/rdb/value.ts';

const textEncoder = new TextEncoder();

/** Binary strings, with integer-looking and near-integer strings mixed in to hit every encoding. */
export const byteString: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.integer().map((n) => textEncoder.encode(String(n))) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => textEncoder.encode(String(n))) },
  { weight: 1, arbitrary: fc.constantFrom('-0', '01', '+1', ' 1', '1 ', '', '-', '2147483648', '-2147483649').map((s) => textEncoder.encode(s)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 3, max: 60 }))
      .map(([unit, times]) => Uint8Array.from(Array.from({ length: times }, () => [...unit]).flat())),
  },
);

const uniqueStrings = (minLength: number, maxLength: number) => fc.uniqueArray(byteString, { minLength, maxLength, selector: bytesKey });

export const rdbValue: fc.Arbitrary<RdbValue> = fc.oneof(
  byteString.map((bytes): RdbValue => ({ type: 'string', bytes })),
  fc.array(byteString, { minLength: 1, maxLength: 12 }).map((items): RdbValue => ({ type: 'list', items })),
  uniqueStrings(1, 12).map((members): RdbValue => ({ type: 'set', members })),
  fc
    .tuple(uniqueStrings(1, 12), fc.array(fc.double({ noNaN: true }), { minLength: 12, maxLength: 12 }))
    .map(([members, scores]): RdbValue => ({ type: 'zset', entries: members.map((member, i) => ({ member, score: scores[i]! })) })),
  fc
    .tuple(uniqueStrings(1, 12), fc.array(byteString, { minLength: 12, maxLength: 12 }))
    .map(([fields, values]): RdbValue => ({ type: 'hash', fields: fields.map((field, i) => ({ field, value: values[i]! })) })),
);

export const rdbEntries: fc.Arbitrary<RdbEntry[]> = fc
  .uniqueArray(
    fc.record({
      dbIndex: fc.constantFrom(0, 1, 3, 15),
      key: byteString,
      value: rdbValue,
      expireAtMs: fc.option(fc.integer({ min: 0, max: 2 ** 47 }), { nil: null }),
    }),
    { maxLength: 12, selector: (e) => `${e.dbIndex}:${bytesKey(e.key)}` },
  )
  // The encoder writes databases in ascending order; keep the expectation in that order too.
  .map((entries) => [...entries].sort((a, b) => a.dbIndex - b.dbIndex));
