import { DATABASE_COUNT, H } from '../arena.ts';
import { engineBug } from '../bugs.ts';
import type { Core } from '../core.ts';
import { compareKeyWithEntry, ENTRY_KEY_CHAIN_WORD } from '../entry.ts';
import { assert } from '../errors.ts';
import { NULL_BLOCK, type BlockIndex, type BlockResolver } from '../ids.ts';
import type { BlockStore, BlockWriteHooks } from '../store.ts';
import type { Tracer } from '../trace.ts';
import { concatBytes, RdbEncoder } from '../../rdb/encoder.ts';
import { SnapshotBlocks } from './snapshot-blocks.ts';
import { FINISHED_CURSOR, readKeyForDump, ValueCursor, writeSmallString, type DumpReadContext, type KeyCursor } from './value-cursor.ts';

/** What the dump hands back when it is done with detached objects (lazy free decides how to free them). */
export interface DetachedReleaser {
  /** A keyspace entry (node, key and value) the dump took from Unlink and has written. */
  releaseEntry(node: BlockIndex): void;
  /** A value, or a whole keyspace tree, the dump kept until it ended. */
  releaseValue(value: BlockIndex): void;
  releaseTree(root: BlockIndex): void;
}

export interface DumpOptions {
  /** Most copies the dump may hold (spec CopyBound). At the bound the writer runs a DumpStep itself. */
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

interface HeldEntry {
  db: number;
  node: BlockIndex;
  /** Taken whole from Unlink: after writing, the entry goes back to lazy free (not freed block by block). */
  whole: boolean;
}

const DEFAULT_COPY_BOUND = 4096;
/** Blocks a writer's forced DumpStep reads per round while it waits for a copy to be released. */
const FORCED_STEP_BLOCKS = 64;

/**
 * The fork-less copy-on-write dump (spec: CowDump.tla and Writer.tla's WriteBlock). DumpBegin bumps
 * the header's dumpEpoch E in O(1): every block born before E belongs to the snapshot until the dump
 * passes it (sets its bornEpoch to E). The writer copies a snapshot block before its first change
 * (copyLink), and hands blocks it lets go of to the dump instead of freeing them; the dump reads
 * through copies, frees what only it held as soon as it passes it, and writes dirty keys first.
 */
export class Dumper implements BlockWriteHooks {
  private core!: Core;
  private releaser!: DetachedReleaser;
  private active = false;
  private readonly copyBound: number;
  private readonly tracer: Tracer | null;
  /** Per-block marks: passed, copies, held blocks (spec DumpHeld), and the copy table. */
  private readonly blocks: SnapshotBlocks;
  private readonly heldEntries = new Map<BlockIndex, HeldEntry>();
  private readonly heldTrees: { db: number; root: BlockIndex; stack: BlockIndex[] | null }[] = [];
  /** Trees and values only released when the dump ends (they may share blocks with keys still to write). */
  private readonly releaseAtEnd: { kind: 'tree' | 'value'; block: BlockIndex }[] = [];
  private current: { db: number; node: BlockIndex; value: BlockIndex; cursor: KeyCursor; held: HeldEntry | null } | null = null;
  /** The key the live walk read for the node it picked (so startKey does not read it again). */
  private pickedKey: Uint8Array | null = null;
  private liveDb = 0;
  private liveLastKey: Uint8Array | null = null;
  private sizesAtBegin: number[] = [];
  private dbsStarted = new Set<number>();
  private selectedDb = -1;
  private encoder: RdbEncoder | null = null;
  private sink: ((chunk: Uint8Array) => void) | null = null;
  private stats = { keysWritten: 0, forcedSteps: 0 };
  private stepping = false;
  private minChunkBytes = 0;
  private pendingChunks: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Rank of the live walk's next key, valid only inside one DumpStep (no write can move ranks there). */
  private liveRank = -1;
  /** Only for the seeded bug lose-dump-place. */
  private liveNextRank = 0;
  readonly resolve: BlockResolver;
  private readonly readContext: DumpReadContext;

  constructor(private readonly store: BlockStore, options: DumpOptions = {}) {
    this.copyBound = options.copyBound ?? DEFAULT_COPY_BOUND;
    assert(this.copyBound >= 1, 'copyBound must be at least 1');
    this.tracer = options.tracer ?? null;
    // BlockStore keeps the hooks as plain functions.
    this.beforeBlockWrite = this.beforeBlockWrite.bind(this);
    this.releaseBlock = this.releaseBlock.bind(this);
    this.extraBlocksForWrites = this.extraBlocksForWrites.bind(this);
    this.blocks = new SnapshotBlocks(store);
    this.resolve = this.blocks.resolve;
    const dumper = this;
    this.readContext = {
      store,
      resolve: this.resolve,
      pass: (blockIndex) => dumper.blocks.pass(blockIndex),
      get encoder() { return dumper.encoder!; },
      emit: (chunk) => dumper.emit(chunk),
    };
  }

