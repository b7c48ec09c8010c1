import { unlink } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { enabledEngineBugs } from '../bugs.ts';
import type { Engine } from '../engine.ts';
import { EngineError } from '../errors.ts';
import { applyReleases, RingInbox } from '../snapshot/dump-inbox.ts';
import { D } from '../snapshot/dump-state.ts';
import { DumpFailedError, type DumpFileResult } from '../snapshot/dump-file.ts';
import { RecordRing } from '../snapshot/record-ring.ts';
import { WalkTraceRing } from '../snapshot/walk-trace.ts';
import { tempPathFor } from '../../rdb/file.ts';
import type { DumpWorkerData, DumpWorkerToHost } from './messages.ts';

interface WorkerSlot {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  exitCode: number | null;
}

/** One worker booted ahead of the next dump (a worker thread takes a few hundred ms to load the code). */
let warm: WorkerSlot | null = null;
let keepWarm = false;

function spawnWorker(): WorkerSlot {
  const worker = new Worker(new URL('./bootstrap.mjs', import.meta.url), { workerData: { entry: new URL('./dump-worker.ts', import.meta.url).href } });
  // Idle, it must not keep the process alive; dumpOnWorker refs it while it dumps.
  worker.unref();
  const slot: WorkerSlot = { worker, ready: new Promise((resolve) => worker.once('message', () => resolve())), exitCode: null };
  worker.once('exit', (code) => {
    slot.exitCode = code;
    if (warm === slot) warm = null;
  });
  worker.on('error', () => undefined); // reported through 'exit' to the dump that owns it
  return slot;
}

function takeWorker(): WorkerSlot {
  const slot = warm ?? spawnWorker();
  warm = null;
  return slot;
}

/**
 * Keeps one dump worker started ahead of time from now on, so that a BGSAVE's first bytes do not wait
 * for a thread to load its code; resolves once it is up.
 */
export function prewarmDumpWorker(): Promise<void> {
  keepWarm = true;
  warm ??= spawnWorker();
  return warm.ready;
}

export interface WorkerDumpOptions {
  /** Blocks per DumpStep on the worker: the longest a command waits for the worker's turn. Default 64. */
  stepBlocks?: number;
  minChunkBytes?: number;
  compress?: boolean;
  /** Records the writer -> worker inbox holds before the writer waits for the worker. Default 65,536. */
  inboxRecords?: number;
  /** Test hooks (see DumpWorkerData). */
  crashAtStep?: number;
  failWriteAfterBytes?: number;
}

/** A running worker dump: `done` settles when the file is complete or the dump has failed and been cleaned up. */
export interface WorkerDump {
  readonly done: Promise<DumpFileResult>;
  /** Asks the worker to stop; `done` then rejects with DumpFailedError. */
  abort(): void;
}

/**
 * BGSAVE on a dump worker (docs/snapshot.md, "Dump worker"): DumpBegin here in O(1), then the walk and
 * the file on a worker thread sharing the buffer, in turns with this thread's commands. When the
 * worker fails or dies, whatever it held is freed here from the blocks' metadata and the writer's
 * record of what the dump took; its temporary file is removed and the previous file stays.
 */
export function dumpOnWorker(engine: Engine, targetPath: string, options: WorkerDumpOptions = {}): WorkerDump {
  const dumper = engine.dumper;
  if (dumper === null) throw new Error('this engine has no dumper');
  if (engine.dumping) throw new EngineError('ERR Background save already in progress');
  const startedMs = performance.now();
  // Named here, not in the worker: if the worker dies, this thread removes the file by that name.
  const tempPath = tempPathFor(targetPath);
  const ring = RecordRing.create(options.inboxRecords ?? 1 << 16);
  const controlSab = new SharedArrayBuffer(4);
  const control = new Int32Array(controlSab);
  const i32 = (): Int32Array => engine.store.arena.i32;
  // The inbox is full: let the worker run until it has read some of it.
  const inbox = new RingInbox(ring, () => dumper.turn.waitFor(() => ring.length < ring.capacity || Atomics.load(i32(), D.active) === 0));
  // A traced engine gets the walk's events in order: read from a ring each time the writer takes the turn.
  const traceRing = dumper.tracer !== null ? WalkTraceRing.create(1 << 16, 1 << 20) : null;
  const drainTrace = (): void => {
    if (traceRing !== null) traceRing.drain(dumper.tracer!);
  };
  dumper.turn.onAcquire = traceRing !== null ? drainTrace : null;
  const start = dumper.beginForWorker(() => ({ inbox, requestAbort: () => void Atomics.store(control, 0, 1) }), options.minChunkBytes ?? 256 * 1024, options.compress ?? true);
  const data: DumpWorkerData = {
    sab: engine.sharedBuffer, tempPath, ringSab: ring.sab, controlSab, trace: traceRing?.sabs ?? null, start, targetPath,
    stepBlocks: options.stepBlocks ?? 64,
    beganAtMs: performance.timeOrigin + performance.now(),
    engineBugs: enabledEngineBugs(),
    ...(options.crashAtStep !== undefined ? { crashAtStep: options.crashAtStep } : {}),
    ...(options.failWriteAfterBytes !== undefined ? { failWriteAfterBytes: options.failWriteAfterBytes } : {}),
  };
  const slot = takeWorker();
  const worker = slot.worker;
  worker.ref();
  worker.postMessage({ type: 'start', data });
  const done = new Promise<DumpFileResult>((resolve, reject) => {
    let finished = false;
    let crash: string | null = null;
    // Runs when the worker will touch the buffer no more: its last message, or its exit.
    const finish = (outcome: { ok: true; bytesWritten: number; firstByteMs: number } | { ok: false; message: string }): void => {
      if (finished) return;
      finished = true;
      if (keepWarm && warm === null) warm = spawnWorker();
      const counters = dumper.counters();
      drainTrace();
      dumper.turn.onAcquire = null;
      const left = dumper.recoverFromWorker();
      if (outcome.ok) {
        if (left.copies + left.heldBlocks + left.objects === 0) {
          resolve({ bytesWritten: outcome.bytesWritten, durationMs: performance.now() - startedMs, firstByteMs: outcome.firstByteMs, counters });
        } else {
          reject(new DumpFailedError(`dump to ${targetPath} completed but left ${left.copies} copies, ${left.heldBlocks} held blocks and ${left.objects} objects (freed now)`, null));
        }
        return;
      }
      unlink(tempPath).catch(() => undefined).finally(() => {
        reject(new DumpFailedError(`dump to ${targetPath} failed: ${outcome.message}`, null));
      });
    };
    worker.on('message', (message: DumpWorkerToHost) => {
      switch (message.type) {
        case 'release':
          engine.enterTurn();
          applyReleases(message.records, dumper);
          break;
        case 'done': finish({ ok: true, bytesWritten: message.bytesWritten, firstByteMs: message.firstByteMs }); break;
        case 'failed': finish({ ok: false, message: message.message }); break;
      }
    });
    worker.on('error', (error) => {
      crash = `dump worker crashed: ${error.message}`;
    });
    const onExit = (code: number): void => finish({ ok: false, message: crash ?? `dump worker exited with code ${code}` });
    if (slot.exitCode !== null) onExit(slot.exitCode);
    else worker.on('exit', onExit);
  });
  done.catch(() => undefined);
  return {
    done,
    // This dump's own control word: a later dump is never stopped by it.
    abort: () => Atomics.store(control, 0, 1),
  };
}
