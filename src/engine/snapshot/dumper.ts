import { DATABASE_COUNT, H } from '../arena.ts';
import { engineBug } from '../bugs.ts';
import type { Core } from '../core.ts';
import { assert } from '../errors.ts';
import { NULL_BLOCK, type BlockIndex } from '../ids.ts';
import type { BlockStore, BlockWriteHooks } from '../store.ts';
import type { Tracer } from '../trace.ts';
import { bytesEmitted, D } from './dump-state.ts';
import { WriterTurn } from './dump-turn.ts';
import { DumpWalker, type DetachedReleaser, type DumpInbox, type WalkBegin } from './dump-walker.ts';
import { SnapshotBlocks } from './snapshot-blocks.ts';

export type { DetachedReleaser } from './dump-walker.ts';

export interface DumpOptions {
  /** Most copies the dump may hold (spec CopyBound). At the bound the writer lets the walk run first. */
  copyBound?: number;
  tracer?: Tracer | null;
}

export interface DumpCounters {
  dumping: boolean;
  epoch: number;
  copiesHeld: number;
  copyBound: number;
  peakCopies: number;
  copiesMade: number;
  heldBlocks: number;
  /** Most blocks held at once (copies + blocks the writer let go of): the dump's extra memory. */
  peakExtraBlocks: number;
  keysWritten: number;
  bytesEmitted: number;
  forcedSteps: number;
}

/** How a worker dump's walk is reached from the writer (src/engine/workers/dump-thread.ts). */
export interface WorkerWalk {
  readonly inbox: DumpInbox;
  /** Asks the worker to stop; its dump then fails and everything it held is given back. */
  requestAbort(): void;
}

const DEFAULT_COPY_BOUND = 4096;
/** Blocks a writer's forced DumpStep reads per round while it waits for a copy to be released. */
const FORCED_STEP_BLOCKS = 64;

/**
 * The writer's half of the fork-less copy-on-write dump (spec: Writer.tla WriteBlock, Set/Del's
 * HeldByDump, LazyFree's Unlink, CowDump.tla DumpBegin). DumpBegin bumps the header's dumpEpoch E in
 * O(1): every block born before E belongs to the snapshot until the walk passes it. The write hooks
 * copy a snapshot block before its first change and hold blocks the writer lets go of, and tell the
 * walk (src/engine/snapshot/dump-walker.ts) what they did; the walk runs inline here or on a dump
 * worker. Objects the dump took whole are remembered here too, so a dump worker that dies leaves
 * nothing behind (recoverFromWorker).
 */
export class Dumper implements BlockWriteHooks, DetachedReleaser {
  private core!: Core;
  private lazyFree!: DetachedReleaser;
  private readonly copyBound: number;
  /** The engine's tracer: a worker dump's DumpBegin/DumpStep/DumpEnd events are handed to it too. */
  readonly tracer: Tracer | null;
  /** The writer's view of the snapshot marks: needsCopy, copy, hold. */
  private readonly blocks: SnapshotBlocks;
  /** True from DumpBegin until this side saw the dump end (the walk also clears D.active). */
  private started = false;
  private inbox: DumpInbox | null = null;
  /** The inline walk, or null (no dump, or a worker dump). */
  private walker: DumpWalker | null = null;
  private workerWalk: WorkerWalk | null = null;
  /** Objects the dump took whole and has not given back: entries, trees, values (released on recovery). */
  private readonly taken = { entries: new Set<BlockIndex>(), trees: new Set<BlockIndex>(), values: new Set<BlockIndex>() };
  readonly turn: WriterTurn;
  /** Blocks copied since the last writer event (only while tracing): the event carries them. */
  private tracedCopies: number[] = [];

  constructor(private readonly store: BlockStore, options: DumpOptions = {}) {
    this.copyBound = options.copyBound ?? DEFAULT_COPY_BOUND;
    assert(this.copyBound >= 1, 'copyBound must be at least 1');
    this.tracer = options.tracer ?? null;
    // BlockStore keeps the hooks as plain functions.
    this.beforeBlockWrite = this.beforeBlockWrite.bind(this);
    this.releaseBlock = this.releaseBlock.bind(this);
    this.extraBlocksForWrites = this.extraBlocksForWrites.bind(this);
    this.blocks = new SnapshotBlocks(store);
    this.turn = new WriterTurn(() => store.arena.i32, () => this.abandonWorker());
  }

  /** Called once the Core exists (hooks are installed before it). */
  attach(core: Core, lazyFree: DetachedReleaser): void {
    this.core = core;
    this.lazyFree = lazyFree;
  }

  /** While a dump runs, and for a worker dump until its file is complete and everything was given back. */
  get dumping(): boolean {
    return this.active || this.workerWalk !== null;
  }

  /** The snapshot is still being read (the spec's `dumping`); a worker dump may then still be finishing its file. */
  get snapshotActive(): boolean {
    return this.active;
  }

  private get active(): boolean {
    return this.started && Atomics.load(this.store.arena.i32, D.active) === 1;
  }

