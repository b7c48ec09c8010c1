/**
 * Decoded strings are copied out of the input (so callers may reuse or mutate their buffers), but
 * one ArrayBuffer per small string makes the garbage collector the bottleneck: small strings are
 * carved from shared 64 KiB slabs instead. A retained string keeps its slab alive, the same
 * trade-off Node's Buffer pool makes. Consequence for callers: never transfer or detach the
 * `.buffer` of a decoded string; copy it first.
 */
const SLAB_BYTES = 64 * 1024;
const SLAB_MAX_STRING_BYTES = 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

function allocate(length: number): Uint8Array {
  if (slabUsed + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, length);
  // 8-byte alignment keeps wider typed-array views over a returned string legal.
  slabUsed += (length + 7) & ~7;
  return out;
}

export function copyBytes(source: Uint8Array, start: number, end: number): Uint8Array {
  const length = end - start;
  if (length > SLAB_MAX_STRING_BYTES) return source.slice(start, end);
  const out = allocate(length);
  out.set(source.subarray(start, end));
  return out;
}

/** The decimal text of an integer, as Redis returns an integer-encoded string. */
export function decimalBytes(value: number | bigint): Uint8Array {
  const text = value.toString();
  const out = allocate(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
