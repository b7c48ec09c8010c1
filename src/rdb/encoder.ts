/**
 * Incremental RDB writer. Every method returns the bytes it produced, so a dumper can stream keys
 * (and even the elements of one huge value) to disk while the dataset keeps changing; the running
 * CRC-64 covers every byte handed out, and finish() appends EOF and the checksum.
 *
 * What is written (see docs/rdb.md): version 10 (what Redis 7.0 writes), plain object types STRING,
 * LIST, SET, ZSET_2 and HASH (Redis re-encodes them compactly on load), strings integer-encoded
 * when canonical int32 and LZF-compressed when that saves bytes, expiries as EXPIRETIME_MS.
 */
import { OPCODE, RDB_MAGIC, RDB_VERSION_WRITTEN, TYPE } from './constants.ts';
import { ByteWriter, type StringEncodingOptions } from './byte-writer.ts';
import { Crc64 } from './crc64.ts';
import { RdbError, assert } from './errors.ts';
import { rdbValueLength, type RdbAuxField, type RdbEntry, type RdbHashField, type RdbValue, type RdbZsetEntry } from './value.ts';

export type RdbHeaderOptions = {
  /** Reported as redis-ver; Redis only logs it. */
  redisVer?: string;
  redisBits?: 32 | 64;
  /** Creation time in seconds since the epoch; defaults to now. */
  ctimeSec?: number;
  usedMemBytes?: number;
  extraAux?: RdbAuxField[];
};

export type RdbEncoderOptions = {
  /** LZF-compress strings of 21+ bytes when it saves space (Redis's rdbcompression). Default true. */
  compress?: boolean;
  /**
   * Coalesce output: calls return an empty chunk until at least this many bytes are pending, so a
   * dump of many small keys makes few large writes. finish() returns whatever is left. Default 0
   * (every call returns its own bytes).
   */
  minChunkBytes?: number;
};

const EMPTY = new Uint8Array(0);

export type AggregateType = 'list' | 'set' | 'zset' | 'hash';

/**
 * Eviction state Redis keeps per key (IDLE and FREQ opcodes). Redis writes the one its maxmemory
 * policy uses and restores it on load, so OBJECT IDLETIME / FREQ survive a restart.
 */
export type EvictionHint = {
  /** Seconds since last access (written as IDLE). */
  lruIdleSec?: number;
  /** LFU logarithmic counter, 0..255 (written as FREQ). */
  lfuFrequency?: number;
};

export type AggregateHead = {
  dbIndex: number;
  key: Uint8Array;
  type: AggregateType;
  /** Exact number of elements (fields for a hash, members for a zset) that will follow. */
  count: number;
  expireAtMs: number | null;
} & EvictionHint;

/**
 * Head of a string written piecewise (a long string the engine keeps as a chain of blocks). It is
 * written raw: integer encoding and LZF need the whole value, and a string worth streaming is
 * neither an integer nor worth holding in memory to compress.
 */
export type StringHead = {
  dbIndex: number;
  key: Uint8Array;
  type: 'string';
  byteLength: number;
  expireAtMs: number | null;
} & EvictionHint;

type OpenType = AggregateType | 'string';
type Phase = 'before-header' | 'body' | 'in-value' | 'finished';

const TYPE_BYTE: Record<RdbValue['type'], number> = {
  string: TYPE.STRING,
  list: TYPE.LIST,
  set: TYPE.SET,
  zset: TYPE.ZSET_2,
  hash: TYPE.HASH,
};

export class RdbEncoder {
  private readonly out: ByteWriter;
  private readonly crc = new Crc64();
  private readonly stringOptions: StringEncodingOptions;
  private readonly minChunkBytes: number;
  private phase: Phase = 'before-header';
  private selectedDb: number | null = null;
  private openType: OpenType | null = null;
  private openRemaining = 0;
  private emittedBytes = 0;

  constructor(options: RdbEncoderOptions = {}) {
    this.stringOptions = { compress: options.compress ?? true };
    this.minChunkBytes = options.minChunkBytes ?? 0;
    this.out = new ByteWriter(Math.max(4096, this.minChunkBytes * 2));
  }

  /** Total bytes handed out so far (not counting bytes still pending under minChunkBytes). */
  get bytesEmitted(): number {
    return this.emittedBytes;
  }