  /** The inline walk (tests read its position); null for a worker dump. */
  get inlineWalk(): DumpWalker | null {
    return this.walker;
  }

  counters(): DumpCounters {
    const i32 = this.store.arena.i32;
    return {
      dumping: this.dumping, epoch: this.blocks.epoch, copiesHeld: Atomics.load(i32, D.copiesHeld), copyBound: this.copyBound, peakCopies: Atomics.load(i32, D.peakCopies),
      copiesMade: Atomics.load(i32, D.copiesMade), heldBlocks: Atomics.load(i32, D.heldBlocks), peakExtraBlocks: Atomics.load(i32, D.peakExtraBlocks), keysWritten: Atomics.load(i32, D.keysWritten),
      bytesEmitted: bytesEmitted(i32), forcedSteps: Atomics.load(i32, D.forcedSteps),
    };
  }

  // ---- spec: CowDump.tla DumpBegin -------------------------------------------------------------

  /** O(1) in the keys: bumps the epoch; the walk writes the RDB header. Output goes to `sink` as it is made. */
  dumpBegin(sink: (chunk: Uint8Array) => void, minChunkBytes = 64 * 1024, compress = true): void {
    const start = this.beginShared(minChunkBytes, compress);
    this.walker = new DumpWalker(this.store, this.core.keyspace, this, this.tracer);
    this.inbox = this.walker;
    this.walker.begin(start, sink);
  }

  /** A worker dump's DumpBegin: the same O(1) start; the worker's walk learns of writes through `walk.inbox`. */
  beginForWorker(walk: (start: WalkBegin) => WorkerWalk, minChunkBytes: number, compress: boolean): WalkBegin {
    const start = this.beginShared(minChunkBytes, compress);
    this.workerWalk = walk(start);
    this.inbox = this.workerWalk.inbox;
    this.turn.needed = true;
    this.tracer?.({ action: 'DumpBegin', epoch: start.epoch });
    return start;
  }

  private beginShared(minChunkBytes: number, compress: boolean): WalkBegin {
    assert(!this.dumping, 'DumpBegin while a dump runs');
    const arena = this.store.arena;
    const i32 = arena.i32;
    SnapshotBlocks.resetCounters(i32);
    Atomics.store(i32, D.copyBound, this.copyBound);
    const epoch = Atomics.add(arena.u32, H.dumpEpoch, 1) + 1;
    this.blocks.begin(epoch);
    const sizesAtBegin: number[] = [];
    for (let db = 0; db < DATABASE_COUNT; db++) sizesAtBegin.push(this.core.keyspace.size(db));
    Atomics.store(i32, D.active, 1);
    this.started = true;
    return { epoch, sizesAtBegin, usedMemBytes: Atomics.load(arena.u32, H.liveBlocks) * arena.blockSizeBytes, minChunkBytes, compress };
  }

  // ---- spec: CowDump.tla DumpStep / DumpEnd, inline --------------------------------------------

  /** Reads about `budgetBlocks` blocks of the snapshot; ends the dump when nothing is left. Returns true while it runs. */
  dumpStep(budgetBlocks: number): boolean {
    const walker = this.walker;
    assert(walker !== null, 'DumpStep without an inline dump');
    const running = walker.dumpStep(budgetBlocks);
    if (!running) this.inlineEnded();
    return running;
  }

  /**
   * Stops the dump (write error, abort): copies and held blocks are freed, the dataset is untouched.
   * A worker dump is asked to stop; it ends asynchronously (its `done` rejects).
   */
  abort(): void {
    this.workerWalk?.requestAbort();
    if (this.walker === null) return;
    this.walker.abort();
    this.inlineEnded();
  }

  private inlineEnded(): void {
    this.walker = null;
    this.inbox = null;
    this.started = false;
  }

  // ---- a worker dump's end ---------------------------------------------------------------------

  /** The worker finished (file complete or failed after its own abort) and its releases were applied. */
  workerEnded(): void {
    this.recoverFromWorker();
  }

  /**
   * The worker is gone: whatever it did not give back is freed here. Copies and held blocks are found
   * in the blocks' metadata, taken objects in `taken`. Idempotent; runs with the writer's turn free of
   * the worker (it died, stalled and was abandoned, or ended).
   */
  recoverFromWorker(): { copies: number; heldBlocks: number; objects: number } {
    if (this.workerWalk === null) return { copies: 0, heldBlocks: 0, objects: 0 };
    const i32 = this.store.arena.i32;
    Atomics.store(i32, D.abandoned, 1);
    Atomics.store(i32, D.active, 0);
    Atomics.store(i32, D.currentValue, 0);
    this.started = false;
    this.workerWalk = null;
    this.inbox = null;
    this.turn.needed = false;
    const freed = SnapshotBlocks.releaseAllByScan(this.store);
    let objects = 0;
    for (const node of [...this.taken.entries]) objects += this.giveBack(this.taken.entries, node, () => this.lazyFree.releaseEntry(node));
    for (const root of [...this.taken.trees]) objects += this.giveBack(this.taken.trees, root, () => this.lazyFree.releaseTree(root));
    for (const value of [...this.taken.values]) objects += this.giveBack(this.taken.values, value, () => this.lazyFree.releaseValue(value));
    if (this.turn.held) this.turn.leave();
    else Atomics.store(i32, D.turn, 0);
    return { ...freed, objects };
  }