  /** Called once the Core exists (hooks are installed before it). */
  attach(core: Core, releaser: DetachedReleaser): void {
    this.core = core;
    this.releaser = releaser;
  }

  get dumping(): boolean {
    return this.active;
  }

  counters(): DumpCounters {
    return {
      dumping: this.active, epoch: this.blocks.epoch, copiesHeld: this.blocks.copyOwners.size, copyBound: this.copyBound, peakCopies: this.blocks.stats.peakCopies,
      copiesMade: this.blocks.stats.copiesMade, heldBlocks: this.blocks.heldCount, peakExtraBlocks: this.blocks.stats.peakExtraBlocks, keysWritten: this.stats.keysWritten,
      bytesEmitted: this.encoder?.bytesEmitted ?? 0, forcedSteps: this.stats.forcedSteps,
    };
  }

  // ---- spec: CowDump.tla DumpBegin -------------------------------------------------------------

  /** O(1) in the keys: bumps the epoch and writes the RDB header. Output goes to `sink` as it is made. */
  dumpBegin(sink: (chunk: Uint8Array) => void, minChunkBytes = 64 * 1024, compress = true): void {
    assert(!this.active, 'DumpBegin while a dump runs');
    const u32 = this.store.arena.u32;
    this.blocks.begin(Atomics.add(u32, H.dumpEpoch, 1) + 1);
    this.active = true;
    this.sink = sink;
    // The dump coalesces output itself (not the encoder) so that the header leaves at once.
    this.encoder = new RdbEncoder({ compress });
    this.minChunkBytes = minChunkBytes;
    this.pendingChunks = [];
    this.pendingBytes = 0;
    this.sizesAtBegin = [];
    for (let db = 0; db < DATABASE_COUNT; db++) this.sizesAtBegin.push(this.core.keyspace.size(db));
    this.dbsStarted = new Set();
    this.selectedDb = -1;
    this.liveDb = 0;
    this.liveLastKey = null;
    this.liveNextRank = 0;
    this.stats = { keysWritten: 0, forcedSteps: 0 };
    this.tracer?.({ action: 'DumpBegin', epoch: this.blocks.epoch });
    this.emit(this.encoder.header({ usedMemBytes: u32[H.liveBlocks]! * this.store.arena.blockSizeBytes }));
    this.flushOutput();
  }

  // ---- spec: CowDump.tla DumpStep / DumpEnd ----------------------------------------------------

  /** Reads about `budgetBlocks` blocks of the snapshot; ends the dump when nothing is left. Returns true while it runs. */
  dumpStep(budgetBlocks: number): boolean {
    assert(!this.stepping, 'DumpStep re-entered');
    this.stepping = true;
    this.liveRank = -1;
    try {
      let budget = budgetBlocks;
      while (this.active && budget > 0) {
        if (this.current !== null) {
          budget -= Math.max(1, this.current.cursor.advance(budget));
          if (this.current.cursor.done) this.finishKey();
          continue;
        }
        const next = this.pickNextKey();
        budget -= next.skipped;
        if (next.db < 0) {
          if (next.exhausted) this.dumpEnd();
          continue;
        }
        this.startKey(next.db, next.node, next.held);
        budget--;
      }
      return this.active;
    } finally {
      this.stepping = false;
    }
  }

  private dumpEnd(): void {
    assert(this.current === null && this.heldEntries.size === 0, 'DumpEnd with keys left');
    this.emit(this.encoder!.finish());
    this.flushOutput();
    this.tracer?.({ action: 'DumpEnd', keysWritten: this.stats.keysWritten });
    this.finishRelease();
  }

  /** Stops the dump (write error, worker crash, abort): copies and held blocks are freed, the dataset is untouched. */
  abort(): void {
    if (!this.active) return;
    this.current = null;
    for (const entry of this.heldEntries.values()) {
      // A whole entry never went through releaseBlock; a DEL'd one is held block by block.
      if (entry.whole) this.releaser.releaseEntry(entry.node);
    }
    this.heldEntries.clear();
    for (const tree of this.heldTrees) this.releaseAtEnd.push({ kind: 'tree', block: tree.root });
    this.heldTrees.length = 0;
    this.finishRelease();
  }

  private finishRelease(): void {
    this.active = false;
    this.blocks.releaseAll();
    const later = this.releaseAtEnd.splice(0);
    for (const item of later) {
      if (item.kind === 'tree') this.releaser.releaseTree(item.block);
      else this.releaser.releaseValue(item.block);
    }
    this.sink = null;
    this.encoder = null;
  }

