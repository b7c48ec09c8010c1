import { DATABASE_COUNT } from '../arena.ts';
import { engineBug } from '../bugs.ts';
import { compareKeyWithEntry, ENTRY_KEY_CHAIN_WORD } from '../entry.ts';
import { assert } from '../errors.ts';
import { NULL_BLOCK, type BlockIndex, type BlockResolver } from '../ids.ts';
import type { Keyspace } from '../keyspace.ts';
import type { BlockStore } from '../store.ts';
import type { Tracer } from '../trace.ts';
import { concatBytes, RdbEncoder } from '../../rdb/encoder.ts';
import { addBytesEmitted, D } from './dump-state.ts';
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

/** What the writer tells the walk, in order (directly inline, through a ring to a dump worker). */
export interface DumpInbox {
  /** A copy of `original` was made for a write to the entry `ownerNode` of `ownerDb` (-1: not known). */
  copied(original: BlockIndex, ownerDb: number, ownerNode: BlockIndex): void;
  /** An entry the dump has not written left its tree (DEL, RENAME, expiry, UNLINK). */
  entryDetached(db: number, node: BlockIndex): void;
  /** That entry was unlinked: the dump takes it whole and gives it back to lazy free after writing it. */
  entryTakenWhole(node: BlockIndex): void;
  /** FLUSHALL/FLUSHDB ASYNC detached a whole database: the dump keeps the tree until it ends. */
  treeDetached(db: number, root: BlockIndex): void;
  /** A detached value the dump may still read: kept until the dump ends. */
  valueKept(value: BlockIndex): void;
}

export interface WalkBegin {
  epoch: number;
  /** Keys per database at DumpBegin (the RDB's size hints). */
  sizesAtBegin: readonly number[];
  usedMemBytes: number;
  minChunkBytes: number;
  compress: boolean;
}

interface HeldEntry {
  db: number;
  node: BlockIndex;
  /** Taken whole from Unlink: after writing, the entry goes back to lazy free (not freed block by block). */
  whole: boolean;
}

/**
 * The walk of the fork-less copy-on-write dump (spec: CowDump.tla DumpStep and DumpEnd): it writes
 * held (deleted) keys first, then keys the writer dirtied (DirtyFirst), then detached databases, then
 * the live keyspace in key order, reading every block through the snapshot resolver and passing it.
 * It runs inline on the command thread or on a dump worker; either way it runs only in its turn, so
 * it never sees the writer's structures half changed.
 */
export class DumpWalker implements DumpInbox {
  readonly blocks: SnapshotBlocks;
  readonly resolve: BlockResolver;
  private running = false;
  private readonly heldEntries = new Map<BlockIndex, HeldEntry>();
  private readonly heldTrees: { db: number; root: BlockIndex; stack: BlockIndex[] | null }[] = [];
  /** Trees and values only released when the dump ends (they may share blocks with keys still to write). */
  private readonly releaseAtEnd: { kind: 'tree' | 'value'; block: BlockIndex }[] = [];
  private current: { db: number; node: BlockIndex; key: Uint8Array; value: BlockIndex; cursor: KeyCursor; held: HeldEntry | null } | null = null;
  /** The key the live walk read for the node it picked (so startKey does not read it again). */
  private pickedKey: Uint8Array | null = null;
  private liveDb = 0;
  private liveLastKey: Uint8Array | null = null;
  /** Rank of the live walk's next key, valid only inside one DumpStep (no write can move ranks there). */
  private liveRank = -1;
  /** Only for the seeded bug lose-dump-place. */
  private liveNextRank = 0;
  private sizesAtBegin: readonly number[] = [];
  private dbsStarted = new Set<number>();
  private selectedDb = -1;
  private encoder: RdbEncoder | null = null;
  private sink: ((chunk: Uint8Array) => void) | null = null;
  private stepping = false;
  private minChunkBytes = 0;
  private pendingChunks: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly readContext: DumpReadContext;

  constructor(private readonly store: BlockStore, private readonly keyspace: Keyspace, private readonly releaser: DetachedReleaser, private readonly tracer: Tracer | null = null) {
    this.blocks = new SnapshotBlocks(store);
    this.resolve = this.blocks.resolve;
    const walker = this;
    this.readContext = {
      store,
      resolve: this.resolve,
      pass: (blockIndex) => walker.blocks.pass(blockIndex),
      get encoder() { return walker.encoder!; },
      emit: (chunk) => walker.emit(chunk),
    };
  }

  get dumping(): boolean {
    return this.running;
  }

  get isStepping(): boolean {
    return this.stepping;
  }

  /** The entry whose value the walk is writing (tests map it to the spec's DumpStep key). */
  get currentNode(): BlockIndex | null {
    return this.current?.node ?? null;
  }

  // ---- spec: CowDump.tla DumpBegin (the walk's half; the writer's half bumped the epoch) ----------

