/**
 * LZF, the byte-oriented LZ77 variant Redis uses for compressed RDB strings.
 *
 * Stream format: a control byte c.
 *   c < 32          literal run: the next c+1 bytes are copied as they are.
 *   c >= 32         back-reference: length l = c >> 5 (if l == 7, add the next byte), then one more
 *                   byte; the distance is ((c & 31) << 8) + that byte + 1; l + 2 bytes are copied
 *                   from that distance back in the output (the copy may overlap itself).
 */
import { RdbError } from './errors.ts';

const MAX_LITERAL_RUN = 32;
const MAX_DISTANCE = 8192;
const MAX_MATCH_BYTES = 264; // (7 + 255) + 2
const HASH_LOG = 14;

/**
 * The most output one input byte can produce: a 3-byte back-reference yields 264 bytes. The
 * decoder uses it to refuse absurd declared lengths before allocating.
 */
export const LZF_MAX_EXPANSION = 88;

/**
 * Decompress `input`, which must produce exactly `outputByteLength` bytes. Every read and write is
 * bounds-checked; any violation is an RdbError naming the offset (`baseOffset` + position).
 */
export function lzfDecompress(input: Uint8Array, outputByteLength: number, baseOffset = 0): Uint8Array {
  if (outputByteLength > input.length * LZF_MAX_EXPANSION) {
    throw new RdbError('bad-encoding', `LZF declares ${outputByteLength} bytes from only ${input.length} compressed bytes`, baseOffset);
  }
  const out = new Uint8Array(outputByteLength);
  const inLength = input.length;
  let ip = 0;
  let op = 0;
  while (ip < inLength) {
    const ctrl = input[ip++]!;
    if (ctrl < MAX_LITERAL_RUN) {
      const run = ctrl + 1;
      if (ip + run > inLength) throw corrupt('literal run past end of input', baseOffset + ip);
      if (op + run > outputByteLength) throw corrupt('literal run past declared length', baseOffset + ip);
      out.set(input.subarray(ip, ip + run), op);
      ip += run;
      op += run;
      continue;
    }
    let length = ctrl >>> 5;
    if (length === 7) {
      if (ip >= inLength) throw corrupt('back-reference length past end of input', baseOffset + ip);
      length += input[ip++]!;
    }
    if (ip >= inLength) throw corrupt('back-reference distance past end of input', baseOffset + ip);
    const ref = op - ((ctrl & 0x1f) << 8) - input[ip++]! - 1;
    if (ref < 0) throw corrupt('back-reference before start of output', baseOffset + ip);
    length += 2;
    if (op + length > outputByteLength) throw corrupt('back-reference past declared length', baseOffset + ip);
    if (ref + length <= op) {
      out.copyWithin(op, ref, ref + length);
      op += length;
    } else {
      // Overlapping copy repeats a pattern, so it must go byte by byte.
      for (let k = 0; k < length; k++) out[op++] = out[ref + k]!;
    }
  }
  if (op !== outputByteLength) {
    throw corrupt(`decompressed to ${op} bytes, expected ${outputByteLength}`, baseOffset + ip);
  }
  return out;
}

function corrupt(what: string, byteOffset: number): RdbError {
  return new RdbError('bad-encoding', `LZF data corrupt: ${what}`, byteOffset);
}

/**
 * One hash table shared by all calls (compression is synchronous, so calls never overlap). A slot
 * is valid only if stamped with the current call's epoch, which saves clearing 64 KiB per string.
 */
const tablePosition = new Int32Array(1 << HASH_LOG);
const tableEpoch = new Uint32Array(1 << HASH_LOG);
let epoch = 0;

function hashAt(input: Uint8Array, i: number): number {
  const v = (input[i]! << 16) | (input[i + 1]! << 8) | input[i + 2]!;
  return (Math.imul(v, 0x9e3779b1) >>> (32 - HASH_LOG)) & ((1 << HASH_LOG) - 1);
}

/**
 * Compress with a single-probe hash table (like liblzf's fast mode). Returns null when the output
 * would exceed `maxOutputByteLength`, which is how callers say "only if it actually saves bytes".
 */
export function lzfCompress(input: Uint8Array, maxOutputByteLength: number = input.length + Math.ceil(input.length / 32) + 1): Uint8Array | null {
  const n = input.length;
  const out = new Uint8Array(Math.max(0, maxOutputByteLength));
  epoch = (epoch + 1) >>> 0;
  if (epoch === 0) {
    tableEpoch.fill(0);
    epoch = 1;
  }
  const currentEpoch = epoch;
  let ip = 0;
  let op = 0;
  let literalCount = 0;
  let literalCtrlAt = -1;

  while (ip < n) {
    if (ip + 2 < n) {
      const h = hashAt(input, ip);
      const ref = tableEpoch[h] === currentEpoch ? tablePosition[h]! : -1;
      tablePosition[h] = ip;
      tableEpoch[h] = currentEpoch;
      const distance = ip - ref - 1;
      if (ref >= 0 && distance < MAX_DISTANCE && input[ref] === input[ip] && input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
        const maxLength = Math.min(MAX_MATCH_BYTES, n - ip);
        let length = 3;
        while (length < maxLength && input[ref + length] === input[ip + length]) length++;
        const coded = length - 2;
        const need = coded < 7 ? 2 : 3;
        if (op + need > out.length) return null;
        if (coded < 7) {
          out[op++] = (coded << 5) | (distance >>> 8);
        } else {
          out[op++] = (7 << 5) | (distance >>> 8);
          out[op++] = coded - 7;
        }
        out[op++] = distance & 0xff;
        literalCount = 0;
        for (let k = ip + 1; k < ip + length && k + 2 < n; k++) {
          const hk = hashAt(input, k);
          tablePosition[hk] = k;
          tableEpoch[hk] = currentEpoch;
        }
        ip += length;
        continue;
      }
    }
    if (literalCount === 0) {
      if (op >= out.length) return null;
      literalCtrlAt = op++;
    }
    if (op >= out.length) return null;
    out[op++] = input[ip++]!;
    literalCount++;
    out[literalCtrlAt] = literalCount - 1;
    if (literalCount === MAX_LITERAL_RUN) literalCount = 0;
  }
  return out.slice(0, op);
}
