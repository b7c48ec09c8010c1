import { splitInlineArgs } from './inline-args.ts';
import { defaultParserLimits, type ParserLimits, type ParserMemory } from './parser-limits.ts';
import { parseStrictInteger } from './strict-integer.ts';

export { defaultParserLimits, type ParserLimits, type ParserMemory } from './parser-limits.ts';
export { parseStrictInteger } from './strict-integer.ts';

/** Before AUTH, Redis refuses requests bigger than these so that strangers cannot fill memory. */
const unauthenticatedMultibulkCountMax = 10;
const unauthenticatedBulkByteLengthMax = 16 * 1024;
/** Lines up to this long are searched byte by byte; longer ones with Buffer.indexOf. */
const shortLineByteLength = 64;
/** Arguments at least this long are assembled in their own buffer instead of in the received bytes. */
const bigBulkByteLengthMin = 32 * 1024;
/** Smallest receive buffer the parser allocates for a request that straddles chunks (Redis reads 16 KiB). */
const receiveByteCapacityMin = 16 * 1024;
/** Argument slots kept between requests; a bigger table (from a huge request) is dropped when it completes. */
const boundSlotCountKept = 32;
/** A bounds start naming "the next big argument" (see RequestParser.bounds). */
const bigArgumentMark = 0xffff_ffff;

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
const emptyBuffer = Buffer.alloc(0);

/**
 * Incremental RESP2 request parser. Feed chunks with push(), then call next() until it returns
 * null (more bytes needed). Chunk boundaries never change the result. It never throws on input.
 *
 * An unfinished request costs its bytes, not objects: its arguments stay in the received bytes and
 * only their bounds are noted, two uint32 per argument in one typed array, so a million-argument
 * request that never ends holds 8 MB of bounds plus its wire bytes and no per-argument JavaScript
 * object. The argv array of Buffer views is made when the request is complete.
 *
 * The receive buffer is either a chunk as the socket delivered it ("borrowed", never written) or
 * one the parser allocated ("owned"), appended to past `filled` and never rewritten in place:
 * when it is full a new one is allocated. So the Buffer views of a request already returned stay
 * valid however long the command keeps them.
 */
export class RequestParser {
  private buffer: Buffer = emptyBuffer;
  private bufferOwned = false;
  /** Bytes of `buffer` that hold received data; the rest of an owned buffer is free room. */
  private filled = 0;
  private pos = 0;
  private failed: ProtocolError | null = null;
  // The multibulk request under way, kept across chunks.
  private inMultibulk = false;
  private multibulkRemaining = 0;
  /** Where the request's first argument header starts in `buffer`; argument bounds are relative to it. */
  private requestStart = 0;
  /**
   * Per argument, its start (relative to requestStart) and byte length; a start of bigArgumentMark
   * says the argument is the next of bigArguments instead. A Buffer holds less than 4 GiB, so a
   * start in the receive buffer always fits and never equals the mark.
   */
  private bounds = new Uint32Array(boundSlotCountKept * 2);
  /** Arguments the request under way declared (`*N`): the bounds table never grows past it. */
  private argumentCountDeclared = 0;
  private argumentCount = 0;
  private bigArguments: Buffer[] = [];
  private bigArgumentsByteLength = 0;
  private bulkLength = noBulk;
  private bigBulk: Buffer | null = null;
  private bigBulkFilled = 0;
  /** Bytes after a big argument (its CRLF) still to be skipped when they arrive. */
  private skipOwed = 0;

  constructor(private readonly limits: ParserLimits = defaultParserLimits) {}

  get hasFailed(): boolean {
    return this.failed !== null;
  }

  /** What the parser holds now. O(1). */
  get memory(): ParserMemory {
    const unparsedByteLength = this.filled - this.pos;
    const requestByteLength = this.requestByteLength();
    const totalByteLength = this.heldByteLength;
    return {
      unparsedByteLength,
      receiveFreeByteLength: totalByteLength - unparsedByteLength - requestByteLength,
      requestByteLength,
      totalByteLength,
    };
  }

  /** Every byte the parser keeps alive (memory.totalByteLength without making the object). O(1). */
  get heldByteLength(): number {
    return this.receiveByteCapacity() + this.bounds.byteLength + this.bigArgumentsByteLength + (this.bigBulk?.length ?? 0);
  }

  /**
   * A borrowed chunk keeps its whole ArrayBuffer alive, also when it is a view of part of it (what
   * follows a big argument); the socket's chunks own theirs exactly. Owned buffers are at least
   * 16 KiB, so never a slice of Node's shared pool.
   */
  private receiveByteCapacity(): number {
    return this.bufferOwned ? this.buffer.length : this.buffer.buffer.byteLength;
  }

