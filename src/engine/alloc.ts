import { Arena, H, META_BORN_EPOCH, META_COPY_LINK } from './arena.ts';
import { assert, OutOfMemoryError } from './errors.ts';
import { NULL_BLOCK, type BlockIndex } from './ids.ts';

/** Where a block comes from when it returns to the free list; each has its own counter. */
export type BlockCategory = 'live' | 'lazyQueued' | 'dumpCopy';

const CATEGORY_WORD: Record<BlockCategory, number> = {
  live: H.liveBlocks,
  lazyQueued: H.lazyQueuedBlocks,
  dumpCopy: H.dumpCopyBlocks,
};

/**
 * Block allocator. Free blocks form a LIFO Treiber stack whose head is `freeHead` in the header and
 * whose links are word 0 of each free block. Exactly one thread pops (the one executing commands);
 * any thread may push. Pops are a CAS too, so a push racing a pop is never lost. ABA cannot happen:
 * a block on the stack can only leave it through the single popper, so between the popper reading
 * `head -> next` and its CAS, `head` can change only by pushes, which make the CAS fail and retry.
 *
 * Blocks above `nextUnusedBlock` were never handed out and are taken by bumping it, so growing the
 * buffer does not have to touch every new block.
 */
export class Allocator {
  private reservedForCommand = 0;
  /**
   * Installed by lazy free: frees queued blocks until `blocksWanted` are free (or nothing is queued)
   * and returns how many are free. Growth comes only after it, so a producer that unlinks in a loop
   * reuses its own garbage instead of growing the buffer (seed 004; spec NoFalseOOM).
   */
  reclaim: ((blocksWanted: number) => number) | null = null;
  /** Told when an allocation fails for good (spec AllocFail), for the tracer. */
  onAllocFail: ((blocksWanted: number) => void) | null = null;

  constructor(private readonly arena: Arena) {}

  get freeBlocks(): number {
    return Atomics.load(this.arena.u32, H.freeBlocks);
  }

  /**
   * Makes sure `blockCount` blocks can be allocated without failing, growing the buffer if needed.
   * Commands call this before mutating anything, so a command either completes or changes nothing.
   * Pushes from other threads only add blocks, so the guarantee holds until the command ends.
   */
  ensureFree(blockCount: number): void {
    let free = this.freeBlocks;
    if (free < blockCount && this.reclaim !== null) free = this.reclaim(blockCount);
    if (free < blockCount) {
      try {
        this.arena.grow(blockCount - free);
      } catch (error) {
        this.onAllocFail?.(blockCount);
        throw error;
      }
    }
    this.reservedForCommand = blockCount;
  }

  /** Ends the command's reservation; allocations beyond it are a programming error. */
  endCommand(): void {
    this.reservedForCommand = 0;
  }

  /** O(1). Only the command thread calls this. */
  allocate(): BlockIndex {
    const arena = this.arena;
    const u32 = arena.u32;
    assert(this.reservedForCommand > 0, 'allocation without ensureFree for the command');
    this.reservedForCommand--;
    let blockIndex: BlockIndex;
    let recycled = false;
    for (;;) {
      const head = Atomics.load(u32, H.freeHead) as BlockIndex;
      if (head === NULL_BLOCK) {
        const next = u32[H.nextUnusedBlock]!;
        if (next >= u32[H.blockCount]!) throw new OutOfMemoryError(); // ensureFree makes this unreachable
        u32[H.nextUnusedBlock] = next + 1;
        blockIndex = next as BlockIndex;
        break;
      }
      const next = u32[arena.blockWord(head)]!;
      if (Atomics.compareExchange(u32, H.freeHead, head, next) === head) {
        blockIndex = head;
        recycled = true;
        break;
      }
    }
    Atomics.sub(u32, H.freeBlocks, 1);
    Atomics.add(u32, H.liveBlocks, 1);
    // A never-used block is still zero from the buffer's growth; a recycled one holds old bytes.
    const word = arena.blockWord(blockIndex);
    if (recycled) u32.fill(0, word, word + arena.blockWords);
    const meta = arena.metaByteOffset(blockIndex) >>> 2;
    u32[meta + (META_BORN_EPOCH >>> 2)] = Atomics.load(u32, H.dumpEpoch);
    if (recycled) u32[meta + (META_COPY_LINK >>> 2)] = 0;
    return blockIndex;
  }

  /** O(1) expected. Safe from any thread. */
  free(blockIndex: BlockIndex, from: BlockCategory = 'live'): void {
    const arena = this.arena;
    const u32 = arena.u32;
    assert(blockIndex !== NULL_BLOCK && blockIndex < arena.blockCount, `free of invalid block ${blockIndex}`);
    const word = arena.blockWord(blockIndex);
    for (;;) {
      const head = Atomics.load(u32, H.freeHead);
      u32[word] = head;
      if (Atomics.compareExchange(u32, H.freeHead, head, blockIndex) === head) break;
    }
    Atomics.sub(u32, CATEGORY_WORD[from], 1);
    Atomics.add(u32, H.freeBlocks, 1);
  }

  /** Moves a counted block between categories (e.g. live -> queued for lazy free). */
  recategorize(from: BlockCategory, to: BlockCategory, blockCount: number): void {
    Atomics.sub(this.arena.u32, CATEGORY_WORD[from], blockCount);
    Atomics.add(this.arena.u32, CATEGORY_WORD[to], blockCount);
  }
}
