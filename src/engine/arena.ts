import { assert, LayoutError, OutOfMemoryError } from './errors.ts';
import type { BlockIndex, ByteOffset } from './ids.ts';

/**
 * The arena: one growable SharedArrayBuffer = a 512-byte header, then groups of 64 blocks.
 * Each group starts with a metadata table (8 bytes per block: bornEpoch u32, copyLink u32) followed
 * by the 64 blocks. Keeping metadata beside, not inside, the blocks leaves the whole block for data
 * (a 100-byte string value fits in two 64-byte blocks) while a group still grows as one unit.
 * docs/layout.md describes every field byte by byte.
 */
export const ARENA_MAGIC = 0x52424153; // 'SABR' little-endian
export const LAYOUT_VERSION = 2; // 2: header words 64..79 hold the expiry index roots
export const HEADER_BYTES = 512;
export const BLOCKS_PER_GROUP = 64;
const GROUP_SHIFT = 6;
const GROUP_MASK = BLOCKS_PER_GROUP - 1;
export const META_BYTES_PER_BLOCK = 8;
export const DATABASE_COUNT = 16;
export const DEFAULT_BLOCK_SIZE_BYTES = 64;

/** Word (u32) positions of header fields. */
export const H = {
  magic: 0,
  layoutVersion: 1,
  blockSizeBytes: 2,
  blocksPerGroup: 3,
  blockCount: 4, // block slots present in the buffer, including the null slot 0
  blockCountMax: 5,
  nextUnusedBlock: 6, // blocks at or above this index were never handed out
  freeHead: 7, // Treiber stack of freed blocks
  freeBlocks: 8, // free list length + never-used blocks
  liveBlocks: 9,
  lazyQueuedBlocks: 10,
  dumpCopyBlocks: 11,
  dumpEpoch: 12,
  headerBytes: 13,
  groupBytes: 14,
  databaseCount: 15,
  dbRoots: 16, // 16 words: keyspace tree root per database
  dumpState: 32, // 16 words: the dump's state (src/engine/snapshot/dump-state.ts)
  lazyFreeState: 48, // 16 words: the lazy-free queue (src/engine/lazyfree/queue.ts)
  expiresRoots: 64, // 16 words: root of the expiry index (keys with a TTL) per database
  // 80..127 unused: kept 0 for a later structure
} as const;

// Layout facts, checked once at load: block offsets stay 8-aligned (f64 scores, Atomics on u32).
assert(HEADER_BYTES % 8 === 0, 'header must keep blocks 8-aligned');
assert(BLOCKS_PER_GROUP === 1 << GROUP_SHIFT, 'group shift and size disagree');
assert((BLOCKS_PER_GROUP * META_BYTES_PER_BLOCK) % 8 === 0, 'metadata table must keep blocks 8-aligned');
assert(Object.values(H).every((word) => word * 4 < HEADER_BYTES), 'a header field lies outside the header');
assert(H.dbRoots + DATABASE_COUNT <= H.dumpState, 'database roots overlap the dump state');
assert(H.lazyFreeState + 16 <= H.expiresRoots, 'expiry roots overlap the lazy-free state');
assert((H.expiresRoots + DATABASE_COUNT) * 4 <= HEADER_BYTES, 'expiry roots lie outside the header');

/** Byte offsets of the per-block metadata record. */
export const META_BORN_EPOCH = 0;
export const META_COPY_LINK = 4;

/** ES2024 growable SharedArrayBuffer (Node 20 has it; the project's lib setting is ES2023). */
type GrowableSharedArrayBuffer = SharedArrayBuffer & { grow(byteLength: number): void; readonly maxByteLength: number };
const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as new (
  byteLength: number,
  options: { maxByteLength: number },
) => GrowableSharedArrayBuffer;

/**
 * Growth step as a fraction of the current block count. Growth within maxByteLength only commits
 * reserved pages (no copy), so small steps are cheap and keep the free slack of the buffer low.
 */
export const DEFAULT_GROWTH_FACTOR = 0.125;

export interface ArenaOptions {
  blockSizeBytes?: number;
  initialBlocks?: number;
  maxBlocks?: number;
  /** Fraction the block count grows by when blocks run out (at least what is needed). */
  growthFactor?: number;
}

function groupBytesFor(blockSizeBytes: number): number {
  return BLOCKS_PER_GROUP * (META_BYTES_PER_BLOCK + blockSizeBytes);
}

function bytesForBlocks(blockCount: number, groupBytes: number): number {
  return HEADER_BYTES + Math.ceil(blockCount / BLOCKS_PER_GROUP) * groupBytes;
}

export class Arena {
  readonly sab: SharedArrayBuffer;
  readonly blockSizeBytes: number;
  readonly blockWords: number;
  readonly groupBytes: number;
  readonly blockCountMax: number;
  readonly growthFactor: number;
  u32!: Uint32Array;
  i32!: Int32Array;
  u8!: Uint8Array;
  f64!: Float64Array;

  private constructor(sab: SharedArrayBuffer, growthFactor: number) {
    this.sab = sab;
    this.growthFactor = growthFactor;
    this.refreshViews();
    this.blockSizeBytes = this.u32[H.blockSizeBytes]!;
    this.blockWords = this.blockSizeBytes >>> 2;
    this.groupBytes = this.u32[H.groupBytes]!;
    this.blockCountMax = this.u32[H.blockCountMax]!;
  }