  begin(start: WalkBegin, sink: (chunk: Uint8Array) => void): void {
    assert(!this.running, 'DumpBegin while a dump runs');
    this.blocks.begin(start.epoch);
    this.running = true;
    this.sink = sink;
    // The dump coalesces output itself (not the encoder) so that the header leaves at once.
    this.encoder = new RdbEncoder({ compress: start.compress });
    this.minChunkBytes = start.minChunkBytes;
    this.pendingChunks = [];
    this.pendingBytes = 0;
    this.sizesAtBegin = start.sizesAtBegin;
    this.dbsStarted = new Set();
    this.selectedDb = -1;
    this.liveDb = 0;
    this.liveLastKey = null;
    this.liveNextRank = 0;
    this.tracer?.({ action: 'DumpBegin', epoch: start.epoch });
    this.emit(this.encoder.header({ usedMemBytes: start.usedMemBytes }));
    this.flushOutput();
  }

  // ---- spec: CowDump.tla DumpStep / DumpEnd ----------------------------------------------------

  /**
   * Reads about `budgetBlocks` blocks of the snapshot; ends the dump when nothing is left. Returns true
   * while it runs. `yieldWhen` is asked between keys (and between parts of a big one): a dump worker
   * stops its step early when the writer waits for the turn, so a command waits for one key at most.
   */
  dumpStep(budgetBlocks: number, yieldWhen: (() => boolean) | null = null): boolean {
    assert(!this.stepping, 'DumpStep re-entered');
    this.stepping = true;
    this.liveRank = -1;
    try {
      let budget = budgetBlocks;
      while (this.running && budget > 0) {
        if (yieldWhen !== null && budget < budgetBlocks && yieldWhen()) break;
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
      return this.running;
    } finally {
      this.stepping = false;
    }
  }

  private dumpEnd(): void {
    assert(this.current === null && this.heldEntries.size === 0, 'DumpEnd with keys left');
    this.emit(this.encoder!.finish());
    this.flushOutput();
    this.tracer?.({ action: 'DumpEnd', keysWritten: Atomics.load(this.store.arena.i32, D.keysWritten) });
    this.finishRelease();
  }

  /** Stops the dump (write error, abort): copies and held blocks are freed, the dataset is untouched. */
  abort(): void {
    if (!this.running) return;
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
    this.running = false;
    const i32 = this.store.arena.i32;
    Atomics.store(i32, D.currentValue, 0);
    Atomics.store(i32, D.active, 0);
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
    addBytesEmitted(this.store.arena.i32, chunk.length);
    this.pendingChunks.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.minChunkBytes) this.flushOutput();
  }

  /** Hands everything made so far to the sink (a worker does it before giving the turn back). */
  flushOutput(): void {
    if (this.pendingChunks.length === 0) return;
    const out = this.pendingChunks.length === 1 ? this.pendingChunks[0]! : concatBytes(this.pendingChunks);
    this.pendingChunks = [];
    this.pendingBytes = 0;
    this.sink!(out);
  }

  // ---- DumpInbox: what the writer did ------------------------------------------------------------

  copied(original: BlockIndex, ownerDb: number, ownerNode: BlockIndex): void {
    this.blocks.noteCopy(original, ownerDb < 0 ? -1 : ownerDb * 2 ** 32 + ownerNode);
  }

  entryDetached(db: number, node: BlockIndex): void {
    if (!this.running || this.heldEntries.has(node)) return;
    const entry: HeldEntry = { db, node, whole: false };
    this.heldEntries.set(node, entry);
    if (this.current?.node === node) this.current.held = entry;
  }

  entryTakenWhole(node: BlockIndex): void {
    const entry = this.heldEntries.get(node);
    assert(entry !== undefined, `entry ${node} taken whole but never detached`);
    entry.whole = true;
  }

  treeDetached(db: number, root: BlockIndex): void {
    this.heldTrees.push({ db, root, stack: null });
  }

  valueKept(value: BlockIndex): void {
    this.releaseAtEnd.push({ kind: 'value', block: value });
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
    const keyspace = this.keyspace;
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
    const keyspace = this.keyspace;
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
      this.current = { db, node, key, value, cursor: FINISHED_CURSOR, held };
      this.finishKey();
      return;
    }
    this.current = { db, node, key, value, cursor: FINISHED_CURSOR, held };
    Atomics.store(arena.i32, D.currentValue, value);
    this.current.cursor = new ValueCursor(this.readContext, db, key, value);
  }

  private finishKey(): void {
    const current = this.current!;
    this.current = null;
    Atomics.store(this.store.arena.i32, D.currentValue, 0);
    this.heldEntries.delete(current.node);
    this.blocks.pass(current.node);
    Atomics.add(this.store.arena.i32, D.keysWritten, 1);
    this.tracer?.({ action: 'DumpStep', db: current.db, key: current.key, node: current.node });
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
}
