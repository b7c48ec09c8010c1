import type { Core } from '../core.ts';
import { Errors } from '../errors.ts';
import { NULL_BLOCK, type BlockIndex, type DbIndex } from '../ids.ts';
import { addDecimalTexts, bytesToLatin1, fitsInt64, parseDouble, parseInt64, utf8 } from '../numbers.ts';
import { Encoding, EXPIRE_AT_MAX_MS, setValueExpireAtMs, valueExpireAtMs, valueType, ValueType } from '../object.ts';
import {
  createString, EMBSTR_MAX_BYTES, overwriteInlineString, readString, readStringRange, STRING_MAX_BYTES,
  stringBlocksFor, stringBlocksTouched, stringGrowthBlocks, stringInlineCapacity, stringLength, writeStringAt,
} from '../types/string.ts';

export type ExpireSpec = { unit: 'EX' | 'PX' | 'EXAT' | 'PXAT'; amount: number };

export interface SetOptions {
  expire?: ExpireSpec;
  condition?: 'NX' | 'XX';
  keepTtl?: boolean;
  get?: boolean;
}

export interface SetResult {
  /** False when NX/XX prevented the write (Redis replies nil, or the old value with GET). */
  readonly written: boolean;
  /** The old value when GET was given (null if there was none). */
  readonly previous: Uint8Array | null;
}

/** Absolute expiry in ms for an expire option, or an error naming the command (Redis's text). */
export function expireAtFor(spec: ExpireSpec, nowMs: number, command: string): number {
  const { unit, amount } = spec;
  if (!Number.isSafeInteger(amount)) throw Errors.invalidExpire(command);
  if ((unit === 'EX' || unit === 'PX') && amount <= 0 && command === 'set') throw Errors.invalidExpire(command);
  if ((unit === 'EXAT' || unit === 'PXAT') && amount <= 0 && command === 'set') throw Errors.invalidExpire(command);
  const milliseconds = unit === 'EX' || unit === 'EXAT' ? amount * 1000 : amount;
  const expireAtMs = unit === 'EX' || unit === 'PX' ? nowMs + milliseconds : milliseconds;
  if (!Number.isSafeInteger(milliseconds) || expireAtMs > EXPIRE_AT_MAX_MS) throw Errors.invalidExpire(command);
  return expireAtMs;
}

export function get(core: Core, db: DbIndex, key: Uint8Array): Uint8Array | null {
  const value = core.lookupTyped(db, key, ValueType.String);
  return value === NULL_BLOCK ? null : readString(core.store, value);
}

const WRITTEN: SetResult = Object.freeze({ written: true, previous: null });
const NO_OPTIONS: SetOptions = Object.freeze({});

export function set(core: Core, db: DbIndex, key: Uint8Array, bytes: Uint8Array, options: SetOptions = NO_OPTIONS): SetResult {
  if (bytes.length > STRING_MAX_BYTES) throw Errors.stringTooLong();
  const nowMs = core.nowMs();
  const expireAtMs = options.expire ? expireAtFor(options.expire, nowMs, 'set') : 0;
  const node = core.lookupNode(db, key);
  const old = node === NULL_BLOCK ? NULL_BLOCK : core.keyspace.valueOf(node);
  let previous: Uint8Array | null = null;
  if (options.get && old !== NULL_BLOCK) {
    if (valueType(core.store, old) !== ValueType.String) throw Errors.wrongType();
    previous = readString(core.store, old);
  }
  if ((options.condition === 'NX' && node !== NULL_BLOCK) || (options.condition === 'XX' && node === NULL_BLOCK)) {
    return { written: false, previous };
  }
  if (expireAtMs !== 0 && expireAtMs <= nowMs) {
    // An absolute time already past: Redis stores nothing and removes the old key.
    if (node !== NULL_BLOCK) core.deleteKey(db, key);
    return { written: true, previous };
  }
  const oldExpireAtMs = old !== NULL_BLOCK ? valueExpireAtMs(core.store, old) : 0;
  const finalExpireAtMs = expireAtMs !== 0 ? expireAtMs : options.keepTtl ? oldExpireAtMs : 0;
  // A key that gains a TTL gets an expiry-index node; one that had a TTL keeps (moves) its node.
  const indexBlocks = finalExpireAtMs !== 0 && oldExpireAtMs === 0 ? 1 : 0;
  core.prepare(stringBlocksFor(core.store, bytes.length) + (node === NULL_BLOCK ? core.keyspace.entryBlocksFor(key) : 0) + indexBlocks, 1);
  const value = createString(core.store, bytes, nowMs);
  if (finalExpireAtMs !== 0) setValueExpireAtMs(core.store, value, finalExpireAtMs);
  core.storeValue(db, key, node, value);
  return previous === null ? WRITTEN : { written: true, previous };
}

