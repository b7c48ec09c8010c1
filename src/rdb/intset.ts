/**
 * intset blob (SET_INTSET): u32 LE element width in bytes (2, 4 or 8), u32 LE count, then the
 * signed little-endian integers in strictly ascending order.
 */
import { RdbError } from './errors.ts';

const HEADER_BYTES = 8;

export function parseIntset(blob: Uint8Array, blobOffset: number): (number | bigint)[] {
  if (blob.length < HEADER_BYTES) throw bad(`intset of ${blob.length} bytes is shorter than its 8-byte header`, blobOffset);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const widthBytes = view.getUint32(0, true);
  const count = view.getUint32(4, true);
  if (widthBytes !== 2 && widthBytes !== 4 && widthBytes !== 8) throw bad(`intset element width ${widthBytes}, expected 2, 4 or 8`, blobOffset);
  if (HEADER_BYTES + widthBytes * count !== blob.length) {
    throw bad(`intset declares ${count} elements of ${widthBytes} bytes but holds ${blob.length - HEADER_BYTES} bytes`, blobOffset + 4);
  }
  const out: (number | bigint)[] = [];
  let previous: number | bigint | null = null;
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * widthBytes;
    let value: number | bigint;
    if (widthBytes === 2) value = view.getInt16(at, true);
    else if (widthBytes === 4) value = view.getInt32(at, true);
    else {
      const big = view.getBigInt64(at, true);
      value = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    if (previous !== null && !(previous < value)) throw bad('intset elements are not strictly ascending', blobOffset + at);
    previous = value;
    out.push(value);
  }
  return out;
}

function bad(message: string, byteOffset: number): RdbError {
  return new RdbError('bad-blob', message, byteOffset);
}
