import { H, META_BORN_EPOCH, META_COPY_LINK } from '../arena.ts';
import { engineBug } from '../bugs.ts';
import { assert } from '../errors.ts';
import { NULL_BLOCK, type BlockIndex, type BlockResolver } from '../ids.ts';
import type { BlockStore } from '../store.ts';

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
 * The copy table (original -> owner entry) is what DirtyFirst needs and what CopyBound bounds.
 */
export class SnapshotBlocks {
  epoch = 0;
  heldCount = 0;
  /** original -> owner entry of its copy as db * 2^32 + node (no object per copy), or -1 when unknown. */
  readonly copyOwners = new Map<BlockIndex, number>();
  readonly stats = { peakCopies: 0, copiesMade: 0, peakExtraBlocks: 0 };
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

  begin(epoch: number): void {
    assert(this.copyOwners.size === 0 && this.heldCount === 0, 'a new dump while copies or held blocks remain');
    this.epoch = epoch;
    this.stats.peakCopies = 0;
    this.stats.copiesMade = 0;
    this.stats.peakExtraBlocks = 0;
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

  /** spec WriteBlock's copy: one block, once per dump. The caller reserved the block. */
  copy(blockIndex: BlockIndex, owner: number): BlockIndex {
    const arena = this.store.arena;
    const u32 = arena.u32;
    const meta = arena.metaByteOffset(blockIndex) >>> 2;
    const copy = this.store.alloc.allocate();
    const forgetAccounting = engineBug('forget-copy-accounting');
    if (!forgetAccounting) this.store.alloc.recategorize('live', 'dumpCopy', 1);
    const from = arena.blockByteOffset(blockIndex);
    arena.u8.copyWithin(arena.blockByteOffset(copy), from, from + arena.blockSizeBytes);
    if (engineBug('release-copy-early')) {
      // Seeded bug: the copy goes back at once, so the dump reads the block the writer changes.
      this.store.alloc.free(copy, 'dumpCopy');
      this.copyOwners.set(blockIndex, owner);
      return copy;
    }
    u32[meta + LINK] = (u32[meta + LINK]! & HELD_BIT) | copy;
    if (!forgetAccounting) this.copyOwners.set(blockIndex, owner);
    this.stats.copiesMade++;
    if (this.copyOwners.size > this.stats.peakCopies) this.stats.peakCopies = this.copyOwners.size;
    this.notePeak();
    return copy;
  }

  /** The writer let go of an unpassed block: the dump keeps it until it passes it. */
  hold(blockIndex: BlockIndex): void {
    const arena = this.store.arena;
    const linkWord = (arena.metaByteOffset(blockIndex) >>> 2) + LINK;
    assert((arena.u32[linkWord]! & HELD_BIT) === 0, `block ${blockIndex} released twice during the dump`);
    arena.u32[linkWord]! |= HELD_BIT;
    this.heldCount++;
    this.notePeak();
  }

  /** The dump has read the block: its copy and, if the writer let go of it, the block itself are freed. */
  pass(blockIndex: BlockIndex): void {
    const arena = this.store.arena;
    const meta = arena.metaByteOffset(blockIndex) >>> 2;
    const u32 = arena.u32;
    if (u32[meta + BORN]! >= this.epoch) return;
    const link = u32[meta + LINK]!;
    if ((link & COPY_MASK) !== 0) this.freeCopyOf(blockIndex, meta);
    u32[meta + BORN] = this.epoch;
    if ((link & HELD_BIT) !== 0) {
      u32[meta + LINK] = 0;
      this.heldCount--;
      this.store.alloc.free(blockIndex, 'live');
    }
  }

  /** End or abort: every copy and every held block is freed. */
  releaseAll(): void {
    const arena = this.store.arena;
    for (const original of [...this.copyOwners.keys()]) this.freeCopyOf(original, arena.metaByteOffset(original) >>> 2);
    this.forEachHeldBlock((blockIndex, linkWord) => {
      arena.u32[linkWord] = 0;
      this.store.alloc.free(blockIndex, 'live');
    });
    this.heldCount = 0;
  }

  copyOf(original: BlockIndex): BlockIndex {
    const arena = this.store.arena;
    return (arena.u32[(arena.metaByteOffset(original) >>> 2) + LINK]! & COPY_MASK) as BlockIndex;
  }

  /** O(blocks): only at an early end (abort) and in check(); a completed dump has passed every held block. */
  forEachHeldBlock(visit: (blockIndex: BlockIndex, linkWord: number) => void): void {
    if (this.heldCount === 0) return;
    const arena = this.store.arena;
    const end = arena.u32[H.nextUnusedBlock]!;
    let found = 0;
    const target = this.heldCount;
    for (let blockIndex = 1; blockIndex < end && found < target; blockIndex++) {
      const linkWord = (arena.metaByteOffset(blockIndex as BlockIndex) >>> 2) + LINK;
      if ((arena.u32[linkWord]! & HELD_BIT) !== 0) {
        found++;
        visit(blockIndex as BlockIndex, linkWord);
      }
    }
  }

  private freeCopyOf(original: BlockIndex, meta: number): void {
    const u32 = this.store.arena.u32;
    const copy = (u32[meta + LINK]! & COPY_MASK) as BlockIndex;
    u32[meta + LINK]! &= HELD_BIT;
    this.copyOwners.delete(original);
    if (copy !== NULL_BLOCK) this.store.alloc.free(copy, 'dumpCopy');
  }

  private notePeak(): void {
    const extra = this.copyOwners.size + this.heldCount;
    if (extra > this.stats.peakExtraBlocks) this.stats.peakExtraBlocks = extra;
  }
}