  static create(options: ArenaOptions = {}): Arena {
    const blockSizeBytes = options.blockSizeBytes ?? DEFAULT_BLOCK_SIZE_BYTES;
    if (blockSizeBytes % 8 !== 0 || blockSizeBytes < 64 || blockSizeBytes > 65536) {
      throw new LayoutError(`block size must be a multiple of 8 between 64 and 65536, got ${blockSizeBytes}`);
    }
    const groupBytes = groupBytesFor(blockSizeBytes);
    const maxBlocks = roundUpToGroup(Math.max(options.maxBlocks ?? 1 << 20, BLOCKS_PER_GROUP));
    const initialBlocks = Math.min(roundUpToGroup(Math.max(options.initialBlocks ?? 1024, BLOCKS_PER_GROUP)), maxBlocks);
    if (maxBlocks > 0xffff_ffff) throw new LayoutError('block count must fit in 32 bits');
    const sab = new GrowableSharedArrayBuffer(bytesForBlocks(initialBlocks, groupBytes), {
      maxByteLength: bytesForBlocks(maxBlocks, groupBytes),
    });
    const u32 = new Uint32Array(sab, 0, HEADER_BYTES / 4);
    u32[H.magic] = ARENA_MAGIC;
    u32[H.layoutVersion] = LAYOUT_VERSION;
    u32[H.blockSizeBytes] = blockSizeBytes;
    u32[H.blocksPerGroup] = BLOCKS_PER_GROUP;
    u32[H.blockCount] = initialBlocks;
    u32[H.blockCountMax] = maxBlocks;
    u32[H.nextUnusedBlock] = 1;
    u32[H.freeHead] = 0;
    u32[H.freeBlocks] = initialBlocks - 1;
    u32[H.headerBytes] = HEADER_BYTES;
    u32[H.groupBytes] = groupBytes;
    u32[H.databaseCount] = DATABASE_COUNT;
    return new Arena(sab, options.growthFactor ?? DEFAULT_GROWTH_FACTOR);
  }

  /** Opens a buffer written by this layout version (another thread, or after a logic restart). */
  static attach(sab: SharedArrayBuffer, growthFactor = DEFAULT_GROWTH_FACTOR): Arena {
    if (sab.byteLength < HEADER_BYTES) throw new LayoutError('buffer is smaller than the arena header');
    const u32 = new Uint32Array(sab, 0, HEADER_BYTES / 4);
    if (u32[H.magic] !== ARENA_MAGIC) throw new LayoutError('buffer does not start with the Sabre magic');
    if (u32[H.layoutVersion] !== LAYOUT_VERSION) {
      throw new LayoutError(`layout version ${u32[H.layoutVersion]} is not ${LAYOUT_VERSION}`);
    }
    return new Arena(sab, growthFactor);
  }

  /** The only place typed views are made: after growth every view must cover the new length. */
  refreshViews(): void {
    this.u32 = new Uint32Array(this.sab, 0, this.sab.byteLength >>> 2);
    this.i32 = new Int32Array(this.sab, 0, this.sab.byteLength >>> 2);
    this.u8 = new Uint8Array(this.sab, 0, this.sab.byteLength);
    this.f64 = new Float64Array(this.sab, 0, this.sab.byteLength >>> 3);
  }

  /** Views made by another thread before a growth are too short: re-create them when that happens. */
  ensureViewsCover(): void {
    if (this.u8.length !== this.sab.byteLength) this.refreshViews();
  }

  get blockCount(): number {
    return Atomics.load(this.u32, H.blockCount);
  }

  blockByteOffset(blockIndex: BlockIndex): ByteOffset {
    return (HEADER_BYTES +
      (blockIndex >>> GROUP_SHIFT) * this.groupBytes +
      BLOCKS_PER_GROUP * META_BYTES_PER_BLOCK +
      (blockIndex & GROUP_MASK) * this.blockSizeBytes) as ByteOffset;
  }

  /** Word index of the block's first u32 (block offsets are 8-aligned). */
  blockWord(blockIndex: BlockIndex): number {
    return this.blockByteOffset(blockIndex) >>> 2;
  }

  metaByteOffset(blockIndex: BlockIndex): ByteOffset {
    return (HEADER_BYTES +
      (blockIndex >>> GROUP_SHIFT) * this.groupBytes +
      (blockIndex & GROUP_MASK) * META_BYTES_PER_BLOCK) as ByteOffset;
  }

  bornEpoch(blockIndex: BlockIndex): number {
    return this.u32[(this.metaByteOffset(blockIndex) + META_BORN_EPOCH) >>> 2]!;
  }

  copyLink(blockIndex: BlockIndex): number {
    return this.u32[(this.metaByteOffset(blockIndex) + META_COPY_LINK) >>> 2]!;
  }

  /**
   * Adds groups so that at least `blocksNeeded` more blocks exist. Only the command thread grows.
   * Throws OutOfMemoryError when the maximum would be exceeded.
   */
  grow(blocksNeeded: number): void {
    const current = this.blockCount;
    const wanted = current + blocksNeeded;
    if (wanted > this.blockCountMax) throw new OutOfMemoryError();
    const target = Math.min(this.blockCountMax, roundUpToGroup(Math.max(wanted, Math.ceil(current * (1 + this.growthFactor)))));
    assert(target >= wanted, 'growth target below need');
    (this.sab as GrowableSharedArrayBuffer).grow(bytesForBlocks(target, this.groupBytes));
    this.refreshViews();
    Atomics.store(this.u32, H.blockCount, target);
    Atomics.add(this.u32, H.freeBlocks, target - current);
  }
}

function roundUpToGroup(blocks: number): number {
  return Math.ceil(blocks / BLOCKS_PER_GROUP) * BLOCKS_PER_GROUP;
}