  private emit(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.pendingChunks.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.minChunkBytes) this.flushOutput();
  }

  private flushOutput(): void {
    if (this.pendingChunks.length === 0) return;
    const out = this.pendingChunks.length === 1 ? this.pendingChunks[0]! : concatBytes(this.pendingChunks);
    this.pendingChunks = [];
    this.pendingBytes = 0;
    this.sink!(out);
  }

  // ---- choosing the next key: held (dirty) first, then dirty live keys, held trees, live trees ----

  private pickNextKey(): { db: number; node: BlockIndex; held: HeldEntry | null; skipped: number; exhausted: boolean } {
    for (const entry of this.heldEntries.values()) return { db: entry.db, node: entry.node, held: entry, skipped: 0, exhausted: false };
    for (const [original, owner] of this.blocks.copyOwners) {
      if (owner < 0) continue;
      const db = Math.floor(owner / 2 ** 32);
      const node = (owner % 2 ** 32) as BlockIndex;
      if (node !== NULL_BLOCK && this.blocks.unpassed(node) && !this.heldEntries.has(node) && this.isLiveNode(db, node)) {
        return { db, node, held: null, skipped: 0, exhausted: false };
      }
      this.blocks.copyOwners.set(original, -1); // a key already written (or none): the copy goes when its original is passed
    }
    let skipped = 0;
    while (this.heldTrees.length > 0) {
      const tree = this.heldTrees[0]!;
      if (tree.stack === null) {
        tree.stack = [];
        this.descendKeyspace(tree.stack, tree.root);
      }
      while (tree.stack.length > 0) {
        const node = tree.stack.pop()!;
        this.descendKeyspace(tree.stack, this.store.arena.u32[this.store.arena.blockWord(node) + 1]! as BlockIndex);
        skipped++;
        if (this.blocks.unpassed(node)) return { db: tree.db, node, held: null, skipped, exhausted: false };
        if (skipped > 256) return { db: -1, node: NULL_BLOCK, held: null, skipped, exhausted: false };
      }
      this.heldTrees.shift();
      this.releaseAtEnd.push({ kind: 'tree', block: tree.root });
    }
    const keyspace = this.core.keyspace;
    while (this.liveDb < DATABASE_COUNT) {
      // Seeded bug lose-dump-place: resume by the rank kept from the last step, which a delete before it shifts.
      const rank = this.liveRank >= 0 ? this.liveRank : this.liveLastKey === null ? 0 : engineBug('lose-dump-place') ? this.liveNextRank : keyspace.rankAfter(this.liveDb, this.liveLastKey);
      const node = rank < keyspace.size(this.liveDb) ? keyspace.select(this.liveDb, rank) : NULL_BLOCK;
      if (node === NULL_BLOCK) {
        this.liveDb++;
        this.liveLastKey = null;
        this.liveRank = -1;
        this.liveNextRank = 0;
        continue;
      }
      this.liveRank = rank + 1;
      this.liveNextRank = rank + 1;
      skipped++;
      this.liveLastKey = readKeyForDump(this.store, node, this.resolve);
      if (this.blocks.unpassed(node)) {
        this.pickedKey = this.liveLastKey;
        return { db: this.liveDb, node, held: null, skipped, exhausted: false };
      }
      if (skipped > 256) return { db: -1, node: NULL_BLOCK, held: null, skipped, exhausted: false };
    }
    return { db: -1, node: NULL_BLOCK, held: null, skipped, exhausted: true };
  }

  private descendKeyspace(stack: BlockIndex[], node: BlockIndex): void {
    const arena = this.store.arena;
    for (let depth = 0; node !== NULL_BLOCK; depth++) {
      assert(depth < 64, 'keyspace tree deeper than an AVL tree can be');
      stack.push(node);
      node = arena.u32[arena.blockWord(node)]! as BlockIndex; // left link: detached trees never change
    }
  }

  /** Live links only: a copy of a keyspace node has stale links (the keyspace tree is not hooked). */
  private isLiveNode(db: number, node: BlockIndex): boolean {
    if (this.heldTrees.length === 0 || db < 0) return db >= 0;
    const key = readKeyForDump(this.store, node, this.resolve);
    const keyspace = this.core.keyspace;
    return keyspace.tree.find(keyspace.root(db), (other) => compareKeyWithEntry(this.store, key, other)) === node;
  }