export function mget(core: Core, db: DbIndex, keys: Uint8Array[]): (Uint8Array | null)[] {
  return keys.map((key) => {
    const value = core.lookupValue(db, key);
    return value === NULL_BLOCK || valueType(core.store, value) !== ValueType.String ? null : readString(core.store, value);
  });
}

/** All pairs or none: the blocks for every pair are reserved before the first write. */
export function mset(core: Core, db: DbIndex, pairs: [Uint8Array, Uint8Array][]): void {
  let blocks = 0;
  for (const [key, bytes] of pairs) {
    if (bytes.length > STRING_MAX_BYTES) throw Errors.stringTooLong();
    core.lookupNode(db, key); // applies lazy expiry before the reservation is sized
    blocks += stringBlocksFor(core.store, bytes.length) + core.keyspace.entryBlocksFor(key);
  }
  core.prepare(blocks, pairs.length);
  const nowMs = core.nowMs();
  for (const [key, bytes] of pairs) {
    const node = core.keyspace.find(db, key);
    core.storeValue(db, key, node, createString(core.store, bytes, nowMs));
  }
}

export function strlen(core: Core, db: DbIndex, key: Uint8Array): number {
  const value = core.lookupTyped(db, key, ValueType.String);
  return value === NULL_BLOCK ? 0 : stringLength(core.store, value);
}

export function append(core: Core, db: DbIndex, key: Uint8Array, bytes: Uint8Array): number {
  const value = core.lookupTyped(db, key, ValueType.String);
  if (value === NULL_BLOCK) {
    set(core, db, key, bytes);
    return bytes.length;
  }
  const oldLength = stringLength(core.store, value);
  if (oldLength + bytes.length > STRING_MAX_BYTES) throw Errors.stringTooLong();
  core.prepare(stringGrowthBlocks(core.store, oldLength, oldLength + bytes.length), stringBlocksTouched(core.store, oldLength, oldLength + bytes.length));
  writeStringAt(core.store, value, oldLength, bytes);
  if (core.tracer !== null) core.traceWrite('AppendBlock', db, key);
  return oldLength + bytes.length;
}

export function getrange(core: Core, db: DbIndex, key: Uint8Array, start: number, end: number): Uint8Array {
  const value = core.lookupTyped(db, key, ValueType.String);
  if (value === NULL_BLOCK) return new Uint8Array(0);
  const length = stringLength(core.store, value);
  if (start < 0 && end < 0 && start > end) return new Uint8Array(0);
  let from = start < 0 ? length + start : start;
  let to = end < 0 ? length + end : end;
  if (from < 0) from = 0;
  if (to < 0) to = 0;
  if (to >= length) to = length - 1;
  if (length === 0 || from > to) return new Uint8Array(0);
  return readStringRange(core.store, value, from, to + 1);
}

