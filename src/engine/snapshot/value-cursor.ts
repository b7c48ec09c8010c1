import { CHAIN_NEXT_WORD } from '../blob.ts';
import { ENTRY_AUX2_WORD, ENTRY_AUX_WORD, ENTRY_INLINE_KEY_BYTE, ENTRY_KEY_CHAIN_WORD, ENTRY_KEY_LENGTH_WORD, entryScore, readEntryKey } from '../entry.ts';
import { assert } from '../errors.ts';
import { NULL_BLOCK, type BlockIndex, type BlockResolver } from '../ids.ts';
import { VALUE_FIRST_WORD, VALUE_INLINE_BYTE, VALUE_LENGTH_WORD, VALUE_SECOND_WORD, ValueType, valueExpireAtMs } from '../object.ts';
import type { BlockStore } from '../store.ts';
import { NODE_LEFT, NODE_RIGHT } from '../tree.ts';
import { decodeNode, LIST_NEXT_WORD, readEntry } from '../types/list.ts';
import type { RdbEncoder } from '../../rdb/encoder.ts';
import type { RdbHashField, RdbZsetEntry } from '../../rdb/value.ts';

/** What a cursor needs from the dump: the snapshot resolver, the pass mark, and the output. */
export interface DumpReadContext {
  readonly store: BlockStore;
  readonly resolve: BlockResolver;
  /** The block has been read and its links taken: the dump no longer needs it. */
  pass(blockIndex: BlockIndex): void;
  readonly encoder: RdbEncoder;
  emit(chunk: Uint8Array): void;
}

/**
 * An entry's key: readEntryKey, but copying inline bytes with set(subarray) — `slice` on a view of
 * a SharedArrayBuffer takes a slow path in V8 (measured: the dump of 200k small keys went from
 * 1.9 s to 0.8 s when the value's inline bytes stopped using it).
 */
export function readKeyForDump(store: BlockStore, node: BlockIndex, resolve: BlockResolver): Uint8Array {
  const arena = store.arena;
  const word = arena.blockWord(resolve(node));
  if (arena.u32[word + ENTRY_KEY_CHAIN_WORD] !== NULL_BLOCK) return readEntryKey(store, node, resolve);
  const length = arena.u32[word + ENTRY_KEY_LENGTH_WORD]!;
  const start = (word << 2) + ENTRY_INLINE_KEY_BYTE;
  return copyOut(arena.u8, start, length);
}

/** Bytes out of the shared buffer into a fresh array; a loop beats a SharedArrayBuffer view for short runs. */
function copyOut(u8: Uint8Array, start: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (length > 64) out.set(u8.subarray(start, start + length));
  else for (let i = 0; i < length; i++) out[i] = u8[start + i]!;
  return out;
}

/** A key being written: done at once for small strings, over several calls for the rest. */
export interface KeyCursor {
  readonly done: boolean;
  advance(budgetBlocks: number): number;
}

export const FINISHED_CURSOR: KeyCursor = Object.freeze({ done: true, advance: () => 0 });

/** Strings up to this many bytes are written in one go, without a cursor object (the common case). */
const SMALL_STRING_MAX_BYTES = 1024;

/**
 * Writes a small string value whole, reading and passing its blocks; false (nothing read) for any
 * other value. Saves the cursor's allocation for most keys of a typical dataset.
 */
