import { splitInlineArgs } from './inline-args.ts';

export interface ParserLimits {
  /** proto-max-bulk-len: the longest argument accepted. Redis default 512 MB. */
  readonly bulkByteLengthMax: number;
  /**
   * Most arguments in one multibulk request. DEVIATION: Redis 7 accepts up to INT_MAX; here
   * every argument costs a JavaScript object, so the default is Redis 3's 1024 * 1024.
   */
  readonly multibulkCountMax: number;
  /** Longest inline line and longest `*N` / `$N` line. Redis's PROTO_INLINE_MAX_SIZE, 64 KiB. */
  readonly inlineByteLengthMax: number;
  /** client-query-buffer-limit: bytes of one unfinished request; beyond it the client is dropped. */
  readonly requestByteLengthMax: number;
}

export const defaultParserLimits: ParserLimits = Object.freeze({
  bulkByteLengthMax: 512 * 1024 * 1024,
  multibulkCountMax: 1024 * 1024,
  inlineByteLengthMax: 64 * 1024,
  requestByteLengthMax: 1024 * 1024 * 1024,
});

/** Before AUTH, Redis refuses requests bigger than these so that strangers cannot fill memory. */
const unauthenticatedMultibulkCountMax = 10;
const unauthenticatedBulkByteLengthMax = 16 * 1024;
/**
 * What one argument costs beyond its bytes (a Buffer view object and an array slot), counted
 * against requestByteLengthMax so that a million empty arguments are not free.
 */
const argumentOverheadBytes = 64;
/** Lines up to this long are searched byte by byte; longer ones with Buffer.indexOf. */
const shortLineByteLength = 64;
/** Arguments at least this long are assembled in their own buffer instead of by re-concatenation. */
const bigBulkByteLengthMin = 32 * 1024;

/**
 * A request that cannot be parsed. The parser stops for good after one: the connection replies
 * with `replyText` (when not null) and closes, as Redis does.
 */
export class ProtocolError {
  constructor(
    /** The error line to send ("ERR Protocol error: ..."), or null to close without a reply. */
    readonly replyText: string | null,
    readonly reason: string,
  ) {}
}

const noBulk = -1;

/**
 * Incremental RESP2 request parser. Feed chunks with push(), then call next() until it returns
 * null (more bytes needed). Chunk boundaries never change the result. It never throws on input.
 * Arguments are views into received chunks: callers that keep one beyond the command must copy.
 */
export class RequestParser {
  private buffer: Buffer = Buffer.alloc(0);
  private pos = 0;
  private failed: ProtocolError | null = null;
  // The multibulk request under way, kept across chunks.
  private multibulkRemaining = 0;
  private argv: Buffer[] = [];
  /** Payload bytes of the arguments read so far, plus a per-argument object cost (see below). */
  private argvByteLength = 0;
  private bulkLength = noBulk;
  private bigBulk: Buffer | null = null;
  private bigBulkFilled = 0;
  /** Bytes after a big argument (its CRLF) still to be skipped when they arrive. */
  private skipOwed = 0;
  private inMultibulk = false;

  constructor(private readonly limits: ParserLimits = defaultParserLimits) {}

  /** Bytes received and not yet returned as a request. */
  get bufferedByteLength(): number {
    return this.buffer.length - this.pos + this.argvByteLength + this.bigBulkFilled;
  }

  get hasFailed(): boolean {
    return this.failed !== null;
  }