  /** The worker held the turn (or made no progress) past the stall limit: give the dump up. */
  private abandonWorker(): void {
    Atomics.store(this.store.arena.i32, D.abandoned, 1);
    this.recoverFromWorker();
  }

  // ---- DetachedReleaser: the walk gives back what it took (inline, or a worker's posted batch) ----

  releaseEntry(node: BlockIndex): void {
    this.giveBack(this.taken.entries, node, () => this.lazyFree.releaseEntry(node));
  }

  releaseValue(value: BlockIndex): void {
    this.giveBack(this.taken.values, value, () => this.lazyFree.releaseValue(value));
  }

  releaseTree(root: BlockIndex): void {
    this.giveBack(this.taken.trees, root, () => this.lazyFree.releaseTree(root));
  }

  /** Only what is still taken: a late batch from a worker that was already recovered from is ignored. */
  private giveBack(set: Set<BlockIndex>, block: BlockIndex, release: () => void): number {
    if (!set.delete(block)) return 0;
    release();
    return 1;
  }

  // ---- write-path hooks (spec: Writer.tla WriteBlock, Set/Del's HeldByDump, LazyFree's Unlink) ----

  beforeBlockWrite(blockIndex: BlockIndex): void {
    if (!this.active || !this.blocks.needsCopy(blockIndex)) return;
    // spec: at CopyBound the write waits for a DumpStep: inline the writer runs it, else the worker does.
    const i32 = this.store.arena.i32;
    while (Atomics.load(i32, D.copiesHeld) >= this.copyBound && this.active) {
      if (this.walker !== null) {
        if (this.walker.isStepping) break;
        Atomics.add(i32, D.forcedSteps, 1);
        this.dumpStep(FORCED_STEP_BLOCKS);
      } else {
        Atomics.add(i32, D.forcedSteps, 1);
        // Down to half the bound, not just below it: one longer wait instead of one per write.
        this.turn.waitFor(() => Atomics.load(i32, D.copiesHeld) <= this.copyBound >>> 1 || Atomics.load(i32, D.active) === 0);
      }
      if (!this.active || !this.blocks.needsCopy(blockIndex)) return;
    }
    const copy = this.blocks.copy(blockIndex);
    const keyspace = this.core.keyspace;
    if (copy !== NULL_BLOCK) this.inbox!.copied(blockIndex, keyspace.lastFoundDb, keyspace.lastFoundNode);
    if (this.tracer !== null) this.tracedCopies.push(blockIndex);
  }

  releaseBlock(blockIndex: BlockIndex): void {
    if (this.active && this.blocks.unpassed(blockIndex) && !engineBug('free-needed-block')) this.blocks.hold(blockIndex);
    else this.store.alloc.free(blockIndex, 'live');
  }

  extraBlocksForWrites(existingBlockWrites: number): number {
    return this.active ? existingBlockWrites : 0;
  }

  entryDetached(db: number, node: BlockIndex): void {
    if (this.active && this.blocks.unpassed(node)) this.inbox!.entryDetached(db, node);
  }

  treeDetached(db: number, root: BlockIndex): boolean {
    if (!this.active) return false;
    this.taken.trees.add(root);
    this.inbox!.treeDetached(db, root);
    return true;
  }

  /** Unlink of an entry the dump still has to write: the dump takes all of it and gives it back after. */
  takeWholeEntry(node: BlockIndex): boolean {
    if (!this.active || !this.blocks.unpassed(node)) return false;
    this.taken.entries.add(node);
    this.inbox!.entryTakenWhole(node);
    return true;
  }

  /** A detached value the dump may still read (it belongs to a key still to write): kept until the dump ends. */
  keepValueIfNeeded(value: BlockIndex): boolean {
    if (!this.active) return false;
    if (!this.blocks.unpassed(value) && Atomics.load(this.store.arena.i32, D.currentValue) !== value) return false;
    this.taken.values.add(value);
    this.inbox!.valueKept(value);
    return true;
  }

  /** The copies since the last writer event, for that event (Core.traceWrite). */
  takeTracedCopies(): readonly number[] {
    const taken = this.tracedCopies;
    if (taken.length > 0) this.tracedCopies = [];
    return taken;
  }

  // ---- for check() -------------------------------------------------------------------------------

  /** Read from the blocks' metadata and `taken`, so it holds for a worker dump too (call it in the writer's turn). */
  forEachHeld(visit: { block(b: BlockIndex): void; copy(b: BlockIndex): void; entry(node: BlockIndex): void; tree(root: BlockIndex): void; value(v: BlockIndex): void }): void {
    SnapshotBlocks.forEachByScan(this.store, visit);
    for (const node of this.taken.entries) visit.entry(node);
    for (const root of this.taken.trees) visit.tree(root);
    for (const value of this.taken.values) visit.value(value);
  }
}
