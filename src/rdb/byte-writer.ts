/**
 * A growable output buffer that knows the RDB primitives: length encoding, string encoding
 * (integer, LZF, raw) and little-endian numbers. The encoder builds each chunk in one of these.
 */
import { ENC_INT16, ENC_INT32, ENC_INT8, ENC_LZF, LEN_14BIT, LEN_32BIT_MARKER, LEN_64BIT_MARKER, LEN_ENCVAL } from './constants.ts';
import { assert } from './errors.ts';
import { parseCanonicalInt32 } from './int-string.ts';
import { lzfCompress } from './lzf.ts';

/** Redis compresses only strings longer than this (rdbSaveRawString: "len > 20"). */
export const LZF_MIN_INPUT_BYTES = 21;
/** Longest string that could be a canonical int32 ("-2147483648"). */
const INT_STRING_MAX_BYTES = 11;

export type StringEncodingOptions = { compress: boolean };

export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private byteLength = 0;

  constructor(private readonly initialCapacityBytes = 4096) {
    this.buffer = new Uint8Array(initialCapacityBytes);
    this.view = new DataView(this.buffer.buffer);
  }

  get length(): number {
    return this.byteLength;
  }

  private reserve(extraBytes: number): void {
    const needed = this.byteLength + extraBytes;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.byteLength));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.byteLength++] = value;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.byteLength);
    this.byteLength += value.length;
  }

  ascii(text: string): void {
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.buffer[this.byteLength++] = text.charCodeAt(i) & 0xff;
  }

  /** RDB length: 6-bit, 14-bit, 32-bit or 64-bit big-endian, chosen by size. */
  rdbLength(value: number): void {
    assert(Number.isSafeInteger(value) && value >= 0, `RDB length must be a non-negative safe integer, got ${value}`);
    this.reserve(9);
    if (value < 1 << 6) {
      this.buffer[this.byteLength++] = value;
    } else if (value < 1 << 14) {
      this.buffer[this.byteLength++] = (LEN_14BIT << 6) | (value >>> 8);
      this.buffer[this.byteLength++] = value & 0xff;
    } else if (value <= 0xffffffff) {
      this.buffer[this.byteLength++] = LEN_32BIT_MARKER;
      this.view.setUint32(this.byteLength, value, false);
      this.byteLength += 4;
    } else {
      this.buffer[this.byteLength++] = LEN_64BIT_MARKER;
      this.view.setBigUint64(this.byteLength, BigInt(value), false);
      this.byteLength += 8;
    }
  }

  /** An RDB string: integer-encoded when canonical int32, LZF when it saves bytes, else raw. */
  rdbString(value: Uint8Array, options: StringEncodingOptions): void {
    if (value.length <= INT_STRING_MAX_BYTES) {
      const asInt = parseCanonicalInt32(value);
      if (asInt !== null) {
        this.rdbIntString(asInt);
        return;
      }
    }
    if (options.compress && value.length >= LZF_MIN_INPUT_BYTES) {
      // Like Redis: keep the compressed form only when it saves at least 4 bytes.
      const compressed = lzfCompress(value, value.length - 4);
      if (compressed !== null) {
        this.byte((LEN_ENCVAL << 6) | ENC_LZF);
        this.rdbLength(compressed.length);
        this.rdbLength(value.length);
        this.bytes(compressed);
        return;
      }
    }
    this.rdbLength(value.length);
    this.bytes(value);
  }

  private rdbIntString(value: number): void {
    this.reserve(5);
    if (value >= -128 && value <= 127) {
      this.buffer[this.byteLength++] = (LEN_ENCVAL << 6) | ENC_INT8;
      this.view.setInt8(this.byteLength, value);
      this.byteLength += 1;
    } else if (value >= -32768 && value <= 32767) {
      this.buffer[this.byteLength++] = (LEN_ENCVAL << 6) | ENC_INT16;
      this.view.setInt16(this.byteLength, value, true);
      this.byteLength += 2;
    } else {
      this.buffer[this.byteLength++] = (LEN_ENCVAL << 6) | ENC_INT32;
      this.view.setInt32(this.byteLength, value, true);
      this.byteLength += 4;
    }
  }

  float64LE(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.byteLength, value, true);
    this.byteLength += 8;
  }

  int64LE(value: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.byteLength, value, true);
    this.byteLength += 8;
  }

  /** Hand out what was written (a copy, so the writer can be reused) and start empty. */
  take(): Uint8Array {
    const out = this.buffer.slice(0, this.byteLength);
    this.byteLength = 0;
    // One huge value must not pin a huge buffer for the rest of the dump.
    if (this.buffer.length > Math.max(4 * this.initialCapacityBytes, 1 << 20)) {
      this.buffer = new Uint8Array(this.initialCapacityBytes);
      this.view = new DataView(this.buffer.buffer);
    }
    return out;
  }
}