  private startKey(db: number, node: BlockIndex, held: HeldEntry | null): void {
    const arena = this.store.arena;
    const key = this.pickedKey ?? readKeyForDump(this.store, node, this.resolve);
    this.pickedKey = null;
    const value = arena.u32[arena.blockWord(this.resolve(node)) + 6]! as BlockIndex; // ENTRY_AUX_WORD: the value
    this.selectDb(db);
    let keyChain = arena.u32[arena.blockWord(this.resolve(node)) + ENTRY_KEY_CHAIN_WORD]! as BlockIndex;
    for (let steps = 0; keyChain !== NULL_BLOCK; steps++) {
      assert(steps <= arena.blockCount, 'key chain has a cycle');
      const next = arena.u32[arena.blockWord(this.resolve(keyChain))]! as BlockIndex;
      this.blocks.pass(keyChain);
      keyChain = next;
    }
    if (writeSmallString(this.readContext, db, key, value)) {
      this.current = { db, node, value, cursor: FINISHED_CURSOR, held };
      this.finishKey();
      return;
    }
    this.current = { db, node, value, cursor: FINISHED_CURSOR, held };
    this.current.cursor = new ValueCursor(this.readContext, db, key, value);
  }

  private finishKey(): void {
    const current = this.current!;
    this.current = null;
    this.heldEntries.delete(current.node);
    this.blocks.pass(current.node);
    this.stats.keysWritten++;
    this.tracer?.({ action: 'DumpStep', db: current.db, node: current.node });
    if (current.held?.whole) this.releaser.releaseEntry(current.node);
  }

  private selectDb(db: number): void {
    if (this.selectedDb === db) return;
    // A db may be selected again (a dirty key of another db); later sections give no size hint.
    const first = !this.dbsStarted.has(db);
    this.dbsStarted.add(db);
    this.selectedDb = db;
    this.emit(this.encoder!.selectDb(db, first ? this.sizesAtBegin[db]! : 0, 0));
  }

  // ---- write-path hooks (spec: Writer.tla WriteBlock, Set/Del's HeldByDump, LazyFree's Unlink) ----

  beforeBlockWrite(blockIndex: BlockIndex): void {
    if (!this.active || !this.blocks.needsCopy(blockIndex)) return;
    // spec: at CopyBound the write waits for a DumpStep; here the writer runs it.
    while (this.blocks.copyOwners.size >= this.copyBound && this.active && !this.stepping) {
      this.stats.forcedSteps++;
      this.dumpStep(FORCED_STEP_BLOCKS);
      if (!this.active || !this.blocks.needsCopy(blockIndex)) return;
    }
    const keyspace = this.core.keyspace;
    const copy = this.blocks.copy(blockIndex, keyspace.lastFoundDb < 0 ? -1 : keyspace.lastFoundDb * 2 ** 32 + keyspace.lastFoundNode);
    this.tracer?.({ action: 'WriteBlock', block: blockIndex, copy });
  }

  releaseBlock(blockIndex: BlockIndex): void {
    if (this.active && this.blocks.unpassed(blockIndex) && !engineBug('free-needed-block')) this.blocks.hold(blockIndex);
    else this.store.alloc.free(blockIndex, 'live');
  }

  extraBlocksForWrites(existingBlockWrites: number): number {
    return this.active ? existingBlockWrites : 0;
  }

  entryDetached(db: number, node: BlockIndex): void {
    if (!this.active) return;
    if (this.blocks.unpassed(node) && !this.heldEntries.has(node)) {
      const entry: HeldEntry = { db, node, whole: false };
      this.heldEntries.set(node, entry);
      if (this.current?.node === node) this.current.held = entry;
    }
  }

  treeDetached(db: number, root: BlockIndex): boolean {
    if (!this.active) return false;
    this.heldTrees.push({ db, root, stack: null });
    return true;
  }

  /** Unlink of an entry the dump still has to write: the dump takes all of it and gives it back after. */
  takeWholeEntry(node: BlockIndex): boolean {
    const entry = this.heldEntries.get(node);
    if (entry === undefined) return false;
    entry.whole = true;
    return true;
  }

  /** A detached value the dump may still read (it belongs to a key still to write): kept until the dump ends. */
  keepValueIfNeeded(value: BlockIndex): boolean {
    if (!this.active) return false;
    if (!this.blocks.unpassed(value) && this.current?.value !== value) return false;
    this.releaseAtEnd.push({ kind: 'value', block: value });
    return true;
  }

  // ---- for check() -------------------------------------------------------------------------------

  forEachHeld(visit: { block(b: BlockIndex): void; copy(b: BlockIndex): void; entry(node: BlockIndex): void; tree(root: BlockIndex): void; value(v: BlockIndex): void }): void {
    for (const original of this.blocks.copyOwners.keys()) visit.copy(this.blocks.copyOf(original));
    this.blocks.forEachHeldBlock((blockIndex) => visit.block(blockIndex));
    for (const entry of this.heldEntries.values()) if (entry.whole) visit.entry(entry.node);
    for (const tree of this.heldTrees) visit.tree(tree.root);
    for (const item of this.releaseAtEnd) (item.kind === 'tree' ? visit.tree : visit.value)(item.block);
  }
}
