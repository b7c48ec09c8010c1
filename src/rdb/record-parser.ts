/**
 * Parses one top-level RDB record: the header, or one opcode with its payload, or one key with
 * its expire/idle/freq prefixes and its value (or, for the streaming decoder, the value's header
 * and a cursor over its elements). Pure: it only reads, so a streaming caller can retry a record
 * that ran out of buffered bytes.
 */
import { OPCODE, RDB_MAGIC, RDB_VERSION_FIRST_WITH_CHECKSUM, RDB_VERSION_MAX_READ } from './constants.ts';
import type { ByteReader } from './byte-reader.ts';
import { RdbError } from './errors.ts';
import { startValue } from './object-reader.ts';
import { ValueCursor } from './value-cursor.ts';
import type { RdbAggregateType, RdbEntry, RdbValue } from './value.ts';

/** What precedes a key's value in the file. */
export type EntryHead = {
  dbIndex: number;
  key: Uint8Array;
  expireAtMs: number | null;
  lruIdleSec: number | null;
  lfuFrequency: number | null;
};

export type RdbEvent =
  | { kind: 'header'; version: number }
  | { kind: 'aux'; key: string; value: Uint8Array }
  | { kind: 'selectDb'; dbIndex: number }
  | { kind: 'resizeDb'; keyCount: number; expiresCount: number }
  /**
   * One key. `lruIdleSec`/`lfuFrequency` are present when the writer ran an LRU/LFU maxmemory
   * policy (IDLE/FREQ opcodes); a loader may use them to restore its eviction clock.
   */
  | { kind: 'entry'; entry: RdbEntry; lruIdleSec: number | null; lfuFrequency: number | null }
  /**
   * Batched mode only (decoder option `elementBatch`): an element-by-element value (plain
   * list/set/zset/hash, quicklist) arrives as valueBegin, valueElements (each holding a batch in
   * the RdbValue shape), valueEnd, instead of one entry. Duplicates are not checked across
   * batches, and a value that ends with zero elements should be dropped as Redis drops it.
   */
  | ({ kind: 'valueBegin'; type: RdbAggregateType } & EntryHead)
  | { kind: 'valueElements'; dbIndex: number; key: Uint8Array; value: RdbValue }
  | { kind: 'valueEnd'; dbIndex: number; key: Uint8Array; elementCount: number }
  /** An empty aggregate: Redis skips such keys on load, so we report and skip it too. */
  | { kind: 'emptyKeySkipped'; dbIndex: number; key: Uint8Array }
  /** A FUNCTION2 payload (the library source); the codec does not interpret it. */
  | { kind: 'function'; code: Uint8Array }
  /** `checksum` is null when the file has none (version < 5) or wrote zero (checksum disabled). */
  | { kind: 'eof'; checksum: bigint | null };

export const HEADER_BYTES = 9;
const latin1 = new TextDecoder('latin1');

export function parseHeader(reader: ByteReader): { kind: 'header'; version: number } {
  const at = reader.fileOffset;
  const header = reader.take(HEADER_BYTES, 'header');
  const magic = latin1.decode(header.subarray(0, 5));
  if (magic !== RDB_MAGIC) throw new RdbError('bad-magic', `not an RDB file: starts with ${JSON.stringify(magic)}, expected "REDIS"`, at);
  const versionText = latin1.decode(header.subarray(5, 9));
  if (!/^[0-9]{4}$/.test(versionText)) throw new RdbError('bad-version', `RDB version ${JSON.stringify(versionText)} is not four digits`, at + 5);
  const version = Number(versionText);
  if (version < 1 || version > RDB_VERSION_MAX_READ) {
    throw new RdbError('bad-version', `RDB version ${version} is not supported (1..${RDB_VERSION_MAX_READ})`, at + 5);
  }
  return { kind: 'header', version };
}

export type RecordContext = { version: number; dbIndex: number };

/** A key whose elements are still to be read through `cursor`; `complete` makes its event. */
export type PendingEntry = { kind: 'pending'; head: EntryHead; cursor: ValueCursor; complete: (value: RdbValue | null) => RdbEvent };

/** Parses one whole record. */
export function parseRecord(reader: ByteReader, context: RecordContext): RdbEvent {
  const started = parseRecordStart(reader, context);
  if (started.kind !== 'pending') return started;
  started.cursor.resume(reader);
  return started.complete(started.cursor.finish());
}

/** Parses one record, stopping after the header of an element-by-element value. */
export function parseRecordStart(reader: ByteReader, context: RecordContext): RdbEvent | PendingEntry {
  let expireAtMs: number | null = null;
  let lruIdleSec: number | null = null;
  let lfuFrequency: number | null = null;
  let sawPrefix = false;
  for (;;) {
    const at = reader.fileOffset;
    const opcode = reader.u8('opcode');
    switch (opcode) {
      case OPCODE.EXPIRETIME_MS: {
        const value = reader.int64LE('expire time (ms)');
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new RdbError('bad-value', `expire time ${value} ms is out of range`, at);
        }
        expireAtMs = Number(value);
        sawPrefix = true;
        continue;
      }
      case OPCODE.EXPIRETIME:
        expireAtMs = reader.int32LE('expire time (s)') * 1000;
        sawPrefix = true;
        continue;
      case OPCODE.IDLE:
        lruIdleSec = reader.length('LRU idle time');
        sawPrefix = true;
        continue;
      case OPCODE.FREQ:
        lfuFrequency = reader.u8('LFU frequency');
        sawPrefix = true;
        continue;
    }
    if (sawPrefix && opcode >= OPCODE.FUNCTION2) {
      throw new RdbError('bad-encoding', `opcode ${opcode} follows an expire/idle/freq prefix, expected a key`, at);
    }
    switch (opcode) {
      case OPCODE.AUX: {
        const key = latin1.decode(reader.string('aux field name'));
        return { kind: 'aux', key, value: reader.string('aux field value') };
      }
      case OPCODE.SELECTDB:
        return { kind: 'selectDb', dbIndex: reader.length('database index') };
      case OPCODE.RESIZEDB:
        return { kind: 'resizeDb', keyCount: reader.length('db size'), expiresCount: reader.length('expires size') };
      case OPCODE.FUNCTION2:
        return { kind: 'function', code: reader.string('function library') };
      case OPCODE.FUNCTION_PRE_GA:
        throw new RdbError('unsupported', 'unsupported opcode: pre-GA function format (Redis 7.0 release candidates)', at);
      case OPCODE.MODULE_AUX:
        throw new RdbError('unsupported', 'unsupported opcode: module auxiliary data needs the module that wrote it', at);
      case OPCODE.EOF: {
        if (context.version < RDB_VERSION_FIRST_WITH_CHECKSUM) return { kind: 'eof', checksum: null };
        const stored = BigInt.asUintN(64, reader.int64LE('checksum'));
        return { kind: 'eof', checksum: stored === 0n ? null : stored };
      }
      default: {
        const key = reader.string('key');
        const dbIndex = context.dbIndex;
        const complete = (value: RdbValue | null): RdbEvent =>
          value === null ? { kind: 'emptyKeySkipped', dbIndex, key } : { kind: 'entry', entry: { dbIndex, key, value, expireAtMs }, lruIdleSec, lfuFrequency };
        const started = startValue(reader, opcode, at);
        if (!(started instanceof ValueCursor)) return complete(started);
        return { kind: 'pending', head: { dbIndex, key, expireAtMs, lruIdleSec, lfuFrequency }, cursor: started, complete };
      }
    }
  }
}
