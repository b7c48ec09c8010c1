import { Allocator } from './alloc.ts';
import { Arena, type ArenaOptions } from './arena.ts';
import type { BlockIndex } from './ids.ts';

/**
 * The write-path hooks the copy-on-write dump installs (`src/engine/snapshot/dumper.ts`). Installed once at
 * construction; with no dump they cost one monomorphic call.
 */
export interface BlockWriteHooks {
  /** Called before the bytes of an EXISTING block change (not for blocks allocated in this command). */
  beforeBlockWrite(blockIndex: BlockIndex): void;
  /** Called instead of freeing a block that belonged to a value or a keyspace entry. */
  releaseBlock(blockIndex: BlockIndex): void;
  /** Extra blocks a command must be able to allocate when it may write `existingBlockWrites` old blocks. */
  extraBlocksForWrites(existingBlockWrites: number): number;
  /** Called when a keyspace entry leaves its tree (DEL, UNLINK, RENAME, expiry); the dump keeps what it still needs. */
  entryDetached?(db: number, node: BlockIndex): void;
  /** Called with the old root of a flushed database; true when the dump took the tree (the caller must not free it). */
  treeDetached?(db: number, root: BlockIndex): boolean;
}

/** Arena + allocator + hooks: what every data-structure module works on. */
export class BlockStore {
  readonly arena: Arena;
  readonly alloc: Allocator;
  readonly beforeBlockWrite: (blockIndex: BlockIndex) => void;
  readonly releaseBlock: (blockIndex: BlockIndex) => void;
  readonly extraBlocksForWrites: (existingBlockWrites: number) => number;
  readonly entryDetached: (db: number, node: BlockIndex) => void;
  readonly treeDetached: (db: number, root: BlockIndex) => boolean;
  /** Data bytes of a chain block (after its next link). */
  readonly chainDataBytes: number;

  constructor(arena: Arena, hooks?: (store: BlockStore) => BlockWriteHooks) {
    this.arena = arena;
    this.alloc = new Allocator(arena);
    const installed = hooks?.(this) ?? {
      beforeBlockWrite: noWrite,
      releaseBlock: (blockIndex: BlockIndex) => this.alloc.free(blockIndex, 'live'),
      extraBlocksForWrites: () => 0,
    };
    this.beforeBlockWrite = installed.beforeBlockWrite;
    this.releaseBlock = installed.releaseBlock;
    this.extraBlocksForWrites = installed.extraBlocksForWrites;
    this.entryDetached = installed.entryDetached?.bind(installed) ?? noDetach;
    this.treeDetached = installed.treeDetached?.bind(installed) ?? noTreeTaken;
    this.chainDataBytes = arena.blockSizeBytes - 4;
  }

  static create(options?: ArenaOptions): BlockStore {
    return new BlockStore(Arena.create(options));
  }

  /** Reserves room for a command: new blocks plus whatever the dump needs for the old blocks written. */
  prepare(newBlocks: number, existingBlockWrites = 0): void {
    this.alloc.ensureFree(newBlocks + this.extraBlocksForWrites(existingBlockWrites));
  }
}

function noWrite(_blockIndex: BlockIndex): void {}
function noDetach(_db: number, _node: BlockIndex): void {}
function noTreeTaken(_db: number, _root: BlockIndex): boolean {
  return false;
}
