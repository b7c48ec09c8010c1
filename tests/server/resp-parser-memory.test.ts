import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError, RequestParser, defaultParserLimits } from '../../src/server/resp-parser.ts';
import { encodeMultibulk, splitAt } from './support/request-bytes.ts';

/** `*count` then `count - 1` one-byte arguments: a request that never completes. */
function unfinishedRequest(count: number): Buffer {
  const one = Buffer.from('$1\r\nx\r\n');
  const body = Buffer.alloc(one.length * (count - 1));
  for (let offset = 0; offset < body.length; offset += one.length) one.copy(body, offset);
  return Buffer.concat([Buffer.from(`*${count}\r\n`), body]);
}

function feed(parser: RequestParser, chunks: Buffer[]): void {
  for (const chunk of chunks) {
    parser.push(chunk);
    for (;;) {
      const result = parser.next(true);
      if (result === null) break;
      if (result instanceof ProtocolError) throw new Error(result.reason);
    }
  }
}

describe('RequestParser memory accounting', () => {
  /*
   * The bound: an unfinished request of W wire bytes and A arguments (none big) is held in a
   * receive buffer of at most 1.5 W + 64 KiB (grown by half again; a chunk of up to 64 KiB may be
   * adopted as it is) and a bounds table of 8 bytes per declared-or-doubled argument slot, at most
   * 16 A + 256 bytes. It can never be less than the W bytes it must keep.
   */
  it('holds at least the bytes of the unfinished request and at most 1.5x them plus its bounds table', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 20_000 }), fc.array(fc.nat(), { maxLength: 30 }), (count, cuts) => {
        const wire = unfinishedRequest(count);
        const parser = new RequestParser();
        feed(parser, splitAt(wire, cuts));
        const memory = parser.memory;
        const requestWireByteLength = wire.length - `*${count}\r\n`.length;
        expect(memory.totalByteLength).toBe(parser.heldByteLength);
        expect(memory.unparsedByteLength + memory.requestByteLength + memory.receiveFreeByteLength).toBe(memory.totalByteLength);
        expect(memory.unparsedByteLength + memory.requestByteLength).toBeGreaterThanOrEqual(requestWireByteLength);
        expect(memory.totalByteLength).toBeLessThanOrEqual(1.5 * wire.length + 64 * 1024 + 16 * count + 256);
        expect(memory.receiveFreeByteLength).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 60 },
    );
  });

  it('holds no JavaScript object per argument of an unfinished million-argument request', () => {
    const count = 1024 * 1024;
    const wire = unfinishedRequest(count);
    const parser = new RequestParser();
    const heapBeforeBytes = process.memoryUsage().heapUsed;
    feed(parser, splitAt(wire, Array.from({ length: 100 }, (_, i) => Math.floor((wire.length * i) / 100))));
    const heapGrowthBytes = process.memoryUsage().heapUsed - heapBeforeBytes;
    // The earlier parser held one Buffer view per argument: about 100 bytes of heap each, 100 MB here.
    expect(heapGrowthBytes).toBeLessThan(8 * 1024 * 1024);
    const memory = parser.memory;
    expect(memory.unparsedByteLength + memory.requestByteLength).toBeGreaterThanOrEqual(wire.length - 20);
    // 8 bytes of bounds per argument: the table is sized by the arguments, capped by the declared count.
    expect(memory.totalByteLength).toBeLessThanOrEqual(1.5 * wire.length + 64 * 1024 + 8 * count);
  });

  it('counts a big argument being assembled and the big arguments already complete', () => {
    const parser = new RequestParser();
    const big = Buffer.alloc(100_000, 'b');
    feed(parser, [Buffer.from('*3\r\n'), Buffer.from(`$${big.length}\r\n`), big, Buffer.from('\r\n$200000\r\n'), Buffer.alloc(50_000, 'c')]);
    const memory = parser.memory;
    // The first big argument whole, the second's assembly buffer (at most twice what arrived).
    expect(memory.requestByteLength).toBeGreaterThanOrEqual(big.length + 50_000);
    expect(memory.requestByteLength).toBeLessThanOrEqual(big.length + 2 * 50_000 + 64 * 1024 + 1024);
    expect(parser.assemblyByteCapacity).toBeGreaterThanOrEqual(50_000);
  });

  it('lets the received bytes go once every request is returned', () => {
    const parser = new RequestParser();
    feed(parser, [unfinishedRequest(50_000).subarray(0, 100_000)]);
    expect(parser.heldByteLength).toBeGreaterThan(100_000);
    const rest = Buffer.concat([unfinishedRequest(50_000), Buffer.from('$1\r\nz\r\n')]).subarray(100_000);
    feed(parser, [rest]);
    const memory = parser.memory;
    expect(memory.unparsedByteLength).toBe(0);
    // Only the small bounds table kept between requests remains.
    expect(memory.totalByteLength).toBeLessThanOrEqual(512);
  });

  it('applies the query buffer limit to unparsed bytes plus the unfinished request, not to free room', () => {
    const limits = { ...defaultParserLimits, requestByteLengthMax: 200_000 };
    const under = new RequestParser(limits);
    // 150 KB of 1000-byte arguments in 1 KB chunks: the receive buffer grows with room to spare.
    const argument = Buffer.alloc(1000, 'a');
    const wire = encodeMultibulk(Array.from({ length: 200 }, () => argument)).subarray(0, 150_000);
    feed(under, splitAt(wire, Array.from({ length: 150 }, (_, i) => i * 1000)));
    expect(under.hasFailed).toBe(false);
    const memory = under.memory;
    expect(memory.receiveFreeByteLength).toBeGreaterThan(0);
    expect(memory.unparsedByteLength + memory.requestByteLength).toBeLessThan(limits.requestByteLengthMax);
    const over = new RequestParser(limits);
    // 20,000 empty arguments: 120 KB of wire, under the limit, and 160 KB or more of bounds, which count too.
    expect(() => feed(over, [Buffer.from('*50000\r\n'), Buffer.from('$0\r\n\r\n'.repeat(20_000))])).toThrow(/exceeds the limit/);
  });

  it('keeps every argv it returned intact while later chunks arrive (no buffer is rewritten)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (requests, cuts) => {
          const wire = Buffer.concat(requests.map(encodeMultibulk));
          const parser = new RequestParser();
          const returned: Buffer[][] = [];
          for (const chunk of splitAt(wire, cuts)) {
            parser.push(chunk);
            for (let result = parser.next(true); result !== null; result = parser.next(true)) {
              if (result instanceof ProtocolError) throw new Error(result.reason);
              returned.push(result);
            }
          }
          expect(returned.map((argv) => argv.map((arg) => arg.toString('hex')))).toEqual(
            requests.map((argv) => argv.map((arg) => arg.toString('hex'))),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