  /** The bytes client-query-buffer-limit applies to: unparsed bytes plus the unfinished request. */
  private get queryByteLength(): number {
    return this.filled - this.pos + this.requestByteLength();
  }

  /** argv-mem: the bounds table (kept between requests too) and, for a request under way, its parts. */
  private requestByteLength(): number {
    const parsedByteLength = this.inMultibulk ? this.pos - this.requestStart : 0;
    return parsedByteLength + this.bounds.byteLength + this.bigArgumentsByteLength + (this.bigBulk?.length ?? 0);
  }

  push(chunk: Buffer): void {
    if (this.failed !== null || chunk.length === 0) return;
    if (this.bigBulk !== null) chunk = this.fillBigBulk(chunk);
    if (this.skipOwed > 0) chunk = this.skipOwedBytes(chunk);
    if (chunk.length === 0) return;
    const keepFrom = this.inMultibulk ? this.requestStart : this.pos;
    const keptByteLength = this.filled - keepFrom;
    if (keptByteLength === 0) {
      // Nothing kept: take the chunk as it is, no copy (the common case of whole requests).
      this.adopt(chunk);
      return;
    }
    if (this.bufferOwned && this.filled + chunk.length <= this.buffer.length) {
      chunk.copy(this.buffer, this.filled);
      this.filled += chunk.length;
      return;
    }
    // A new buffer, holding the kept bytes then the chunk. Growing by half again keeps the copies
    // linear in the bytes received (each byte is copied about three times at most) and the room
    // unused under a third; a buffer far larger than what is kept is not carried on.
    const neededByteLength = keptByteLength + chunk.length;
    const capacity = Math.max(receiveByteCapacityMin, neededByteLength + (neededByteLength >> 1));
    const next = Buffer.allocUnsafe(capacity);
    this.buffer.copy(next, 0, keepFrom, this.filled);
    chunk.copy(next, keptByteLength);
    this.rebase(next, true, neededByteLength, keepFrom);
  }

  private adopt(chunk: Buffer): void {
    this.rebase(chunk, false, chunk.length, this.filled);
  }

  /** Moves to a new receive buffer whose byte 0 is the old buffer's byte `oldOffsetOfZero`. */
  private rebase(next: Buffer, owned: boolean, filled: number, oldOffsetOfZero: number): void {
    this.pos -= oldOffsetOfZero;
    if (this.inMultibulk) this.requestStart -= oldOffsetOfZero;
    this.buffer = next;
    this.bufferOwned = owned;
    this.filled = filled;
  }

  /**
   * The next complete request, null when more bytes are needed, or a ProtocolError (once).
   * `authenticated` selects the limits for clients that have not passed AUTH yet.
   */
  next(authenticated: boolean): Buffer[] | ProtocolError | null {
    if (this.failed !== null) return null;
    const result = this.parseNext(authenticated);
    if (result === null) {
      // Checked when waiting for more bytes: what is held then belongs to one unfinished request.
      const queryByteLength = this.queryByteLength;
      if (queryByteLength > this.limits.requestByteLengthMax) {
        return this.fail(null, `query buffer of ${queryByteLength} bytes exceeds the limit`);
      }
      // Everything consumed: let the received bytes go (the views already returned keep their own).
      if (!this.inMultibulk && this.pos === this.filled && this.buffer !== emptyBuffer) {
        this.buffer = emptyBuffer;
        this.bufferOwned = false;
        this.filled = 0;
        this.pos = 0;
      }
    }
    return result;
  }

