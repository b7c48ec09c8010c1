/**
 * zipmap blob (HASH_ZIPMAP, Redis < 2.6 small hashes):
 *   count byte (informative) | repeated: len key, len free value <free bytes> | 0xFF
 * A len is one byte below 254, or 254 followed by a u32 LE.
 */
import { RdbError } from './errors.ts';
import type { RdbHashField } from './value.ts';

const BIG_LEN = 254;
const END = 0xff;

export function parseZipmap(blob: Uint8Array, blobOffset: number): RdbHashField[] {
  const length = blob.length;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const out: RdbHashField[] = [];
  let pos = 1;
  if (length < 2) throw bad(`zipmap of ${length} bytes is too short`, blobOffset);
  const need = (at: number, bytes: number, what: string): void => {
    if (at + bytes > length - 1) throw bad(`zipmap ${what} runs past the end of the blob`, blobOffset + at);
  };
  const readLength = (what: string): number => {
    need(pos, 1, `${what} length`);
    const first = blob[pos]!;
    if (first < BIG_LEN) {
      pos += 1;
      return first;
    }
    if (first !== BIG_LEN) throw bad(`zipmap ${what} length byte 0x${first.toString(16)}`, blobOffset + pos);
    need(pos, 5, `${what} length`);
    const value = view.getUint32(pos + 1, true);
    pos += 5;
    return value;
  };
  for (;;) {
    if (pos >= length) throw bad('zipmap has no end marker', blobOffset + pos);
    if (blob[pos] === END) break;
    const fieldLength = readLength('field');
    need(pos, fieldLength, 'field');
    const field = blob.subarray(pos, pos + fieldLength);
    pos += fieldLength;
    const valueLength = readLength('value');
    need(pos, 1, 'free byte');
    const freeBytes = blob[pos]!;
    pos += 1;
    need(pos, valueLength + freeBytes, 'value');
    const value = blob.subarray(pos, pos + valueLength);
    pos += valueLength + freeBytes;
    out.push({ field, value });
  }
  if (pos !== length - 1) throw bad('zipmap end marker is not the last byte', blobOffset + pos);
  return out;
}

function bad(message: string, byteOffset: number): RdbError {
  return new RdbError('bad-blob', message, byteOffset);
}
