import { H, META_BORN_EPOCH, META_COPY_LINK } from '../arena.ts';
import { engineBug } from '../bugs.ts';
import { assert } from '../errors.ts';
import { NULL_BLOCK, type BlockIndex, type BlockResolver } from '../ids.ts';
import type { BlockStore } from '../store.ts';
import { D, notePeak } from './dump-state.ts';

/**
 * A block the writer let go of while the dump still needs it carries this bit in its copyLink word
 * (the copy, if any, is in the other 31 bits): marking the block costs a word write where a JS Set
 * cost a hash insert and its growth (bench/dump-cow-cost.ts). Block indices stay below 2^31.
 */
const HELD_BIT = 0x8000_0000;
const COPY_MASK = 0x7fff_ffff;
const BORN = META_BORN_EPOCH >>> 2;
const LINK = META_COPY_LINK >>> 2;

/**
 * The per-block state of one dump, kept in the blocks' metadata: a block born before the epoch E
 * belongs to the snapshot until the dump passes it (bornEpoch := E); copyLink names the copy the dump
 * reads instead of a block the writer changed, and its top bit marks a block the writer let go of.
 * The counters live in the header (dump-state.ts). The writer's side makes copies and holds blocks;
 * the walk's side (which may be a dump worker) passes blocks and keeps the copy table (original ->
 * owner entry), which DirtyFirst needs and CopyBound bounds; it learns of each copy from the writer.
 */
export class SnapshotBlocks {
  epoch = 0;
  /** Walk side only: original -> owner entry of its copy as db * 2^32 + node, or -1 when unknown. */
  readonly copyOwners = new Map<BlockIndex, number>();
  /** The snapshot's version of a block: its copy if the writer changed it, else the block. */
  readonly resolve: BlockResolver;

  constructor(private readonly store: BlockStore) {
    assert(store.arena.blockCountMax <= COPY_MASK, 'the dump marks held blocks with the top bit of copyLink: at most 2^31 - 1 blocks');
    const arena = store.arena;
    this.resolve = (blockIndex) => {
      const meta = arena.metaByteOffset(blockIndex) >>> 2;
      const u32 = arena.u32;
      if (u32[meta + BORN]! >= this.epoch) return blockIndex;
      const link = u32[meta + LINK]! & COPY_MASK;
      return link === 0 ? blockIndex : (link as BlockIndex);
    };
  }

  /** Writer side, at DumpBegin: zeroes the dump's counters. */
  static resetCounters(i32: Int32Array): void {
    for (const word of [D.copiesHeld, D.heldBlocks, D.peakCopies, D.copiesMade, D.peakExtraBlocks, D.keysWritten, D.forcedSteps, D.bytesLow, D.bytesHigh, D.currentValue, D.abandoned]) Atomics.store(i32, word, 0);
  }

  begin(epoch: number): void {
    assert(this.copyOwners.size === 0, 'a new dump while copies remain');
    this.epoch = epoch;
  }

  unpassed(blockIndex: BlockIndex): boolean {
    const arena = this.store.arena;
    return arena.u32[(arena.metaByteOffset(blockIndex) >>> 2) + BORN]! < this.epoch;
  }

  /** Unpassed and not copied yet: the next write to it must copy it first. */
  needsCopy(blockIndex: BlockIndex): boolean {
    const arena = this.store.arena;
    const meta = arena.metaByteOffset(blockIndex) >>> 2;
    return arena.u32[meta + BORN]! < this.epoch && (arena.u32[meta + LINK]! & COPY_MASK) === 0;
  }

  /**
   * Writer side, spec WriteBlock's copy: one block, once per dump. The caller reserved the block and
   * tells the walk about the copy (it returns NULL_BLOCK when no copy is left for the walk to free).
   */
  copy(blockIndex: BlockIndex): BlockIndex {
    const arena = this.store.arena;
    const u32 = arena.u32;
    const i32 = arena.i32;
    const meta = arena.metaByteOffset(blockIndex) >>> 2;
    const copy = this.store.alloc.allocate();
    const forgetAccounting = engineBug('forget-copy-accounting');
    if (!forgetAccounting) this.store.alloc.recategorize('live', 'dumpCopy', 1);
    const from = arena.blockByteOffset(blockIndex);
    arena.u8.copyWithin(arena.blockByteOffset(copy), from, from + arena.blockSizeBytes);
    Atomics.add(i32, D.copiesMade, 1);
    if (engineBug('release-copy-early')) {
      // Seeded bug: the copy goes back at once, so the dump reads the block the writer changes.
      this.store.alloc.free(copy, 'dumpCopy');
      Atomics.add(i32, D.copiesHeld, 1);
      return copy;
    }
    u32[meta + LINK] = (u32[meta + LINK]! & HELD_BIT) | copy;
    if (forgetAccounting) return NULL_BLOCK;
    const held = Atomics.add(i32, D.copiesHeld, 1) + 1;
    notePeak(i32, D.peakCopies, held);
    notePeak(i32, D.peakExtraBlocks, held + Atomics.load(i32, D.heldBlocks));
    return copy;
  }

  /** Walk side: the copy of `original` the writer made, and the entry it belongs to. */
  noteCopy(original: BlockIndex, owner: number): void {
    this.copyOwners.set(original, owner);
  }