  private parseNext(authenticated: boolean): Buffer[] | ProtocolError | null {
    for (;;) {
      if (this.bigBulk !== null) return null;
      if (!this.inMultibulk) {
        if (this.pos >= this.filled) return null;
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
      if (this.filled - this.pos > inlineMax) return this.fail(protocolErrorText('too big inline request'));
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
      if (this.filled - this.pos > this.limits.inlineByteLengthMax) {
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
      this.argumentCountDeclared = count;
      this.requestStart = this.pos;
      this.argumentCount = 0;
      this.bulkLength = noBulk;
    }
    return true;
  }

  private parseBulks(authenticated: boolean): Buffer[] | ProtocolError | null {
    while (this.multibulkRemaining > 0) {
      if (this.bulkLength === noBulk) {
        const lineEnd = this.findLineEnd();
        if (lineEnd === -1) {
          if (this.filled - this.pos > this.limits.inlineByteLengthMax) {
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
      const available = this.filled - this.pos;
      if (available < this.bulkLength + 2) {
        if (this.bulkLength >= bigBulkByteLengthMin && available < this.bulkLength) this.startBigBulk();
        return null;
      }
      const slot = this.argumentCount * 2;
      if (slot === this.bounds.length) this.growBounds();
      this.bounds[slot] = this.pos - this.requestStart;
      this.bounds[slot + 1] = this.bulkLength;
      this.argumentCount++;
      // Like Redis, the two bytes after the payload are skipped, not checked.
      this.pos += this.bulkLength + 2;
      this.bulkLength = noBulk;
      this.multibulkRemaining--;
    }
    return this.completeRequest();
  }

  /** Grows with the arguments that arrive, never past the count the header declares. */
  private growBounds(): void {
    const grown = new Uint32Array(Math.min(this.bounds.length * 2, this.argumentCountDeclared * 2));
    grown.set(this.bounds);
    this.bounds = grown;
  }

  /** The argv of the request just finished: Buffer views made now, one per argument. */
  private completeRequest(): Buffer[] {
    const count = this.argumentCount;
    const bounds = this.bounds;
    const buffer = this.buffer;
    const base = this.requestStart;
    const argv = new Array<Buffer>(count);
    let bigIndex = 0;
    for (let i = 0; i < count; i++) {
      const start = bounds[2 * i] as number;
      if (start !== bigArgumentMark) {
        const begin = base + start;
        argv[i] = buffer.subarray(begin, begin + (bounds[2 * i + 1] as number));
      } else {
        argv[i] = this.bigArguments[bigIndex++] as Buffer;
      }
    }
    this.inMultibulk = false;
    this.argumentCount = 0;
    if (this.bigArguments.length > 0) {
      this.bigArguments = [];
      this.bigArgumentsByteLength = 0;
    }
    if (bounds.length > boundSlotCountKept * 2) this.bounds = new Uint32Array(boundSlotCountKept * 2);
    return argv;
  }

  /**
   * A long argument arriving in pieces is assembled in its own buffer instead of growing the
   * receive buffer on every chunk. The buffer grows by doubling with the bytes that actually
   * arrive: sizing it from the declared length alone would let a client reserve 512 MB with a
   * 20-byte header. Each byte is copied at most about twice.
   */
  private startBigBulk(): void {
    const available = this.filled - this.pos;
    const target = Buffer.allocUnsafe(Math.min(this.bulkLength, Math.max(bigBulkByteLengthMin * 2, available * 2)));
    this.bigBulkFilled = this.buffer.copy(target, 0, this.pos, this.filled);
    // Every byte after pos is this argument's, now copied out: the receive buffer ends here.
    this.filled = this.pos;
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
    const slot = this.argumentCount * 2;
    if (slot === this.bounds.length) this.growBounds();
    this.bounds[slot] = bigArgumentMark;
    this.bounds[slot + 1] = target.length;
    this.argumentCount++;
    this.bigArguments.push(target);
    this.bigArgumentsByteLength += target.length;
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
    if (carriageReturn === -1 || carriageReturn + 1 >= this.filled) return -1;
    return carriageReturn;
  }

  /**
   * Index of the first `terminator` byte from pos, or -1. Redis looks for line ends with strchr,
   * which stops at a NUL byte: a NUL before the terminator means "not found yet" there, so the
   * request waits until the 64 KiB line limit rejects it. The same here, byte for byte.
   */
  private findTerminator(terminator: number): number {
    const buffer = this.buffer;
    const filled = this.filled;
    // Most lines (`*3`, `$5`, `GET key`) are short: a plain scan allocates nothing.
    const scanEnd = Math.min(filled, this.pos + shortLineByteLength);
    for (let i = this.pos; i < scanEnd; i++) {
      const byte = buffer[i] as number;
      if (byte === terminator) return i;
      if (byte === 0) return -1;
    }
    if (scanEnd === filled) return -1;
    // An owned buffer's room past `filled` holds stale bytes: search only what was received.
    const received = filled === buffer.length ? buffer : buffer.subarray(0, filled);
    const found = received.indexOf(terminator, scanEnd);
    if (found === -1) return -1;
    return received.subarray(scanEnd, found).indexOf(0) === -1 ? found : -1;
  }

  /** Drops everything held; the parser parses nothing more (its connection is gone). */
  discard(): void {
    if (this.failed === null) this.fail(null, 'discarded');
  }

  private fail(replyText: string | null, reason: string = replyText ?? 'protocol error'): ProtocolError {
    this.failed = new ProtocolError(replyText, reason);
    this.buffer = emptyBuffer;
    this.bufferOwned = false;
    this.filled = 0;
    this.pos = 0;
    this.requestStart = 0;
    this.bounds = new Uint32Array(0);
    this.argumentCount = 0;
    this.bigArguments = [];
    this.bigArgumentsByteLength = 0;
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
