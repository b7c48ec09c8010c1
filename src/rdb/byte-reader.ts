/**
 * Bounds-checked cursor over RDB bytes with the RDB primitives (lengths, strings, numbers).
 *
 * In a `final` reader running out of bytes is a truncated file (RdbError). In a non-final reader
 * (streaming decode, more bytes may still arrive) it throws NeedMoreInput instead, and the
 * streaming decoder retries once more bytes are buffered: the record from its start, or the
 * unfinished element of a value being read element by element. Parsing stores nothing until a
 * record (or element) is complete, so the retry is safe.
 */
import { ENC_INT16, ENC_INT32, ENC_INT8, ENC_LZF, LEN_32BIT_MARKER, LEN_64BIT_MARKER, LEN_ENCVAL } from './constants.ts';
import { RdbError } from './errors.ts';
import { copyBytes, decimalBytes } from './slab.ts';
import { lzfDecompress } from './lzf.ts';

export class NeedMoreInput {
  /** Buffer length (from the reader's start) that would have let this read succeed. */
  constructor(readonly neededByteLength: number) {}
}

/**
 * lengthOrEncoding() answers a length (>= 0) or, for a string-encoding marker, -1 - encoding.
 * A number rather than an object: it runs once per string, millions of times per file.
 */
const encodingMarker = (encoding: number): number => -1 - encoding;

export class ByteReader {
  pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    /** File offset of bytes[0], for error messages. */
    private readonly baseOffset: number,
    private readonly final: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get fileOffset(): number {
    return this.baseOffset + this.pos;
  }

  get isFinal(): boolean {
    return this.final;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  need(byteCount: number, what: string): void {
    if (byteCount <= this.bytes.length - this.pos) return;
    if (!this.final) throw new NeedMoreInput(this.pos + byteCount);
    throw new RdbError('truncated', `file ends inside ${what}: need ${byteCount} bytes, ${this.remaining} left`, this.fileOffset);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  take(byteCount: number, what: string): Uint8Array {
    this.need(byteCount, what);
    const out = copyBytes(this.bytes, this.pos, this.pos + byteCount);
    this.pos += byteCount;
    return out;
  }

  int64LE(what: string): bigint {
    this.need(8, what);
    const value = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return value;
  }

  int32LE(what: string): number {
    this.need(4, what);
    const value = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return value;
  }

  float64LE(what: string): number {
    this.need(8, what);
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  lengthOrEncoding(what: string): number {
    const at = this.fileOffset;
    const first = this.u8(what);
    const kind = first >>> 6;
    if (kind === 0) return first & 0x3f;
    if (kind === 1) return ((first & 0x3f) << 8) | this.u8(what);
    if (kind === LEN_ENCVAL) return encodingMarker(first & 0x3f);
    if (first === LEN_32BIT_MARKER) {
      this.need(4, what);
      const length = this.view.getUint32(this.pos, false);
      this.pos += 4;
      return length;
    }
    if (first === LEN_64BIT_MARKER) {
      this.need(8, what);
      const length = this.view.getBigUint64(this.pos, false);
      this.pos += 8;
      if (length > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbError('bad-length', `${what} is ${length}, beyond any real file`, at);
      return Number(length);
    }
    throw new RdbError('bad-length', `${what} has invalid length prefix byte 0x${first.toString(16)}`, at);
  }

  length(what: string): number {
    const at = this.fileOffset;
    const result = this.lengthOrEncoding(what);
    if (result < 0) throw new RdbError('bad-length', `${what}: expected a length, found a string encoding marker`, at);
    return result;
  }

  /** An RDB string: raw, integer-encoded (returned as its decimal text) or LZF-compressed. */
  string(what: string): Uint8Array {
    const at = this.fileOffset;
    const head = this.lengthOrEncoding(what);
    if (head >= 0) return this.take(head, what);
    const encoding = -1 - head;
    switch (encoding) {
      case ENC_INT8: {
        this.need(1, what);
        const value = this.view.getInt8(this.pos);
        this.pos += 1;
        return decimalBytes(value);
      }
      case ENC_INT16: {
        this.need(2, what);
        const value = this.view.getInt16(this.pos, true);
        this.pos += 2;
        return decimalBytes(value);
      }
      case ENC_INT32:
        return decimalBytes(this.int32LE(what));
      case ENC_LZF: {
        const compressedByteLength = this.length(`${what} (LZF compressed length)`);
        const byteLength = this.length(`${what} (LZF original length)`);
        this.need(compressedByteLength, `${what} (LZF data)`);
        const dataAt = this.pos;
        const compressed = this.bytes.subarray(dataAt, dataAt + compressedByteLength);
        this.pos += compressedByteLength;
        return lzfDecompress(compressed, byteLength, this.baseOffset + dataAt);
      }
      default:
        throw new RdbError('bad-encoding', `${what} has unknown string encoding ${encoding}`, at);
    }
  }
}