export function writeSmallString(ctx: DumpReadContext, db: number, key: Uint8Array, value: BlockIndex): boolean {
  const { store, resolve } = ctx;
  const arena = store.arena;
  const u8 = arena.u8;
  const u32 = arena.u32;
  const word = arena.blockWord(resolve(value));
  if ((u8[word << 2]! & 0xf) !== ValueType.String) return false;
  const length = u32[word + VALUE_LENGTH_WORD]!;
  if (length > SMALL_STRING_MAX_BYTES) return false;
  const expire = valueExpireAtMs(store, value, resolve);
  const bytes = new Uint8Array(length);
  const inlineBytes = Math.min(length, arena.blockSizeBytes - VALUE_INLINE_BYTE);
  const start = (word << 2) + VALUE_INLINE_BYTE;
  for (let i = 0; i < inlineBytes; i++) bytes[i] = u8[start + i]!;
  let blockIndex = (length > inlineBytes ? u32[word + VALUE_FIRST_WORD]! : NULL_BLOCK) as BlockIndex;
  ctx.pass(value);
  for (let at = inlineBytes; at < length; ) {
    assert(blockIndex !== NULL_BLOCK, 'string chain shorter than its length');
    const offset = arena.blockByteOffset(resolve(blockIndex));
    const take = Math.min(store.chainDataBytes, length - at);
    for (let i = 0; i < take; i++) bytes[at + i] = u8[offset + 4 + i]!;
    at += take;
    const next = u32[offset >>> 2]! as BlockIndex;
    ctx.pass(blockIndex);
    blockIndex = next;
  }
  ctx.emit(ctx.encoder.entry({ dbIndex: db, key, value: { type: 'string', bytes }, expireAtMs: expire === 0 ? null : expire }));
  return true;
}

/** Strings up to this size are written whole (so RDB may int-encode or LZF them); longer ones stream raw. */
export const WHOLE_STRING_MAX_BYTES = 64 * 1024;
/** Elements per encoder call: big values never exist as one array. */
const BATCH_ELEMENTS = 256;

type Batch = Uint8Array[] | RdbZsetEntry[] | RdbHashField[];

/**
 * Writes one key's value as it was at DumpBegin, a bounded number of blocks per call. Every block
 * is read through `resolve` (a copy replaces a block the writer changed) and passed once its
 * contents and links are taken; trees are walked in order with an explicit stack of block indices,
 * lists and chains from their heads, so nothing but the current batch is held in memory.
 */
export class ValueCursor implements KeyCursor {
  done = false;
  private readonly type: ValueType;
  private readonly stack: BlockIndex[] = [];
  private nextBlock: BlockIndex = NULL_BLOCK; // string chain or list node still to read
  private remainingBytes = 0;
  private wholeString: Uint8Array | null = null;
  private wholeAt = 0;
  private memberTreeRoot: BlockIndex = NULL_BLOCK; // zset: the by-member tree, passed without output
  private inMemberTree = false;
  private batch: Batch = [];
  private elementsLeft = 0;
  private expireForWhole: number | null = null;

  constructor(private readonly ctx: DumpReadContext, private readonly db: number, private readonly key: Uint8Array, value: BlockIndex) {
    const { store, resolve } = ctx;
    const arena = store.arena;
    const word = arena.blockWord(resolve(value));
    this.type = (arena.u8[word << 2]! & 0xf) as ValueType;
    const expire = valueExpireAtMs(store, value, resolve);
    const expireAtMs = expire === 0 ? null : expire;
    const length = arena.u32[word + VALUE_LENGTH_WORD]!;
    const first = arena.u32[word + VALUE_FIRST_WORD]! as BlockIndex;
    const second = arena.u32[word + VALUE_SECOND_WORD]! as BlockIndex;
    if (this.type === ValueType.String) {
      const inlineBytes = Math.min(length, arena.blockSizeBytes - VALUE_INLINE_BYTE);
      const start = (word << 2) + VALUE_INLINE_BYTE;
      this.remainingBytes = length - inlineBytes;
      this.nextBlock = length > inlineBytes ? first : NULL_BLOCK;
      if (length <= WHOLE_STRING_MAX_BYTES) {
        this.expireForWhole = expireAtMs;
        const whole = new Uint8Array(length);
        const u8 = arena.u8;
        for (let i = 0; i < inlineBytes; i++) whole[i] = u8[start + i]!;
        this.wholeString = whole;
        this.wholeAt = inlineBytes;
      } else {
        const inline = arena.u8.subarray(start, start + inlineBytes);
        ctx.emit(ctx.encoder.beginValue({ dbIndex: db, key, type: 'string', byteLength: length, expireAtMs }));
        ctx.emit(ctx.encoder.stringBytes(inline)); // the encoder copies its input
      }
    } else {
      this.elementsLeft = length;
      const type = this.type === ValueType.List ? 'list' : this.type === ValueType.Set ? 'set' : this.type === ValueType.ZSet ? 'zset' : 'hash';
      ctx.emit(ctx.encoder.beginValue({ dbIndex: db, key, type, count: length, expireAtMs }));
      if (this.type === ValueType.List) this.nextBlock = first;
      else this.descend(first);
      if (this.type === ValueType.ZSet) this.memberTreeRoot = second;
    }
    ctx.pass(value);
    this.finishIfDone();
  }

