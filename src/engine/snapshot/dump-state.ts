import { H } from '../arena.ts';

/**
 * The dump's words in the arena header (H.dumpState, 16 words). The writer and a dump worker both
 * read and change them, always with Atomics, so either side's view of a running dump is one load.
 */
export const D = {
  /** 1 from DumpBegin until the dump has ended or been aborted: while 1, writes copy snapshot blocks. */
  active: H.dumpState,
  copiesHeld: H.dumpState + 1,
  heldBlocks: H.dumpState + 2,
  peakCopies: H.dumpState + 3,
  copiesMade: H.dumpState + 4,
  peakExtraBlocks: H.dumpState + 5,
  keysWritten: H.dumpState + 6,
  forcedSteps: H.dumpState + 7,
  /** RDB bytes made so far, in two words (a file may pass 4 GiB). */
  bytesLow: H.dumpState + 8,
  bytesHigh: H.dumpState + 9,
  /** The value of the key the walk is writing (0 between keys): the writer must not free it yet. */
  currentValue: H.dumpState + 10,
  /** Who may touch the dataset: TURN_FREE, TURN_WRITER or TURN_WALKER (a dump worker's step). */
  turn: H.dumpState + 11,
  /** 1 while the writer waits for the turn: a dump worker does not take it again until the writer had it. */
  writerWaiting: H.dumpState + 12,
  copyBound: H.dumpState + 13,
  /** 1 when the writer gave up on a dump worker that stopped answering: the worker must touch nothing more. */
  abandoned: H.dumpState + 14,
  /** Bumped by a dump worker at every turn it takes: the writer tells a slow worker from a dead one. */
  walkerSteps: H.dumpState + 15,
} as const;

export const TURN_FREE = 0;
export const TURN_WRITER = 1;
export const TURN_WALKER = 2;

export function addBytesEmitted(i32: Int32Array, bytes: number): void {
  const low = (Atomics.load(i32, D.bytesLow) >>> 0) + bytes;
  Atomics.store(i32, D.bytesLow, low % 2 ** 32);
  if (low >= 2 ** 32) Atomics.add(i32, D.bytesHigh, Math.floor(low / 2 ** 32));
}

export function bytesEmitted(i32: Int32Array): number {
  return (Atomics.load(i32, D.bytesHigh) >>> 0) * 2 ** 32 + (Atomics.load(i32, D.bytesLow) >>> 0);
}

/** Raises a peak word to `value` if it is higher (only one side raises a given peak). */
export function notePeak(i32: Int32Array, word: number, value: number): void {
  if (value > Atomics.load(i32, word)) Atomics.store(i32, word, value);
}