  push(chunk: Buffer): void {
    if (this.failed !== null || chunk.length === 0) return;
    if (this.bigBulk !== null) chunk = this.fillBigBulk(chunk);
    if (this.skipOwed > 0) chunk = this.skipOwedBytes(chunk);
    if (chunk.length === 0) return;
    if (this.pos >= this.buffer.length) {
      this.buffer = chunk;
    } else {
      this.buffer = Buffer.concat([this.buffer.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /**
   * The next complete request, null when more bytes are needed, or a ProtocolError (once).
   * `authenticated` selects the limits for clients that have not passed AUTH yet.
   */
  next(authenticated: boolean): Buffer[] | ProtocolError | null {
    if (this.failed !== null) return null;
    const result = this.parseNext(authenticated);
    // Checked when waiting for more bytes: what is held then belongs to one unfinished request.
    if (result === null && this.bufferedByteLength > this.limits.requestByteLengthMax) {
      return this.fail(null, `query buffer of ${this.bufferedByteLength} bytes exceeds the limit`);
    }
    return result;
  }

  private parseNext(authenticated: boolean): Buffer[] | ProtocolError | null {
    for (;;) {
      if (this.bigBulk !== null) return null;
      if (!this.inMultibulk) {
        if (this.pos >= this.buffer.length) return null;
        if (this.buffer[this.pos] !== 0x2a /* * */) {
          const inline = this.parseInline();
          if (inline === null || inline instanceof ProtocolError) return inline;
          if (inline.length === 0) continue;
          return inline;
        }
        const started = this.parseMultibulkCount(authenticated);
        if (started === null || started instanceof ProtocolError) return started;
        if (!this.inMultibulk) continue; // `*0` or `*-1`: an empty request
      }
      return this.parseBulks(authenticated);
    }
  }

  private parseInline(): Buffer[] | ProtocolError | null {
    const inlineMax = this.limits.inlineByteLengthMax;
    const newline = this.findTerminator(0x0a);
    if (newline === -1) {
      if (this.buffer.length - this.pos > inlineMax) return this.fail(protocolErrorText('too big inline request'));
      return null;
    }
    let lineEnd = newline;
    if (lineEnd > this.pos && this.buffer[lineEnd - 1] === 0x0d) lineEnd--;
    // DEVIATION: Redis checks the size only while no newline has arrived, so a long line that
    // lands in one read passes; checking always keeps the outcome independent of chunking.
    if (lineEnd - this.pos > inlineMax) return this.fail(protocolErrorText('too big inline request'));
    const line = this.buffer.subarray(this.pos, lineEnd);
    this.pos = newline + 1;
    const args = splitInlineArgs(line);
    if (args === null) return this.fail(protocolErrorText('unbalanced quotes in request'));
    return args;
  }

  /** Reads `*N\r\n`. Returns true when a request started (N may be 0). */
  private parseMultibulkCount(authenticated: boolean): true | ProtocolError | null {
    const lineEnd = this.findLineEnd();
    if (lineEnd === -1) {
      if (this.buffer.length - this.pos > this.limits.inlineByteLengthMax) {
        return this.fail(protocolErrorText('too big mbulk count string'));
      }
      return null;
    }
    if (lineEnd - this.pos > this.limits.inlineByteLengthMax) return this.fail(protocolErrorText('too big mbulk count string'));
    const count = parseStrictInteger(this.buffer, this.pos + 1, lineEnd);
    if (count === null || count > this.limits.multibulkCountMax) {
      return this.fail(protocolErrorText('invalid multibulk length'));
    }
    if (!authenticated && count > unauthenticatedMultibulkCountMax) {
      return this.fail(protocolErrorText('unauthenticated multibulk length'));
    }
    // Redis skips the two bytes after '\r' without looking at them; so does this parser.
    this.pos = lineEnd + 2;
    if (count > 0) {
      this.inMultibulk = true;
      this.multibulkRemaining = count;
      this.argv = [];
      this.argvByteLength = 0;
      this.bulkLength = noBulk;
    }
    return true;
  }

  private parseBulks(authenticated: boolean): Buffer[] | ProtocolError | null {
    while (this.multibulkRemaining > 0) {
      if (this.bulkLength === noBulk) {
        const lineEnd = this.findLineEnd();
        if (lineEnd === -1) {
          if (this.buffer.length - this.pos > this.limits.inlineByteLengthMax) {
            return this.fail(protocolErrorText('too big bulk count string'));
          }
          return null;
        }
        if (lineEnd - this.pos > this.limits.inlineByteLengthMax) return this.fail(protocolErrorText('too big bulk count string'));
        const marker = this.buffer[this.pos] as number;
        if (marker !== 0x24 /* $ */) {
          return this.fail(protocolErrorText(`expected '$', got '${printableByte(marker)}'`));
        }
        const length = parseStrictInteger(this.buffer, this.pos + 1, lineEnd);
        if (length === null || length < 0 || length > this.limits.bulkByteLengthMax) {
          return this.fail(protocolErrorText('invalid bulk length'));
        }
        if (!authenticated && length > unauthenticatedBulkByteLengthMax) {
          return this.fail(protocolErrorText('unauthenticated bulk length'));
        }
        this.pos = lineEnd + 2;
        this.bulkLength = length;
      }
      const available = this.buffer.length - this.pos;
      if (available < this.bulkLength + 2) {
        if (this.bulkLength >= bigBulkByteLengthMin && available < this.bulkLength) this.startBigBulk();
        return null;
      }
      this.argv.push(this.buffer.subarray(this.pos, this.pos + this.bulkLength));
      this.argvByteLength += this.bulkLength + argumentOverheadBytes;
      // Like Redis, the two bytes after the payload are skipped, not checked.
      this.pos += this.bulkLength + 2;
      this.bulkLength = noBulk;
      this.multibulkRemaining--;
    }
    const argv = this.argv;
    this.argv = [];
    this.argvByteLength = 0;
    this.inMultibulk = false;
    return argv;
  }

  /**
   * A long argument arriving in pieces is assembled in its own buffer instead of re-concatenating
   * the pending bytes on every chunk. The buffer grows by doubling with the bytes that actually
   * arrive: sizing it from the declared length alone would let a client reserve 512 MB with a
   * 20-byte header. Each byte is copied at most about twice.
   */
  private startBigBulk(): void {
    const available = this.buffer.length - this.pos;
    const target = Buffer.allocUnsafe(Math.min(this.bulkLength, Math.max(bigBulkByteLengthMin * 2, available * 2)));
    this.bigBulkFilled = this.buffer.copy(target, 0, this.pos);
    this.pos = this.buffer.length;
    this.bigBulk = target;
  }

  /** Copies into the big argument; returns what is left of the chunk once it is complete. */
  private fillBigBulk(chunk: Buffer): Buffer {
    let target = this.bigBulk as Buffer;
    const wanted = Math.min(chunk.length, this.bulkLength - this.bigBulkFilled);
    if (this.bigBulkFilled + wanted > target.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.bulkLength, Math.max(target.length * 2, this.bigBulkFilled + wanted)));
      target.copy(grown, 0, 0, this.bigBulkFilled);
      target = grown;
      this.bigBulk = grown;
    }
    chunk.copy(target, this.bigBulkFilled, 0, wanted);
    this.bigBulkFilled += wanted;
    if (this.bigBulkFilled < this.bulkLength) return chunk.subarray(chunk.length);
    this.bigBulk = null;
    this.bigBulkFilled = 0;
    this.argv.push(target);
    this.argvByteLength += target.length + argumentOverheadBytes;
    this.bulkLength = noBulk;
    this.multibulkRemaining--;
    // The two bytes after the payload may not have arrived yet: keep them owed as a skip.
    this.skipOwed = 2;
    return chunk.subarray(wanted);
  }

  /** Bytes reserved for an argument being assembled (at most twice what has arrived, or its length). */
  get assemblyByteCapacity(): number {
    return this.bigBulk?.length ?? 0;
  }

  private skipOwedBytes(rest: Buffer): Buffer {
    const skipped = Math.min(this.skipOwed, rest.length);
    this.skipOwed -= skipped;
    return rest.subarray(skipped);
  }

  /** Index of the '\r' ending the line at pos, or -1 while '\r' and the byte after it are not both here. */
  private findLineEnd(): number {
    const carriageReturn = this.findTerminator(0x0d);
    if (carriageReturn === -1 || carriageReturn + 1 >= this.buffer.length) return -1;
    return carriageReturn;
  }

  /**
   * Index of the first `terminator` byte from pos, or -1. Redis looks for line ends with strchr,
   * which stops at a NUL byte: a NUL before the terminator means "not found yet" there, so the
   * request waits until the 64 KiB line limit rejects it. The same here, byte for byte.
   */
  private findTerminator(terminator: number): number {
    const buffer = this.buffer;
    // Most lines (`*3`, `$5`, `GET key`) are short: a plain scan allocates nothing.
    const scanEnd = Math.min(buffer.length, this.pos + shortLineByteLength);
    for (let i = this.pos; i < scanEnd; i++) {
      const byte = buffer[i] as number;
      if (byte === terminator) return i;
      if (byte === 0) return -1;
    }
    if (scanEnd === buffer.length) return -1;
    const found = buffer.indexOf(terminator, scanEnd);
    if (found === -1) return -1;
    return buffer.subarray(scanEnd, found).indexOf(0) === -1 ? found : -1;
  }

  private fail(replyText: string | null, reason: string = replyText ?? 'protocol error'): ProtocolError {
    this.failed = new ProtocolError(replyText, reason);
    this.buffer = Buffer.alloc(0);
    this.pos = 0;
    this.argv = [];
    this.argvByteLength = 0;
    this.bigBulk = null;
    this.bigBulkFilled = 0;
    this.skipOwed = 0;
    this.inMultibulk = false;
    return this.failed;
  }
}

function protocolErrorText(detail: string): string {
  return `ERR Protocol error: ${detail}`;
}

/** Redis prints the offending byte with %c and turns CR and LF into spaces in error replies. */
function printableByte(byte: number): string {
  return byte === 0x0d || byte === 0x0a ? ' ' : String.fromCharCode(byte);
}

/**
 * Redis's string2ll on bytes [start, end): an optional '-', then digits with no leading zero
 * (except "0" itself), no '+', no spaces. Returns null when malformed or beyond 2^53.
 * DEVIATION: string2ll goes to 2^63; every length that either accepts is far below 2^53, so only
 * a negative multibulk count below -2^53 differs (Redis ignores it as empty, here it is invalid).
 */
export function parseStrictInteger(bytes: Buffer, start: number, end: number): number | null {
  if (start >= end) return null;
  let pos = start;
  let negative = false;
  if (bytes[pos] === 0x2d /* - */) {
    negative = true;
    pos++;
    if (pos >= end) return null;
  }
  const first = bytes[pos] as number;
  if (first === 0x30) return !negative && end - pos === 1 ? 0 : null;
  if (first < 0x31 || first > 0x39) return null;
  let value = 0;
  for (; pos < end; pos++) {
    const digit = (bytes[pos] as number) - 0x30;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
    if (value > Number.MAX_SAFE_INTEGER) return null;
  }
  return negative ? -value : value;
}
