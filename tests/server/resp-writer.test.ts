import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ReplyEncoder, encodeReply } from '../../src/server/resp-writer.ts';
import { reply, type Reply } from '../../src/server/reply.ts';
import { formatDouble } from '../../src/server/double-format.ts';

const wire = (value: Reply, protocol: 2 | 3) => encodeReply(value, protocol).toString('latin1');

describe('reply encoding', () => {
  const cases: [string, Reply, string, string][] = [
    ['simple string', reply.ok(), '+OK\r\n', '+OK\r\n'],
    ['error', reply.error('ERR syntax error'), '-ERR syntax error\r\n', '-ERR syntax error\r\n'],
    ['integer', reply.integer(-42), ':-42\r\n', ':-42\r\n'],
    ['bigint integer', reply.integer(9223372036854775807n), ':9223372036854775807\r\n', ':9223372036854775807\r\n'],
    ['bulk of bytes', reply.bulk(Buffer.from([0, 13, 10, 255])), '$4\r\n\u0000\r\n\u00ff\r\n', '$4\r\n\u0000\r\n\u00ff\r\n'],
    ['bulk of a UTF-8 string counts bytes', reply.bulk('é'), '$2\r\n\u00c3\u00a9\r\n', '$2\r\n\u00c3\u00a9\r\n'],
    ['empty bulk', reply.bulk(''), '$0\r\n\r\n', '$0\r\n\r\n'],
    ['null', reply.null(), '$-1\r\n', '_\r\n'],
    ['null array', reply.nullArray(), '*-1\r\n', '_\r\n'],
    ['empty array', reply.emptyArray(), '*0\r\n', '*0\r\n'],
    ['nested array', reply.array([reply.integer(1), reply.array([reply.bulk('a'), reply.null()])]), '*2\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n', '*2\r\n:1\r\n*2\r\n$1\r\na\r\n_\r\n'],
    ['map', reply.map([[reply.bulk('a'), reply.integer(1)], [reply.bulk('b'), reply.bulk('x')]]), '*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$1\r\nx\r\n', '%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$1\r\nx\r\n'],
    ['set', reply.set([reply.bulk('m')]), '*1\r\n$1\r\nm\r\n', '~1\r\n$1\r\nm\r\n'],
    ['double', reply.double(1.5), '$3\r\n1.5\r\n', ',1.5\r\n'],
    ['double 0.1 at 17 digits', reply.double(0.1), '$19\r\n0.10000000000000001\r\n', ',0.10000000000000001\r\n'],
    ['infinite double', reply.double(Infinity), '$3\r\ninf\r\n', ',inf\r\n'],
    ['negative infinite double', reply.double(-Infinity), '$4\r\n-inf\r\n', ',-inf\r\n'],
    ['true', reply.boolean(true), ':1\r\n', '#t\r\n'],
    ['false', reply.boolean(false), ':0\r\n', '#f\r\n'],
    ['verbatim text', reply.verbatimText('a\r\nb'), '$4\r\na\r\nb\r\n', '=8\r\ntxt:a\r\nb\r\n'],
    ['raw bytes', reply.raw(Buffer.from('+X\r\n')), '+X\r\n', '+X\r\n'],
  ];
  for (const [name, value, resp2, resp3] of cases) {
    it(`encodes ${name} in RESP2 and RESP3`, () => {
      expect(wire(value, 2)).toBe(resp2);
      expect(wire(value, 3)).toBe(resp3);
    });
  }

  it('writes status and error lines one byte per character, so echoed user bytes come back as sent', () => {
    const echoed = Buffer.from([0x66, 0xe9, 0xff]).toString('latin1');
    expect(encodeReply(reply.error(`ERR unknown command '${echoed}'`), 2)).toEqual(
      Buffer.concat([Buffer.from("-ERR unknown command '"), Buffer.from([0x66, 0xe9, 0xff]), Buffer.from("'\r\n")]),
    );
  });

  it('refuses an integer reply that is not a safe integer, a bug in command code', () => {
    expect(() => encodeReply(reply.integer(1.5), 2)).toThrow(RangeError);
    expect(() => encodeReply(reply.integer(2 ** 60), 2)).toThrow(RangeError);
    expect(encodeReply(reply.integer(2n ** 60n), 2).toString()).toBe(':1152921504606846976\r\n');
  });

  it('replaces CR and LF inside status and error lines so the stream stays in sync', () => {
    expect(wire(reply.error('ERR bad\r\nthing'), 2)).toBe('-ERR bad  thing\r\n');
    expect(wire(reply.simple('a\nb'), 3)).toBe('+a b\r\n');
  });

  it('keeps the order of many replies and of large payloads passed by reference', () => {
    const encoder = new ReplyEncoder();
    const big = Buffer.alloc(200 * 1024, 'b');
    const expected: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const value = i % 1000 === 7 ? reply.bulk(big) : reply.bulk(`v${i}`);
      encoder.write(value, 2);
      expected.push(encodeReply(value, 2));
    }
    const pending = encoder.pendingByteLength;
    const joined = Buffer.concat(encoder.drain());
    expect(joined.length).toBe(pending);
    expect(joined.equals(Buffer.concat(expected))).toBe(true);
    expect(encoder.pendingByteLength).toBe(0);
  });

  it('does not let a later write change bytes already drained', () => {
    const encoder = new ReplyEncoder();
    encoder.write(reply.bulk('first'), 2);
    const drained = encoder.drain();
    for (let i = 0; i < 100; i++) encoder.write(reply.bulk('second'), 2);
    expect(Buffer.concat(drained).toString()).toBe('$5\r\nfirst\r\n');
    expect(encoder.drain()).toHaveLength(1);
    expect(encoder.drain()).toEqual([]);
  });
});

describe('formatDouble, as C printf %.17g', () => {
  const cases: [number, string][] = [
    [0, '0'], [-0, '-0'], [1.5, '1.5'], [-2, '-2'], [0.1, '0.10000000000000001'], [1e20, '1e+20'],
    [1e-5, '1.0000000000000001e-05'], [123456789012345678, '1.2345678901234568e+17'], [1e17, '1e+17'],
    [1e16, '10000000000000000'], [0.0001, '0.0001'], [NaN, 'nan'], [1e300, '1.0000000000000001e+300'],
    [5e-324, '4.9406564584124654e-324'], [3.141592653589793, '3.1415926535897931'],
  ];
  for (const [value, text] of cases) {
    it(`formats ${value} as ${text}`, () => expect(formatDouble(value)).toBe(text));
  }

  it('always reads back as the same number', () => {
    fc.assert(fc.property(fc.double({ noNaN: true }), (value) => {
      expect(Object.is(Number(formatDouble(value).replace('inf', 'Infinity')), value)).toBe(true);
    }));
  });
});
