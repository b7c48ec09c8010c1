/**
 * How a model value (a sequence of chunk values) is spelled as engine bytes, so that one model block
 * is exactly one engine chain block.
 *
 * An engine string keeps its first (blockSize - 24) bytes inline in the value header and the rest in
 * chain blocks of (blockSize - 4) data bytes (src/engine/types/string.ts). A model value [v1..vn] is
 * therefore written as PAD (exactly the inline capacity) followed by n chunks of exactly one chain
 * block's data bytes: chunk i lives in chain block i, SETRANGE at padBytes + (i-1) * chunkBytes
 * touches chain block i alone (plus the header, see docs/model-based-tests.md DEVIATION), and APPEND
 * of one chunk adds one chain block.
 */
import type { Val } from '../../src/model/types.ts';

export interface ChunkCodec {
  readonly padBytes: number;
  readonly chunkBytes: number;
  chunk(val: Val): Uint8Array;
  /** The whole engine string for a model value. */
  encode(vals: readonly Val[]): Uint8Array;
  /** The model value an engine string spells, or an error text naming the first byte that does not fit. */
  decode(bytes: Uint8Array): Val[] | string;
  /** The model value one chunk spells (a list element), or an error text. */
  decodeChunk(bytes: Uint8Array): Val | string;
}

/** Pad byte: not produced by any chunk's first byte, so a misplaced chunk never decodes as pad. */
const PAD_BYTE = 0x23; // '#'

/** blockSizeBytes - 24 inline bytes and blockSizeBytes - 4 chain data bytes (src/engine/object.ts, blob.ts). */
export function chunkCodec(blockSizeBytes: number, vals: readonly Val[]): ChunkCodec {
  const padBytes = blockSizeBytes - 24;
  const chunkBytes = blockSizeBytes - 4;
  const chunkOf = new Map<Val, Uint8Array>();
  const valOf = new Map<string, Val>();
  for (const [ordinal, val] of vals.entries()) {
    // Each byte depends on the value and on its position: a chunk shifted by a byte does not decode.
    const bytes = Uint8Array.from({ length: chunkBytes }, (_, j) => 0x41 + ((ordinal * 7 + j * 3) % 58));
    bytes[0] = 0x61 + (ordinal % 26);
    chunkOf.set(val, bytes);
    valOf.set(Buffer.from(bytes).toString('latin1'), val);
  }
  const pad = new Uint8Array(padBytes).fill(PAD_BYTE);
  const chunk = (val: Val): Uint8Array => {
    const bytes = chunkOf.get(val);
    if (bytes === undefined) throw new Error(`no chunk for model value ${String(val)}`);
    return bytes;
  };
  return {
    padBytes,
    chunkBytes,
    chunk,
    encode(values) {
      const out = new Uint8Array(padBytes + values.length * chunkBytes);
      out.set(pad);
      values.forEach((val, i) => out.set(chunk(val), padBytes + i * chunkBytes));
      return out;
    },
    decodeChunk(bytes) {
      return valOf.get(Buffer.from(bytes).toString('latin1')) ?? `element ${Buffer.from(bytes.subarray(0, 8)).toString('hex')}... (${bytes.length} bytes) is no chunk`;
    },
    decode(bytes) {
      if (bytes.length < padBytes || (bytes.length - padBytes) % chunkBytes !== 0) return `length ${bytes.length} is not pad + whole chunks`;
      for (let i = 0; i < padBytes; i++) if (bytes[i] !== PAD_BYTE) return `pad byte ${i} is 0x${bytes[i]!.toString(16)}`;
      const out: Val[] = [];
      for (let at = padBytes; at < bytes.length; at += chunkBytes) {
        const val = valOf.get(Buffer.from(bytes.subarray(at, at + chunkBytes)).toString('latin1'));
        if (val === undefined) return `bytes ${at}..${at + chunkBytes - 1} are no chunk (${Buffer.from(bytes.subarray(at, at + 8)).toString('hex')}...)`;
        out.push(val);
      }
      return out;
    },
  };
}
