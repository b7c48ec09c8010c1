import { D, TURN_FREE, TURN_WALKER, TURN_WRITER } from './dump-state.ts';

/** D.writerWaiting: the writer wants the turn back (the worker must not take it) ... */
export const WRITER_WAITS_FOR_TURN = 1;
/** ... or the writer gave the turn up until the worker makes room (take it, and step until there is room). */
export const WRITER_WAITS_FOR_WALKER = 2;

/** Spins before sleeping: a dump worker's step is a few microseconds, a sleep and wake-up far more. */
const SPINS_BEFORE_SLEEP = 2000;
/** A dump worker that holds the turn this long has died or hung: the writer takes the turn back. */
export const WALKER_STALL_MS = 2000;

/**
 * The writer's side of the turn a dump worker and the command thread take in turns while a worker
 * dump runs: the writer holds it from its first command in a run of synchronous work until the
 * run ends (a microtask gives it back), so commands in a pipeline never wait between each other;
 * the worker takes it between such runs for one bounded DumpStep. With no worker dump, `needed` is
 * false and a command pays one property read.
 */
export class WriterTurn {
  needed = false;
  held = false;
  /** Runs each time the writer gets the turn (a traced worker dump hands over its events here). */
  onAcquire: (() => void) | null = null;
  private readonly leaveLater = (): void => this.leave();

  /** `onStall` runs when the worker held the turn past WALKER_STALL_MS; it must make the turn free. */
  constructor(private readonly i32: () => Int32Array, private readonly onStall: () => void) {}

  enter(): void {
    if (this.held || !this.needed) return;
    this.acquire();
    this.held = true;
    queueMicrotask(this.leaveLater);
  }

  leave(): void {
    if (!this.held) return;
    this.held = false;
    walkerLeaveTurn(this.i32()); // the same two steps free the turn whoever holds it
  }

  /**
   * Gives the turn to the worker until `done()` holds, then takes it back (the copy bound, a full
   * inbox). Returns false when the worker stalled and the dump was given up.
   */
  waitFor(done: () => boolean): boolean {
    const wasHeld = this.held;
    // The worker may take the turn now (it would not while the writer waits for the turn).
    Atomics.store(this.i32(), D.writerWaiting, WRITER_WAITS_FOR_WALKER);
    this.leave();
    let progressAt = Date.now();
    let progress = this.progress();
    let spins = 0;
    let stalled = false;
    while (!done()) {
      if (++spins < SPINS_BEFORE_SLEEP) continue;
      Atomics.wait(this.i32(), D.turn, TURN_WALKER, 1);
      const now = this.progress();
      if (now !== progress) {
        progress = now;
        progressAt = Date.now();
      } else if (Date.now() - progressAt > WALKER_STALL_MS) {
        stalled = true;
        break;
      }
    }
    Atomics.store(this.i32(), D.writerWaiting, 0);
    if (stalled) this.onStall();
    if (wasHeld) {
      this.acquire();
      this.held = true;
    }
    return !stalled;
  }

  /** Changes whenever the worker gets anything done (a key, a byte, a drained record). */
  private progress(): number {
    const i32 = this.i32();
    return (Atomics.load(i32, D.keysWritten) + Atomics.load(i32, D.bytesLow) + Atomics.load(i32, D.walkerSteps)) | 0;
  }

  private acquire(): void {
    const i32 = this.i32();
    Atomics.store(i32, D.writerWaiting, WRITER_WAITS_FOR_TURN);
    const started = Date.now();
    let spins = 0;
    while (Atomics.compareExchange(i32, D.turn, TURN_FREE, TURN_WRITER) !== TURN_FREE) {
      if (++spins > SPINS_BEFORE_SLEEP) {
        Atomics.wait(i32, D.turn, TURN_WALKER, 1);
        if (Date.now() - started > WALKER_STALL_MS) {
          this.onStall();
          Atomics.store(i32, D.turn, TURN_FREE);
        }
      }
    }
    Atomics.store(i32, D.writerWaiting, 0);
    this.onAcquire?.();
  }
}

/** The dump worker's side: takes the turn only when it is free and the writer is not waiting for it. */
export function walkerTryTurn(i32: Int32Array): boolean {
  if (Atomics.load(i32, D.writerWaiting) === WRITER_WAITS_FOR_TURN) return false;
  return Atomics.compareExchange(i32, D.turn, TURN_FREE, TURN_WALKER) === TURN_FREE;
}

/** Frees the turn and wakes whoever sleeps on it. */
export function walkerLeaveTurn(i32: Int32Array): void {
  Atomics.store(i32, D.turn, TURN_FREE);
  Atomics.notify(i32, D.turn);
}