  header(options: RdbHeaderOptions = {}): Uint8Array {
    assert(this.phase === 'before-header', 'header() must be called once, first');
    this.phase = 'body';
    this.out.ascii(RDB_MAGIC + String(RDB_VERSION_WRITTEN).padStart(4, '0'));
    const text = new TextEncoder();
    const aux = (key: string, value: string): void => {
      this.out.byte(OPCODE.AUX);
      this.out.rdbString(text.encode(key), this.stringOptions);
      this.out.rdbString(text.encode(value), this.stringOptions);
    };
    aux('redis-ver', options.redisVer ?? '7.0.15');
    aux('redis-bits', String(options.redisBits ?? 64));
    aux('ctime', String(options.ctimeSec ?? Math.floor(Date.now() / 1000)));
    aux('used-mem', String(options.usedMemBytes ?? 0));
    aux('aof-base', '0');
    for (const field of options.extraAux ?? []) {
      this.out.byte(OPCODE.AUX);
      this.out.rdbString(text.encode(field.key), this.stringOptions);
      this.out.rdbString(field.value, this.stringOptions);
    }
    return this.emit();
  }

  /** Start a database section; the counts are RESIZEDB hints Redis uses to presize its tables. */
  selectDb(dbIndex: number, keyCount: number, expiresCount: number): Uint8Array {
    assert(this.phase === 'body', `selectDb() called in phase ${this.phase}`);
    assert(Number.isSafeInteger(dbIndex) && dbIndex >= 0, `bad dbIndex ${dbIndex}`);
    this.selectedDb = dbIndex;
    this.out.byte(OPCODE.SELECTDB);
    this.out.rdbLength(dbIndex);
    this.out.byte(OPCODE.RESIZEDB);
    this.out.rdbLength(keyCount);
    this.out.rdbLength(expiresCount);
    return this.emit();
  }

  /** One whole key. Aggregates must not be empty: Redis never holds them and skips them on load. */
  entry(entry: RdbEntry, hint: EvictionHint = {}): Uint8Array {
    const value = entry.value;
    if (value.type === 'zset') rejectNaNScores(value.entries);
    if (value.type === 'string') {
      this.keyPrefix(entry.dbIndex, entry.key, TYPE_BYTE.string, entry.expireAtMs, hint);
      this.out.rdbString(value.bytes, this.stringOptions);
      return this.emit();
    }
    this.beginValueInto({ dbIndex: entry.dbIndex, key: entry.key, type: value.type, count: rdbValueLength(value), expireAtMs: entry.expireAtMs, ...hint });
    switch (value.type) {
      case 'list':
        this.writeStrings(value.items);
        break;
      case 'set':
        this.writeStrings(value.members);
        break;
      case 'zset':
        this.writeZsetEntries(value.entries);
        break;
      case 'hash':
        this.writeHashFields(value.fields);
        break;
    }
    this.openRemaining = 0;
    this.closeValue();
    return this.emit();
  }

  /**
   * Piecewise form of entry() for big values: begin, then element batches (or string pieces),
   * then endValue(). Inputs are copied before a call returns, so the caller may reuse them.
   */
  beginValue(head: AggregateHead | StringHead): Uint8Array {
    if (head.type === 'string') {
      assert(Number.isSafeInteger(head.byteLength) && head.byteLength >= 0, `bad string byteLength ${head.byteLength}`);
      this.keyPrefix(head.dbIndex, head.key, TYPE.STRING, head.expireAtMs, head);
      this.out.rdbLength(head.byteLength);
      this.open('string', head.byteLength);
    } else {
      this.beginValueInto(head);
    }
    return this.emit();
  }

  stringBytes(piece: Uint8Array): Uint8Array {
    this.expectOpen('string', piece.length);
    this.out.bytes(piece);
    return this.emit();
  }

  listItems(items: Uint8Array[]): Uint8Array {
    this.expectOpen('list', items.length);
    this.writeStrings(items);
    return this.emit();
  }

  setMembers(members: Uint8Array[]): Uint8Array {
    this.expectOpen('set', members.length);
    this.writeStrings(members);
    return this.emit();
  }

  zsetEntries(entries: RdbZsetEntry[]): Uint8Array {
    rejectNaNScores(entries);
    this.expectOpen('zset', entries.length);
    this.writeZsetEntries(entries);
    return this.emit();
  }

  hashFields(fields: RdbHashField[]): Uint8Array {
    this.expectOpen('hash', fields.length);
    this.writeHashFields(fields);
    return this.emit();
  }

  /** Closes the value opened by beginValue(); asserts that exactly `count` elements were written. */
  endValue(): void {
    assert(this.phase === 'in-value', 'endValue() without beginValue()');
    this.closeValue();
  }

  /** EOF opcode and the little-endian CRC-64 of every byte before it. */
  finish(): Uint8Array {
    assert(this.phase === 'body', `finish() called in phase ${this.phase}`);
    this.phase = 'finished';
    this.out.byte(OPCODE.EOF);
    const body = this.out.take();
    this.crc.update(body);
    const checksum = this.crc.digestLittleEndian();
    const out = new Uint8Array(body.length + 8);
    out.set(body, 0);
    out.set(checksum, body.length);
    this.emittedBytes += out.length;
    return out;
  }

