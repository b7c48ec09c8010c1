import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtocolError, RequestParser, defaultParserLimits, type ParserLimits } from '../../src/server/resp-parser.ts';
import { encodeMultibulk, splitAt } from './support/request-bytes.ts';

type Outcome = string[] | { error: string | null };

/** Feeds the chunks one by one, draining complete requests after each, as a connection does. */
function parseChunks(chunks: Buffer[], options: { authenticated?: boolean; limits?: ParserLimits } = {}): Outcome[] {
  const parser = new RequestParser(options.limits ?? defaultParserLimits);
  const outcomes: Outcome[] = [];
  const drain = () => {
    for (;;) {
      const result = parser.next(options.authenticated ?? true);
      if (result === null) return;
      if (result instanceof ProtocolError) {
        outcomes.push({ error: result.replyText });
        return;
      }
      outcomes.push(result.map((arg) => arg.toString('latin1')));
    }
  };
  for (const chunk of chunks) {
    parser.push(chunk);
    drain();
  }
  return outcomes;
}

const errorOf = (text: string): Outcome => ({ error: `ERR Protocol error: ${text}` });
const argBytes = fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes));
const argvArb = fc.array(argBytes, { minLength: 1, maxLength: 6 });

describe('RequestParser multibulk', () => {
  it('parses any pipeline of requests the same whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(fc.array(argvArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (requests, cuts) => {
        const wire = Buffer.concat(requests.map(encodeMultibulk));
        const expected = requests.map((argv) => argv.map((arg) => arg.toString('latin1')));
        expect(parseChunks([wire])).toEqual(expected);
        expect(parseChunks(splitAt(wire, cuts))).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('parses a request fed one byte at a time', () => {
    const wire = encodeMultibulk([Buffer.from('SET'), Buffer.from('k\r\n'), Buffer.from([0, 255, 13])]);
    const chunks = [...wire].map((byte) => Buffer.from([byte]));
    expect(parseChunks(chunks)).toEqual([['SET', 'k\r\n', '\u0000\u00ff\r']]);
  });

  it('assembles arguments far larger than a chunk, split anywhere', () => {
    fc.assert(
      fc.property(fc.integer({ min: 32 * 1024, max: 300 * 1024 }), fc.array(fc.nat(), { maxLength: 10 }), (byteLength, cuts) => {
        const big = Buffer.alloc(byteLength, 'x');
        big[0] = 1;
        big[byteLength - 1] = 2;
        const wire = Buffer.concat([encodeMultibulk([Buffer.from('SET'), big]), encodeMultibulk([Buffer.from('PING')])]);
        const outcomes = parseChunks(splitAt(wire, cuts));
        expect(outcomes).toEqual([['SET', big.toString('latin1')], ['PING']]);
      }),
      { numRuns: 40 },
    );
  });

  it('reserves memory for a big argument as its bytes arrive, not as its header declares', () => {
    const parser = new RequestParser();
    parser.push(Buffer.from(`*1\r\n$${512 * 1024 * 1024}\r\n${'x'.repeat(100)}`));
    expect(parser.next(true)).toBeNull();
    expect(parser.assemblyByteCapacity).toBeLessThanOrEqual(64 * 1024);
    for (let i = 0; i < 16; i++) parser.push(Buffer.alloc(64 * 1024, 'y'));
    expect(parser.next(true)).toBeNull();
    expect(parser.assemblyByteCapacity).toBeLessThanOrEqual(4 * (100 + 16 * 64 * 1024));
  });

  it('treats *0 and negative counts as empty requests', () => {
    expect(parseChunks([Buffer.from('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n')])).toEqual([['PING']]);
  });

  it('accepts empty bulk strings', () => {
    expect(parseChunks([Buffer.from('*2\r\n$4\r\nECHO\r\n$0\r\n\r\n')])).toEqual([['ECHO', '']]);
  });

  it('gives the same outcomes for arbitrary bytes whatever the chunk boundaries, and never throws', () => {
    const fragment = fc.oneof(
      fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes)),
      argvArb.map(encodeMultibulk),
      fc.constantFrom('*', '$', '\r\n', '*2\r\n', '$3\r\n', '"', "'", 'PING\r\n', '*-1\r\n', '$99999999999\r\n').map((text) => Buffer.from(text)),
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), (fragments, cuts, authenticated) => {
        const wire = Buffer.concat(fragments);
        const whole = parseChunks([wire], { authenticated });
        expect(parseChunks(splitAt(wire, cuts), { authenticated })).toEqual(whole);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('RequestParser inline commands', () => {
  it('splits on spaces and tabs and accepts LF or CRLF line ends', () => {
    expect(parseChunks([Buffer.from('SET  key\tvalue\r\nPING\nGET k\r\n')])).toEqual([['SET', 'key', 'value'], ['PING'], ['GET', 'k']]);
  });

  it('skips empty lines', () => {
    expect(parseChunks([Buffer.from('\r\n\n   \r\nPING\r\n')])).toEqual([['PING']]);
  });

  it('applies the double-quote escapes', () => {
    expect(parseChunks([Buffer.from('ECHO "a\\x41b\\n\\r\\t\\b\\a\\"\\q" x\r\n')])).toEqual([['ECHO', 'aAb\n\r\t\b\u0007"q', 'x']]);
  });

  it('applies the single-quote escape only for the quote', () => {
    expect(parseChunks([Buffer.from("ECHO 'a\\'b\\n'\r\n")])).toEqual([['ECHO', "a'b\\n"]]);
  });

  it('lets a quote open inside a word', () => {
    expect(parseChunks([Buffer.from('ECHO a"b c"d\r\n')])).toEqual([{ error: 'ERR Protocol error: unbalanced quotes in request' }]);
    expect(parseChunks([Buffer.from('ECHO a"b c"\r\n')])).toEqual([['ECHO', 'ab c']]);
  });

  it('keeps quoted empty strings', () => {
    expect(parseChunks([Buffer.from('SET k ""\r\n')])).toEqual([['SET', 'k', '']]);
  });

  it('round-trips any bytes written as \\xHH inside double quotes', () => {
    fc.assert(
      fc.property(fc.array(argBytes, { minLength: 1, maxLength: 5 }), (args) => {
        const line = args.map((arg) => `"${[...arg].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('')}"`).join(' ');
        expect(parseChunks([Buffer.from(`${line}\r\n`)])).toEqual([args.map((arg) => arg.toString('latin1'))]);
      }),
    );
  });

  it('reports unbalanced quotes, including a closing quote followed by a letter', () => {
    for (const line of ['PING "a\r\n', "PING 'a\r\n", 'ECHO "a"b\r\n', "ECHO 'a'b\r\n"]) {
      expect(parseChunks([Buffer.from(line)])).toEqual([errorOf('unbalanced quotes in request')]);
    }
  });
});

describe('RequestParser limits and errors', () => {
  const cases: [string, string | Buffer, Outcome][] = [
    ['non-numeric count', '*x\r\n', errorOf('invalid multibulk length')],
    ['empty count', '*\r\n', errorOf('invalid multibulk length')],
    ['count with a plus sign', '*+1\r\n', errorOf('invalid multibulk length')],
    ['count with a leading zero', '*01\r\n', errorOf('invalid multibulk length')],
    ['count with a trailing space', '*1 \r\n', errorOf('invalid multibulk length')],
    ['count above the limit', `*${defaultParserLimits.multibulkCountMax + 1}\r\n`, errorOf('invalid multibulk length')],
    ['a non-bulk item', '*1\r\n:4\r\n', errorOf("expected '$', got ':'")],
    ['an inline item', '*1\r\nPING\r\n', errorOf("expected '$', got 'P'")],
    ['a CR where $ belongs, printed as a space', '*1\r\n\r\n', errorOf("expected '$', got ' '")],
    ['a negative bulk length', '*1\r\n$-1\r\n', errorOf('invalid bulk length')],
    ['a non-numeric bulk length', '*1\r\n$x\r\n', errorOf('invalid bulk length')],
    ['a bulk length above proto-max-bulk-len', `*1\r\n$${512 * 1024 * 1024 + 1}\r\n`, errorOf('invalid bulk length')],
    ['an inline line over 64 KiB', Buffer.from(`PING ${'a'.repeat(64 * 1024)}`), errorOf('too big inline request')],
    ['a count line over 64 KiB', Buffer.from(`*${'1'.repeat(64 * 1024 + 1)}`), errorOf('too big mbulk count string')],
    ['a bulk length line over 64 KiB', Buffer.from(`*1\r\n$${'1'.repeat(64 * 1024 + 1)}`), errorOf('too big bulk count string')],
  ];
  for (const [name, input, expected] of cases) {
    it(`rejects ${name} with Redis's text`, () => {
      expect(parseChunks([Buffer.from(input)])).toEqual([expected]);
    });
  }

  it('rejects an inline line over 64 KiB even when its newline arrived', () => {
    expect(parseChunks([Buffer.from(`PING ${'a'.repeat(64 * 1024)}\r\n`)])).toEqual([errorOf('too big inline request')]);
  });

  it('waits, as Redis does, when a NUL byte comes before the end of a line', () => {
    // Redis finds line ends with strchr, which stops at NUL: such a line never completes.
    expect(parseChunks([Buffer.from('PI\u0000NG\r\nPING\r\n')])).toEqual([]);
    expect(parseChunks([Buffer.from('*1\u0000\r\n')])).toEqual([]);
    expect(parseChunks([Buffer.from('*1\r\n$\u0000\r\n')])).toEqual([]);
    expect(parseChunks([Buffer.from('PI\u0000NG\r\n'), Buffer.alloc(64 * 1024, 'a')])).toEqual([errorOf('too big inline request')]);
    // Long lines take another search path; the rule is the same.
    expect(parseChunks([Buffer.from(`ECHO ${'a'.repeat(100)}\u0000b\r\nPING\r\n`)])).toEqual([]);
    expect(parseChunks([Buffer.from(`ECHO ${'a'.repeat(100)}\r\nPING\r\n`)])).toEqual([['ECHO', 'a'.repeat(100)], ['PING']]);
    // Inside a bulk payload a NUL is ordinary data.
    expect(parseChunks([Buffer.from('*1\r\n$4\r\nPI\u0000G\r\n')])).toEqual([['PI\u0000G']]);
  });

  it('answers the requests before a protocol error and nothing after it', () => {
    expect(parseChunks([Buffer.from('PING\r\n*1\r\nx\r\nPING\r\n'), Buffer.from('PING\r\n')])).toEqual([
      ['PING'],
      errorOf("expected '$', got 'x'"),
    ]);
  });

  it('limits requests from clients that have not authenticated', () => {
    expect(parseChunks([Buffer.from('*11\r\n')], { authenticated: false })).toEqual([errorOf('unauthenticated multibulk length')]);
    expect(parseChunks([Buffer.from('*1\r\n$16385\r\n')], { authenticated: false })).toEqual([errorOf('unauthenticated bulk length')]);
    expect(parseChunks([Buffer.from('*10\r\n$16384\r\n')], { authenticated: false })).toEqual([]);
  });

  it('honours configured limits', () => {
    const limits: ParserLimits = { ...defaultParserLimits, multibulkCountMax: 3, bulkByteLengthMax: 5, inlineByteLengthMax: 8 };
    expect(parseChunks([Buffer.from('*4\r\n')], { limits })).toEqual([errorOf('invalid multibulk length')]);
    expect(parseChunks([Buffer.from('*1\r\n$6\r\n')], { limits })).toEqual([errorOf('invalid bulk length')]);
    expect(parseChunks([Buffer.from('ECHO 12345\r\n')], { limits })).toEqual([errorOf('too big inline request')]);
    expect(parseChunks([Buffer.from('*3\r\n$5\r\n12345\r\n$0\r\n\r\n$1\r\nx\r\n')], { limits })).toEqual([['12345', '', 'x']]);
  });

  it('drops a client whose unfinished request outgrows the query buffer limit, without a reply', () => {
    const limits: ParserLimits = { ...defaultParserLimits, requestByteLengthMax: 100 };
    const chunks = [Buffer.from('*50\r\n'), ...Array.from({ length: 20 }, () => Buffer.from('$5\r\nhello\r\n'))];
    expect(parseChunks(chunks, { limits })).toEqual([{ error: null }]);
  });

  it('counts each argument against the query buffer limit even when it is empty', () => {
    const limits: ParserLimits = { ...defaultParserLimits, requestByteLengthMax: 10_000 };
    const chunks = [Buffer.from('*100000\r\n'), Buffer.from('$0\r\n\r\n'.repeat(1000))];
    expect(parseChunks(chunks, { limits })).toEqual([{ error: null }]);
  });

  it('reports a protocol error once and ignores everything after it', () => {
    const parser = new RequestParser();
    parser.push(Buffer.from('*x\r\n'));
    expect(parser.next(true)).toBeInstanceOf(ProtocolError);
    parser.push(Buffer.from('PING\r\n'));
    expect(parser.next(true)).toBeNull();
    expect(parser.hasFailed).toBe(true);
  });
});