export function setrange(core: Core, db: DbIndex, key: Uint8Array, offset: number, bytes: Uint8Array): number {
  if (!Number.isSafeInteger(offset) || offset < 0) throw Errors.offsetOutOfRange();
  const value = core.lookupTyped(db, key, ValueType.String);
  if (value === NULL_BLOCK) {
    if (bytes.length === 0) return 0;
    if (offset + bytes.length > STRING_MAX_BYTES) throw Errors.stringTooLong();
    const padded = new Uint8Array(offset + bytes.length);
    padded.set(bytes, offset);
    core.prepare(stringBlocksFor(core.store, padded.length) + core.keyspace.entryBlocksFor(key));
    core.keyspace.insert(db, key, createString(core.store, padded, core.nowMs(), Encoding.Raw));
    if (core.tracer !== null) core.traceWrite('Set', db, key);
    return padded.length;
  }
  const oldLength = stringLength(core.store, value);
  if (bytes.length === 0) return oldLength;
  if (offset + bytes.length > STRING_MAX_BYTES) throw Errors.stringTooLong();
  const newLength = Math.max(oldLength, offset + bytes.length);
  core.prepare(stringGrowthBlocks(core.store, oldLength, newLength), stringBlocksTouched(core.store, Math.min(oldLength, offset), newLength));
  writeStringAt(core.store, value, offset, bytes);
  if (core.tracer !== null) core.traceWrite('WriteBlock', db, key);
  return newLength;
}

export function incrby(core: Core, db: DbIndex, key: Uint8Array, delta: bigint): bigint {
  const node = core.lookupNode(db, key);
  const value = node === NULL_BLOCK ? NULL_BLOCK : core.keyspace.valueOf(node);
  let current = 0n;
  if (value !== NULL_BLOCK) {
    if (valueType(core.store, value) !== ValueType.String) throw Errors.wrongType();
    const parsed = stringLength(core.store, value) <= 20 ? parseInt64(readString(core.store, value)) : null;
    if (parsed === null) throw Errors.notInteger();
    current = parsed;
  }
  const next = current + delta;
  if (!fitsInt64(next)) throw Errors.overflow();
  writeSmallString(core, db, key, value, utf8(next.toString()), Encoding.Int);
  return next;
}

export function incrbyfloat(core: Core, db: DbIndex, key: Uint8Array, increment: number): string {
  const value = core.lookupTyped(db, key, ValueType.String); // Redis's order: type, current value, then the sum
  let currentText = '0';
  if (value !== NULL_BLOCK) {
    const bytes = readString(core.store, value);
    if (parseDouble(bytes) === null) throw Errors.notFloat();
    currentText = bytesToLatin1(bytes);
  }
  // String(increment) is the shortest text that reads back as the same double: the client's literal
  // in the usual case, so the decimal addition sees what the client typed.
  const text = addDecimalTexts(currentText, String(increment));
  if (text === null) throw Errors.nanOrInfinity();
  // Redis stores the printed result as a plain string object, never as an int.
  writeSmallString(core, db, key, value, utf8(text), text.length <= EMBSTR_MAX_BYTES ? Encoding.EmbStr : Encoding.Raw);
  return text;
}

/** Rewrites a counter: in place when both fit inline (keeps the TTL, as Redis does), else as a new value. */
function writeSmallString(core: Core, db: DbIndex, key: Uint8Array, value: BlockIndex, bytes: Uint8Array, encoding: Encoding): void {
  const store = core.store;
  const capacity = stringInlineCapacity(store);
  if (value !== NULL_BLOCK && bytes.length <= capacity && stringLength(store, value) <= capacity) {
    core.prepare(0, 1);
    overwriteInlineString(store, value, bytes, encoding);
    return;
  }
  const node = core.keyspace.find(db, key);
  const expireAtMs = value !== NULL_BLOCK ? valueExpireAtMs(store, value) : 0;
  core.prepare(stringBlocksFor(store, bytes.length) + (node === NULL_BLOCK ? core.keyspace.entryBlocksFor(key) : 0), 1);
  const created = createString(store, bytes, core.nowMs(), encoding);
  if (expireAtMs !== 0) setValueExpireAtMs(store, created, expireAtMs);
  core.storeValue(db, key, node, created);
}
