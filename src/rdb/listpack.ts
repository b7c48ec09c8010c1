/**
 * listpack blob (Redis 7 compact lists, hashes, zsets, and 7.2 sets):
 *   u32 LE total bytes | u16 LE count (65535 = "count it") | entries | 0xFF
 * Entry: encoding+data, then "backlen", the size of encoding+data written in 7-bit groups so the
 * list can be walked backwards.
 *   0xxxxxxx           7-bit unsigned int
 *   10xxxxxx           string, 6-bit length
 *   110xxxxx yyyyyyyy  13-bit signed int
 *   1110xxxx yyyyyyyy  string, 12-bit length
 *   0xF0 + u32 LE      string, 32-bit length
 *   0xF1 int16, 0xF2 int24, 0xF3 int32, 0xF4 int64 (little-endian)
 * Every field (including each backlen) is checked, so corruption is an RdbError.
 */
import { RdbError } from './errors.ts';
import type { PackedElement } from './packed-element.ts';

const HEADER_BYTES = 6;
const END = 0xff;
const COUNT_UNKNOWN = 0xffff;

export function backlenByteLength(entryBytes: number): number {
  if (entryBytes <= 127) return 1;
  if (entryBytes < 16383) return 2;
  if (entryBytes < 2097151) return 3;
  if (entryBytes < 268435455) return 4;
  return 5;
}

export function parseListpack(blob: Uint8Array, blobOffset: number): PackedElement[] {
  const length = blob.length;
  if (length < HEADER_BYTES + 1) throw bad(`listpack of ${length} bytes is shorter than header and end marker`, blobOffset);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const totalBytes = view.getUint32(0, true);
  if (totalBytes !== length) throw bad(`listpack header says ${totalBytes} bytes, blob has ${length}`, blobOffset);
  const declaredCount = view.getUint16(4, true);

  const out: PackedElement[] = [];
  let pos = HEADER_BYTES;
  const need = (at: number, bytes: number, what: string): void => {
    if (at + bytes > length - 1) throw bad(`listpack ${what} runs past the end of the blob`, blobOffset + at);
  };
  for (;;) {
    if (pos >= length) throw bad('listpack has no end marker', blobOffset + pos);
    const enc = blob[pos]!;
    if (enc === END) break;
    const entryAt = pos;
    let entryBytes: number;
    if ((enc & 0x80) === 0) {
      out.push(enc);
      entryBytes = 1;
    } else if ((enc & 0xc0) === 0x80) {
      const strlen = enc & 0x3f;
      need(pos + 1, strlen, 'string');
      out.push(blob.subarray(pos + 1, pos + 1 + strlen));
      entryBytes = 1 + strlen;
    } else if ((enc & 0xe0) === 0xc0) {
      need(pos, 2, '13-bit int');
      const raw = ((enc & 0x1f) << 8) | blob[pos + 1]!;
      out.push(raw >= 1 << 12 ? raw - (1 << 13) : raw);
      entryBytes = 2;
    } else if ((enc & 0xf0) === 0xe0) {
      need(pos, 2, 'string length');
      const strlen = ((enc & 0x0f) << 8) | blob[pos + 1]!;
      need(pos + 2, strlen, 'string');
      out.push(blob.subarray(pos + 2, pos + 2 + strlen));
      entryBytes = 2 + strlen;
    } else if (enc === 0xf0) {
      need(pos, 5, 'string length');
      const strlen = view.getUint32(pos + 1, true);
      need(pos + 5, strlen, 'string');
      out.push(blob.subarray(pos + 5, pos + 5 + strlen));
      entryBytes = 5 + strlen;
    } else if (enc === 0xf1) {
      need(pos, 3, 'int16');
      out.push(view.getInt16(pos + 1, true));
      entryBytes = 3;
    } else if (enc === 0xf2) {
      need(pos, 4, 'int24');
      const raw = blob[pos + 1]! | (blob[pos + 2]! << 8) | (blob[pos + 3]! << 16);
      out.push(raw & 0x800000 ? raw - 0x1000000 : raw);
      entryBytes = 4;
    } else if (enc === 0xf3) {
      need(pos, 5, 'int32');
      out.push(view.getInt32(pos + 1, true));
      entryBytes = 5;
    } else if (enc === 0xf4) {
      need(pos, 9, 'int64');
      const big = view.getBigInt64(pos + 1, true);
      out.push(big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big);
      entryBytes = 9;
    } else {
      throw bad(`listpack entry has unknown encoding byte 0x${enc.toString(16)}`, blobOffset + pos);
    }
    const backlenBytes = backlenByteLength(entryBytes);
    need(entryAt + entryBytes, backlenBytes, 'back-length');
    checkBacklen(blob, entryAt + entryBytes, backlenBytes, entryBytes, blobOffset);
    pos = entryAt + entryBytes + backlenBytes;
  }
  if (pos !== length - 1) throw bad('listpack end marker is not the last byte', blobOffset + pos);
  if (declaredCount !== COUNT_UNKNOWN && declaredCount !== out.length) {
    throw bad(`listpack declares ${declaredCount} entries, holds ${out.length}`, blobOffset + 4);
  }
  return out;
}

/** The last backlen byte holds the lowest 7 bits; a set high bit means more bytes to its left. */
function checkBacklen(blob: Uint8Array, at: number, backlenBytes: number, entryBytes: number, blobOffset: number): void {
  let value = 0;
  let multiplier = 1;
  for (let i = backlenBytes - 1; i >= 0; i--) {
    const byte = blob[at + i]!;
    const continues = (byte & 0x80) !== 0;
    if (continues !== i > 0) throw bad('listpack back-length has a wrong continuation bit', blobOffset + at + i);
    value += (byte & 0x7f) * multiplier;
    multiplier *= 128;
  }
  if (value !== entryBytes) throw bad(`listpack back-length says ${value}, entry has ${entryBytes} bytes`, blobOffset + at);
}

function bad(message: string, byteOffset: number): RdbError {
  return new RdbError('bad-blob', message, byteOffset);
}
