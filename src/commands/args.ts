import { CommandError } from '../server/index.ts';
import { parseDouble, parseInt64 } from '../engine/numbers.ts';

/**
 * Argument parsing with Redis's rules and error texts. Arguments are Buffers (views into the
 * received bytes); these helpers never keep them.
 */

export const Texts = {
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  syntax: 'ERR syntax error',
  minMaxNotFloat: 'ERR min or max is not a float',
  outOfRangePositive: 'ERR value is out of range, must be positive',
} as const;

/** A signed 64-bit integer as Redis's string2ll reads it, as a bigint. */
export function int64Arg(arg: Buffer, message: string = Texts.notInteger): bigint {
  const value = parseInt64(arg);
  if (value === null) throw new CommandError(message);
  return value;
}

/**
 * A 64-bit integer as a JavaScript number. Values beyond 2^53 are clamped to the safe range: every
 * use here (ranks, counts, offsets, times) treats such magnitudes like the nearest safe one, or the
 * engine rejects them with Redis's own error.
 */
export function integerArg(arg: Buffer, message: string = Texts.notInteger): number {
  const value = int64Arg(arg, message);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (value < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(value);
}

export function floatArg(arg: Buffer, message: string = Texts.notFloat): number {
  const value = parseDouble(arg);
  if (value === null) throw new CommandError(message);
  return value;
}

/** An option word, upper-cased (ASCII only) for matching: "nx" -> "NX". */
export function option(arg: Buffer | undefined): string {
  return arg === undefined ? '' : arg.toString('latin1').toUpperCase();
}

/** Pairs of arguments from `start` to the end: HSET's field/value, MSET's key/value. */
export function pairsFrom(argv: readonly Buffer[], start: number): [Buffer, Buffer][] {
  const pairs: [Buffer, Buffer][] = [];
  for (let i = start; i + 1 < argv.length; i += 2) pairs.push([argv[i] as Buffer, argv[i + 1] as Buffer]);
  return pairs;
}

/** A zset score bound: "1.5", "(1.5" (exclusive), "-inf", "+inf". */
export function scoreBoundArg(arg: Buffer): { value: number; exclusive: boolean } {
  const exclusive = arg[0] === 0x28; // '('
  const value = parseDouble(exclusive ? arg.subarray(1) : arg);
  if (value === null) throw new CommandError(Texts.minMaxNotFloat);
  return { value, exclusive };
}

/** Engine results are Uint8Arrays it owns (fresh copies); wrap without copying again. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