  private keyPrefix(dbIndex: number, key: Uint8Array, typeByte: number, expireAtMs: number | null, hint: EvictionHint): void {
    assert(this.phase === 'body', `key written in phase ${this.phase}`);
    assert(this.selectedDb === dbIndex, `entry for db ${dbIndex} while db ${this.selectedDb} is selected`);
    if (expireAtMs !== null) {
      assert(Number.isSafeInteger(expireAtMs), `expireAtMs must be an integer, got ${expireAtMs}`);
      this.out.byte(OPCODE.EXPIRETIME_MS);
      this.out.int64LE(BigInt(expireAtMs));
    }
    if (hint.lruIdleSec !== undefined) {
      assert(Number.isSafeInteger(hint.lruIdleSec) && hint.lruIdleSec >= 0, `bad lruIdleSec ${hint.lruIdleSec}`);
      this.out.byte(OPCODE.IDLE);
      this.out.rdbLength(hint.lruIdleSec);
    }
    if (hint.lfuFrequency !== undefined) {
      assert(Number.isInteger(hint.lfuFrequency) && hint.lfuFrequency >= 0 && hint.lfuFrequency <= 255, `bad lfuFrequency ${hint.lfuFrequency}`);
      this.out.byte(OPCODE.FREQ);
      this.out.byte(hint.lfuFrequency);
    }
    this.out.byte(typeByte);
    this.out.rdbString(key, this.stringOptions);
  }

  private beginValueInto(head: AggregateHead): void {
    if (head.count === 0) {
      throw new RdbError('bad-value', `empty ${head.type} cannot be written: Redis would skip the key on load`);
    }
    this.keyPrefix(head.dbIndex, head.key, TYPE_BYTE[head.type], head.expireAtMs, head);
    this.out.rdbLength(head.count);
    this.open(head.type, head.count);
  }

  private open(type: OpenType, remaining: number): void {
    this.phase = 'in-value';
    this.openType = type;
    this.openRemaining = remaining;
  }

  private expectOpen(type: OpenType, elementCount: number): void {
    assert(this.phase === 'in-value' && this.openType === type, `${type} elements written while ${this.openType ?? 'no value'} is open`);
    assert(elementCount <= this.openRemaining, `more ${type === 'string' ? 'string bytes' : `${type} elements`} than announced`);
    this.openRemaining -= elementCount;
  }

  private closeValue(): void {
    const unit = this.openType === 'string' ? 'string bytes' : `${this.openType} elements`;
    assert(this.openRemaining === 0, `${this.openRemaining} announced ${unit} were never written`);
    this.phase = 'body';
    this.openType = null;
  }

  private writeStrings(items: Uint8Array[]): void {
    for (const item of items) this.out.rdbString(item, this.stringOptions);
  }

  private writeZsetEntries(entries: RdbZsetEntry[]): void {
    for (const { member, score } of entries) {
      this.out.rdbString(member, this.stringOptions);
      this.out.float64LE(score);
    }
  }

  private writeHashFields(fields: RdbHashField[]): void {
    for (const { field, value } of fields) {
      this.out.rdbString(field, this.stringOptions);
      this.out.rdbString(value, this.stringOptions);
    }
  }

  private emit(): Uint8Array {
    if (this.out.length < this.minChunkBytes) return EMPTY;
    const chunk = this.out.take();
    this.crc.update(chunk);
    this.emittedBytes += chunk.length;
    return chunk;
  }
}

/** Checked before anything is written, so a rejected value leaves no partial bytes behind. */
function rejectNaNScores(entries: RdbZsetEntry[]): void {
  for (const { score } of entries) {
    if (Number.isNaN(score)) throw new RdbError('bad-value', 'zset score is NaN, which Redis rejects on load');
  }
}

/** Convenience for tests and small saves: a whole file from entries, databases in ascending order. */
export function encodeRdbFile(entries: readonly RdbEntry[], header: RdbHeaderOptions = {}, options: RdbEncoderOptions = {}): Uint8Array {
  const encoder = new RdbEncoder(options);
  const chunks: Uint8Array[] = [encoder.header(header)];
  const byDb = new Map<number, RdbEntry[]>();
  for (const entry of entries) {
    const list = byDb.get(entry.dbIndex);
    if (list) list.push(entry);
    else byDb.set(entry.dbIndex, [entry]);
  }
  for (const dbIndex of [...byDb.keys()].sort((a, b) => a - b)) {
    const dbEntries = byDb.get(dbIndex)!;
    const expiresCount = dbEntries.filter((e) => e.expireAtMs !== null).length;
    chunks.push(encoder.selectDb(dbIndex, dbEntries.length, expiresCount));
    for (const entry of dbEntries) chunks.push(encoder.entry(entry));
  }
  chunks.push(encoder.finish());
  return concatBytes(chunks);
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