  /** Reads up to about `budgetBlocks` blocks; returns how many it read. */
  advance(budgetBlocks: number): number {
    let read = 0;
    while (!this.done && read < budgetBlocks) {
      read += this.type === ValueType.String ? this.stringStep() : this.type === ValueType.List ? this.listStep() : this.treeStep();
      this.finishIfDone();
    }
    return read;
  }

  private stringStep(): number {
    const { store, resolve } = this.ctx;
    const arena = store.arena;
    const blockIndex = this.nextBlock;
    assert(blockIndex !== NULL_BLOCK, 'string chain shorter than its length');
    const offset = arena.blockByteOffset(resolve(blockIndex));
    const take = Math.min(store.chainDataBytes, this.remainingBytes);
    const piece = arena.u8.subarray(offset + 4, offset + 4 + take);
    if (this.wholeString !== null) {
      this.wholeString.set(piece, this.wholeAt);
      this.wholeAt += take;
    } else {
      this.ctx.emit(this.ctx.encoder.stringBytes(piece));
    }
    this.remainingBytes -= take;
    this.nextBlock = arena.u32[offset >>> 2]! as BlockIndex;
    this.ctx.pass(blockIndex);
    if (this.remainingBytes === 0) this.nextBlock = NULL_BLOCK;
    return 1;
  }

  private listStep(): number {
    const { store, resolve } = this.ctx;
    const node = this.nextBlock;
    assert(node !== NULL_BLOCK, 'list shorter than its length');
    let read = 1;
    const items = this.batch as Uint8Array[];
    for (const entry of decodeNode(store, node, resolve)) {
      items.push(readEntry(store, entry, resolve));
      if (entry.inline === null) read += this.passChain(entry.chain);
    }
    this.nextBlock = store.arena.u32[store.arena.blockWord(resolve(node)) + LIST_NEXT_WORD]! as BlockIndex;
    this.ctx.pass(node);
    if (items.length >= BATCH_ELEMENTS) this.flushBatch();
    return read;
  }

  private treeStep(): number {
    const { store, resolve } = this.ctx;
    const arena = store.arena;
    if (this.stack.length === 0) {
      // Only a zset gets here with work left: its by-member tree holds the same members.
      this.inMemberTree = true;
      this.descend(this.memberTreeRoot);
      this.memberTreeRoot = NULL_BLOCK;
      return 0;
    }
    const node = this.stack.pop()!;
    const word = arena.blockWord(resolve(node));
    let read = 1;
    if (!this.inMemberTree) {
      const member = readKeyForDump(store, node, resolve);
      if (this.type === ValueType.Set) (this.batch as Uint8Array[]).push(member);
      else if (this.type === ValueType.ZSet) (this.batch as RdbZsetEntry[]).push({ member, score: entryScore(store, node, resolve) });
      else {
        const chain = arena.u32[word + ENTRY_AUX_WORD]! as BlockIndex;
        const value = this.readChain(chain, arena.u32[word + ENTRY_AUX2_WORD]!);
        (this.batch as RdbHashField[]).push({ field: member, value });
        read += this.passChain(chain);
      }
    }
    read += this.passChain(arena.u32[word + ENTRY_KEY_CHAIN_WORD]! as BlockIndex);
    const right = arena.u32[word + NODE_RIGHT]! as BlockIndex;
    this.ctx.pass(node);
    this.descend(right);
    if (this.batch.length >= BATCH_ELEMENTS) this.flushBatch();
    return read;
  }