  /** Writer side: it let go of an unpassed block; the dump keeps it until it passes it. */
  hold(blockIndex: BlockIndex): void {
    const arena = this.store.arena;
    const linkWord = (arena.metaByteOffset(blockIndex) >>> 2) + LINK;
    assert((arena.u32[linkWord]! & HELD_BIT) === 0, `block ${blockIndex} released twice during the dump`);
    arena.u32[linkWord]! |= HELD_BIT;
    const held = Atomics.add(arena.i32, D.heldBlocks, 1) + 1;
    notePeak(arena.i32, D.peakExtraBlocks, held + Atomics.load(arena.i32, D.copiesHeld));
  }

  /** Walk side: the dump has read the block: its copy and, if the writer let go of it, the block itself are freed. */
  pass(blockIndex: BlockIndex): void {
    const arena = this.store.arena;
    const meta = arena.metaByteOffset(blockIndex) >>> 2;
    const u32 = arena.u32;
    if (u32[meta + BORN]! >= this.epoch) return;
    const link = u32[meta + LINK]!;
    if ((link & COPY_MASK) !== 0) this.freeCopyOf(blockIndex, meta);
    else if (this.copyOwners.delete(blockIndex)) Atomics.sub(arena.i32, D.copiesHeld, 1); // release-copy-early left no copy
    u32[meta + BORN] = this.epoch;
    if ((link & HELD_BIT) !== 0) {
      u32[meta + LINK] = 0;
      Atomics.sub(arena.i32, D.heldBlocks, 1);
      this.store.alloc.free(blockIndex, 'live');
    }
  }

  /** Walk side, at the end or an abort: every copy and every held block is freed. */
  releaseAll(): void {
    const arena = this.store.arena;
    for (const original of [...this.copyOwners.keys()]) this.freeCopyOf(original, arena.metaByteOffset(original) >>> 2);
    this.forEachHeldBlock((blockIndex, linkWord) => {
      arena.u32[linkWord] = 0;
      this.store.alloc.free(blockIndex, 'live');
    });
    Atomics.store(arena.i32, D.heldBlocks, 0);
  }

  /**
   * After a dump worker died: its copy table is gone, so every block's metadata is read to free the
   * copies and the held blocks it left (O(blocks), once per failure).
   */
  static releaseAllByScan(store: BlockStore): { copies: number; heldBlocks: number } {
    const arena = store.arena;
    const end = Atomics.load(arena.u32, H.nextUnusedBlock);
    let copies = 0;
    let heldBlocks = 0;
    for (let blockIndex = 1; blockIndex < end; blockIndex++) {
      const linkWord = (arena.metaByteOffset(blockIndex as BlockIndex) >>> 2) + LINK;
      const link = arena.u32[linkWord]!;
      if (link === 0) continue;
      arena.u32[linkWord] = 0;
      if ((link & COPY_MASK) !== 0) {
        store.alloc.free((link & COPY_MASK) as BlockIndex, 'dumpCopy');
        copies++;
      }
      if ((link & HELD_BIT) !== 0) {
        store.alloc.free(blockIndex as BlockIndex, 'live');
        heldBlocks++;
      }
    }
    Atomics.store(arena.i32, D.copiesHeld, 0);
    Atomics.store(arena.i32, D.heldBlocks, 0);
    return { copies, heldBlocks };
  }

  /** check(): every copy (by its original's link) and every held block, read from the metadata. */
  static forEachByScan(store: BlockStore, visit: { copy(copy: BlockIndex): void; block(blockIndex: BlockIndex): void }): void {
    const arena = store.arena;
    const end = Atomics.load(arena.u32, H.nextUnusedBlock);
    for (let blockIndex = 1; blockIndex < end; blockIndex++) {
      const link = arena.u32[(arena.metaByteOffset(blockIndex as BlockIndex) >>> 2) + LINK]!;
      if (link === 0) continue;
      if ((link & COPY_MASK) !== 0) visit.copy((link & COPY_MASK) as BlockIndex);
      if ((link & HELD_BIT) !== 0) visit.block(blockIndex as BlockIndex);
    }
  }

  /** O(blocks): only at an early end (abort); a completed dump has passed every held block. */
  forEachHeldBlock(visit: (blockIndex: BlockIndex, linkWord: number) => void): void {
    const arena = this.store.arena;
    let target = Atomics.load(arena.i32, D.heldBlocks);
    if (target === 0) return;
    const end = arena.u32[H.nextUnusedBlock]!;
    for (let blockIndex = 1; blockIndex < end && target > 0; blockIndex++) {
      const linkWord = (arena.metaByteOffset(blockIndex as BlockIndex) >>> 2) + LINK;
      if ((arena.u32[linkWord]! & HELD_BIT) !== 0) {
        target--;
        visit(blockIndex as BlockIndex, linkWord);
      }
    }
  }

  private freeCopyOf(original: BlockIndex, meta: number): void {
    const u32 = this.store.arena.u32;
    const copy = (u32[meta + LINK]! & COPY_MASK) as BlockIndex;
    u32[meta + LINK]! &= HELD_BIT;
    if (this.copyOwners.delete(original) || copy !== NULL_BLOCK) Atomics.sub(this.store.arena.i32, D.copiesHeld, 1);
    if (copy !== NULL_BLOCK) this.store.alloc.free(copy, 'dumpCopy');
  }
}
