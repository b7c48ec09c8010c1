import type { FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { parentPort } from 'node:worker_threads';
import { Arena, H } from '../arena.ts';
import { setEngineBugs } from '../bugs.ts';
import { Keyspace } from '../keyspace.ts';
import { drainInbox, ReleaseBatch } from '../snapshot/dump-inbox.ts';
import { D, TURN_WRITER } from '../snapshot/dump-state.ts';
import { walkerLeaveTurn, walkerTryTurn, WRITER_WAITS_FOR_TURN } from '../snapshot/dump-turn.ts';
import { DumpWalker } from '../snapshot/dump-walker.ts';
import { RecordRing } from '../snapshot/record-ring.ts';
import { WalkTraceRing } from '../snapshot/walk-trace.ts';
import { BlockStore } from '../store.ts';
import { saveRdbAtomically, writeFully } from '../../rdb/index.ts';
import type { DumpWorkerData, DumpWorkerToHost } from './messages.ts';

/**
 * The dump's walk on its own thread: it takes the turn between the writer's runs of commands, reads
 * one bounded DumpStep of the snapshot through the shared buffer, gives the turn back, and writes the
 * RDB bytes to a temporary file while the writer goes on (src/rdb/file.ts: fsync, then rename).
 * Everything the writer did since the last step arrives through the inbox ring first.
 */
// A worker may be started ahead of its dump (dump-thread.ts keeps one warm): the dump comes in a message.
parentPort!.postMessage({ type: 'ready' } satisfies DumpWorkerToHost);
const [start] = (await once(parentPort!, 'message')) as [{ type: 'start'; data: DumpWorkerData }];
const data = start.data;
const post = (message: DumpWorkerToHost): void => parentPort!.postMessage(message);
setEngineBugs(data.engineBugs);
const store = new BlockStore(Arena.attach(data.sab));
const ring = new RecordRing(data.ringSab);
const control = new Int32Array(data.controlSab);
const releases = new ReleaseBatch();
const walker = new DumpWalker(store, new Keyspace(store), releases, data.trace === null ? null : new WalkTraceRing(data.trace).tracer());
const pending: Uint8Array[] = [];
let steps = 0;
let firstByteMs = -1;

/** The writer gave up on this dump (it stalled), or another dump began: touch nothing more. */
function abandoned(): boolean {
  return Atomics.load(store.arena.i32, D.abandoned) !== 0 || Atomics.load(store.arena.u32, H.dumpEpoch) !== data.start.epoch;
}

/** Only a writer waiting for its turn stops a step early; one that handed the turn over waits for room. */
const writerWaits = (): boolean => Atomics.load(store.arena.i32, D.writerWaiting) === WRITER_WAITS_FOR_TURN;

/**
 * Runs `work` in the worker's turn, after everything the writer did since the last turn (the inbox),
 * then posts what the walk gave back. False when the turn was not to be had.
 */
function inTurn(work: () => void): boolean {
  const i32 = store.arena.i32;
  if (!walkerTryTurn(i32)) return false;
  try {
    store.arena.ensureViewsCover();
    drainInbox(ring, walker);
    Atomics.add(store.arena.i32, D.walkerSteps, 1);
    work();
  } finally {
    walkerLeaveTurn(store.arena.i32);
  }
  const batch = releases.take();
  if (batch.length > 0) post({ type: 'release', records: batch });
  return true;
}

/** One DumpStep in the worker's turn; false when the turn was not to be had yet. */
function stepInTurn(): boolean {
  return inTurn(() => {
    if (data.crashAtStep !== undefined && ++steps >= data.crashAtStep) process.exit(70); // simulated crash, turn held
    walker.dumpStep(data.stepBlocks, writerWaits);
  });
}

/**
 * The worker spins a little on the turn word, then sleeps until the writer gives the turn back (leave()
 * wakes it). It does not spin for long: the writer's gaps between runs of commands are shorter than a
 * wake-up, but a worker spinning through them takes a core from the writer and the lazy freer on a
 * small machine; under a saturating writer the copy bound hands it the turn instead.
 */
const SPINS_BEFORE_SLEEP = 2_000;

function waitForTurn(): void {
  const i32 = store.arena.i32;
  for (let spins = 0; spins < SPINS_BEFORE_SLEEP; spins++) if (Atomics.load(i32, D.turn) === 0 && Atomics.load(i32, D.writerWaiting) !== WRITER_WAITS_FOR_TURN) return;
  Atomics.wait(i32, D.turn, TURN_WRITER, 1);
}

/** An abort in the worker's own turn: copies and held blocks freed, taken objects given back. */
function abortInTurn(): void {
  while (!abandoned() && !inTurn(() => {
    if (!abandoned()) walker.abort(); // given up by the writer while this waited: it freed everything
  })) waitForTurn();
}

async function* chunks(): AsyncGenerator<Uint8Array> {
  try {
    walker.begin(data.start, (chunk) => pending.push(chunk));
    for (;;) {
      while (pending.length > 0) {
        if (firstByteMs < 0) firstByteMs = performance.timeOrigin + performance.now() - data.beganAtMs;
        yield pending.shift()!;
      }
      if (!walker.dumping) return;
      if (abandoned()) throw new Error('the writer gave this dump up (the worker stalled)');
      if (Atomics.load(control, 0) !== 0) throw new Error('dump aborted');
      if (!stepInTurn()) waitForTurn();
    }
  } finally {
    if (walker.dumping) abortInTurn();
  }
}

let written = 0;
const writeChunk = async (handle: FileHandle, bytes: Uint8Array): Promise<void> => {
  if (data.failWriteAfterBytes !== undefined && written + bytes.length > data.failWriteAfterBytes) {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }
  written += bytes.length;
  await writeFully(handle, bytes);
};

try {
  const saved = await saveRdbAtomically(data.targetPath, chunks(), { writeChunk, tempPath: data.tempPath });
  post({ type: 'done', bytesWritten: saved.bytesWritten, firstByteMs });
} catch (error) {
  post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}
