/**
 * ziplist blob (Redis < 7 compact lists, hashes and zsets; still loaded by Redis 7):
 *   u32 LE total bytes | u32 LE offset of the last entry | u16 LE count (65535 = "count it") |
 *   entries | 0xFF
 * Entry: previous entry length (1 byte, or 0xFE + u32 LE), encoding, data.
 *   00pppppp            string, 6-bit length
 *   01pppppp qqqqqqqq   string, 14-bit big-endian length
 *   10xxxxxx + u32 BE   string, 32-bit length
 *   0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8 (little-endian)
 *   0xF1..0xFD          immediate 0..12
 * Every field is checked against the blob bounds and against each other (as Redis's deep
 * sanitizer does), so a corrupt blob is an RdbError, never an out-of-range read.
 */
import { RdbError } from './errors.ts';
import type { PackedElement } from './packed-element.ts';

const HEADER_BYTES = 10;
const END = 0xff;
const BIG_PREVLEN = 0xfe;
const COUNT_UNKNOWN = 0xffff;

export function parseZiplist(blob: Uint8Array, blobOffset: number): PackedElement[] {
  const length = blob.length;
  if (length < HEADER_BYTES + 1) throw bad(`ziplist of ${length} bytes is shorter than header and end marker`, blobOffset);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const totalBytes = view.getUint32(0, true);
  if (totalBytes !== length) throw bad(`ziplist header says ${totalBytes} bytes, blob has ${length}`, blobOffset);
  const tailOffset = view.getUint32(4, true);
  const declaredCount = view.getUint16(8, true);

  const out: PackedElement[] = [];
  let pos = HEADER_BYTES;
  let previousEntryBytes = 0;
  let lastEntryAt = HEADER_BYTES;
  const need = (at: number, bytes: number, what: string): void => {
    // The end marker must remain after every entry, hence `length - 1`.
    if (at + bytes > length - 1) throw bad(`ziplist ${what} runs past the end of the blob`, blobOffset + at);
  };
  for (;;) {
    if (pos >= length) throw bad('ziplist has no end marker', blobOffset + pos);
    if (blob[pos] === END) break;
    const entryAt = pos;
    let prevlen: number;
    if (blob[pos]! < BIG_PREVLEN) {
      prevlen = blob[pos]!;
      pos += 1;
    } else {
      need(pos, 5, 'previous-length field');
      prevlen = view.getUint32(pos + 1, true);
      pos += 5;
    }
    if (prevlen !== previousEntryBytes) throw bad(`ziplist entry says the previous entry has ${prevlen} bytes, it has ${previousEntryBytes}`, blobOffset + entryAt);
    need(pos, 1, 'encoding');
    const enc = blob[pos]!;
    const kind = enc >>> 6;
    if (kind === 0) {
      const strlen = enc & 0x3f;
      need(pos + 1, strlen, 'string');
      out.push(blob.subarray(pos + 1, pos + 1 + strlen));
      pos += 1 + strlen;
    } else if (kind === 1) {
      need(pos, 2, 'string length');
      const strlen = ((enc & 0x3f) << 8) | blob[pos + 1]!;
      need(pos + 2, strlen, 'string');
      out.push(blob.subarray(pos + 2, pos + 2 + strlen));
      pos += 2 + strlen;
    } else if (kind === 2) {
      need(pos, 5, 'string length');
      const strlen = view.getUint32(pos + 1, false);
      need(pos + 5, strlen, 'string');
      out.push(blob.subarray(pos + 5, pos + 5 + strlen));
      pos += 5 + strlen;
    } else {
      pos += 1;
      if (enc === 0xc0) {
        need(pos, 2, 'int16');
        out.push(view.getInt16(pos, true));
        pos += 2;
      } else if (enc === 0xd0) {
        need(pos, 4, 'int32');
        out.push(view.getInt32(pos, true));
        pos += 4;
      } else if (enc === 0xe0) {
        need(pos, 8, 'int64');
        out.push(view.getBigInt64(pos, true));
        pos += 8;
      } else if (enc === 0xf0) {
        need(pos, 3, 'int24');
        const raw = blob[pos]! | (blob[pos + 1]! << 8) | (blob[pos + 2]! << 16);
        out.push(raw & 0x800000 ? raw - 0x1000000 : raw);
        pos += 3;
      } else if (enc === 0xfe) {
        need(pos, 1, 'int8');
        out.push(view.getInt8(pos));
        pos += 1;
      } else if (enc >= 0xf1 && enc <= 0xfd) {
        out.push((enc & 0x0f) - 1);
      } else {
        throw bad(`ziplist entry has unknown encoding byte 0x${enc.toString(16)}`, blobOffset + pos - 1);
      }
    }
    previousEntryBytes = pos - entryAt;
    lastEntryAt = entryAt;
  }
  if (pos !== length - 1) throw bad('ziplist end marker is not the last byte', blobOffset + pos);
  if (tailOffset !== lastEntryAt) throw bad(`ziplist tail offset ${tailOffset}, last entry is at ${lastEntryAt}`, blobOffset + 4);
  if (declaredCount !== COUNT_UNKNOWN && declaredCount !== out.length) {
    throw bad(`ziplist declares ${declaredCount} entries, holds ${out.length}`, blobOffset + 8);
  }
  return out;
}

function bad(message: string, byteOffset: number): RdbError {
  return new RdbError('bad-blob', message, byteOffset);
}