  private descend(node: BlockIndex): void {
    const arena = this.ctx.store.arena;
    for (let depth = 0; node !== NULL_BLOCK; depth++) {
      assert(depth < 64, 'value tree deeper than an AVL tree can be');
      this.stack.push(node);
      node = arena.u32[arena.blockWord(this.ctx.resolve(node)) + NODE_LEFT]! as BlockIndex;
    }
  }

  private readChain(head: BlockIndex, length: number): Uint8Array {
    const { store, resolve } = this.ctx;
    const arena = store.arena;
    const out = new Uint8Array(length);
    let at = 0;
    for (let blockIndex = head; at < length; ) {
      assert(blockIndex !== NULL_BLOCK, 'chain shorter than its length');
      const offset = arena.blockByteOffset(resolve(blockIndex));
      const take = Math.min(store.chainDataBytes, length - at);
      out.set(arena.u8.subarray(offset + 4, offset + 4 + take), at);
      at += take;
      blockIndex = arena.u32[offset >>> 2]! as BlockIndex;
    }
    return out;
  }

  /** Passes every block of a chain already read; returns how many. */
  private passChain(head: BlockIndex): number {
    const { store, resolve } = this.ctx;
    const arena = store.arena;
    let blocks = 0;
    for (let blockIndex = head; blockIndex !== NULL_BLOCK; blocks++) {
      assert(blocks <= arena.blockCount, 'chain has a cycle');
      const next = arena.u32[arena.blockWord(resolve(blockIndex)) + CHAIN_NEXT_WORD]! as BlockIndex;
      this.ctx.pass(blockIndex);
      blockIndex = next;
    }
    return blocks;
  }

  private flushBatch(): void {
    if (this.batch.length === 0) return;
    const encoder = this.ctx.encoder;
    this.elementsLeft -= this.batch.length;
    assert(this.elementsLeft >= 0, `more elements than the value header's length in key of db ${this.db}`);
    switch (this.type) {
      case ValueType.List: this.ctx.emit(encoder.listItems(this.batch as Uint8Array[])); break;
      case ValueType.Set: this.ctx.emit(encoder.setMembers(this.batch as Uint8Array[])); break;
      case ValueType.ZSet: this.ctx.emit(encoder.zsetEntries(this.batch as RdbZsetEntry[])); break;
      case ValueType.Hash: this.ctx.emit(encoder.hashFields(this.batch as RdbHashField[])); break;
    }
    this.batch = [];
  }

  private finishIfDone(): void {
    if (this.done) return;
    if (this.type === ValueType.String) {
      if (this.nextBlock !== NULL_BLOCK) return;
      if (this.wholeString !== null) {
        const encoder = this.ctx.encoder;
        this.ctx.emit(encoder.entry({ dbIndex: this.db, key: this.key, value: { type: 'string', bytes: this.wholeString }, expireAtMs: this.expireForWhole }));
      } else {
        this.ctx.encoder.endValue();
      }
      this.done = true;
      return;
    }
    const more = this.type === ValueType.List ? this.nextBlock !== NULL_BLOCK : this.stack.length > 0 || this.memberTreeRoot !== NULL_BLOCK;
    if (more) return;
    this.flushBatch();
    assert(this.elementsLeft === 0, `value header announced ${this.elementsLeft} more elements than the value holds`);
    this.ctx.encoder.endValue();
    this.done = true;
  }
}
