/**
 * Reads one value of a given RDB object type, in every encoding Redis 7.0 (and 7.2's SET_LISTPACK)
 * can write, into the plain RdbValue shape: whole for strings and compact blobs, through a
 * ValueCursor for the element-by-element types. An empty aggregate comes out as null, which Redis
 * itself skips on load ("empty keys skipped").
 */
import { QUICKLIST_CONTAINER_PACKED, QUICKLIST_CONTAINER_PLAIN, SCORE_NAN, SCORE_NEG_INF, SCORE_POS_INF, TYPE } from './constants.ts';
import type { ByteReader } from './byte-reader.ts';
import { RdbError } from './errors.ts';
import { parseIntset } from './intset.ts';
import { parseListpack } from './listpack.ts';
import { bytesKey, packedToBytes, packedToScore, parseScoreText, type PackedElement } from './packed-element.ts';
import type { RdbHashField, RdbValue, RdbZsetEntry } from './value.ts';
import { ValueCursor, type CursorShape } from './value-cursor.ts';
import { parseZiplist } from './ziplist.ts';
import { parseZipmap } from './zipmap.ts';

/**
 * Reads a value, or for the element-by-element types only its header, returning a cursor that
 * reads the elements (see value-cursor.ts).
 */
export function startValue(reader: ByteReader, typeByte: number, typeAt: number): RdbValue | null | ValueCursor {
  switch (typeByte) {
    case TYPE.STRING:
      return { type: 'string', bytes: reader.string('string value') };
    case TYPE.LIST:
      return new ValueCursor(listShape((r, out) => void out.push(r.string('list element'))), countAgainstInput(reader, 'list length', 1));
    case TYPE.SET: {
      const shape: CursorShape = {
        type: 'set',
        readElement: (r, out) => void out.push(r.string('set member')),
        wrap: (members) => ({ type: 'set', members: members as Uint8Array[] }),
        validate: (value) => {
          if (value.type === 'set') rejectDuplicates(value.members, (m) => m, 'set member', typeAt);
        },
      };
      return new ValueCursor(shape, countAgainstInput(reader, 'set size', 1));
    }
    case TYPE.ZSET:
    case TYPE.ZSET_2: {
      const shape: CursorShape = {
        type: 'zset',
        readElement: (r, out) => {
          const member = r.string('zset member');
          const scoreAt = r.fileOffset;
          const score = typeByte === TYPE.ZSET_2 ? r.float64LE('zset score') : readTextScore(r);
          if (Number.isNaN(score)) throw new RdbError('bad-value', 'zset score is NaN', scoreAt);
          out.push({ member, score });
        },
        wrap: (entries) => ({ type: 'zset', entries: entries as RdbZsetEntry[] }),
        validate: (value) => {
          if (value.type === 'zset') rejectDuplicates(value.entries, (e) => e.member, 'zset member', typeAt);
        },
      };
      return new ValueCursor(shape, countAgainstInput(reader, 'zset size', 2));
    }
    case TYPE.HASH: {
      const shape: CursorShape = {
        type: 'hash',
        readElement: (r, out) => {
          const field = r.string('hash field');
          out.push({ field, value: r.string('hash value') });
        },
        wrap: (fields) => ({ type: 'hash', fields: fields as RdbHashField[] }),
        validate: (value) => {
          if (value.type === 'hash') rejectDuplicates(value.fields, (f) => f.field, 'hash field', typeAt);
        },
      };
      return new ValueCursor(shape, countAgainstInput(reader, 'hash size', 2));
    }
    case TYPE.HASH_ZIPMAP: {
      const { blob, at } = readBlob(reader, 'zipmap');
      return hashValue(parseZipmap(blob, at), typeAt);
    }
    case TYPE.LIST_ZIPLIST: {
      const { blob, at } = readBlob(reader, 'ziplist');
      return listValue(parseZiplist(blob, at));
    }
    case TYPE.SET_INTSET: {
      const { blob, at } = readBlob(reader, 'intset');
      return setValue(parseIntset(blob, at).map(packedToBytes), typeAt);
    }
    case TYPE.SET_LISTPACK: {
      const { blob, at } = readBlob(reader, 'listpack');
      return setValue(parseListpack(blob, at).map(packedToBytes), typeAt);
    }
    case TYPE.ZSET_ZIPLIST:
    case TYPE.ZSET_LISTPACK: {
      const { blob, at } = readBlob(reader, typeByte === TYPE.ZSET_ZIPLIST ? 'ziplist' : 'listpack');
      const elements = typeByte === TYPE.ZSET_ZIPLIST ? parseZiplist(blob, at) : parseListpack(blob, at);
      return zsetValue(pairs(elements, at, (member, score) => ({ member: packedToBytes(member), score: packedToScore(score, at) })), typeAt);
    }
    case TYPE.HASH_ZIPLIST:
    case TYPE.HASH_LISTPACK: {
      const { blob, at } = readBlob(reader, typeByte === TYPE.HASH_ZIPLIST ? 'ziplist' : 'listpack');
      const elements = typeByte === TYPE.HASH_ZIPLIST ? parseZiplist(blob, at) : parseListpack(blob, at);
      return hashValue(pairs(elements, at, (field, value) => ({ field: packedToBytes(field), value: packedToBytes(value) })), typeAt);
    }
    case TYPE.LIST_QUICKLIST:
    case TYPE.LIST_QUICKLIST_2:
      return startQuicklist(reader, typeByte === TYPE.LIST_QUICKLIST_2);
    case TYPE.MODULE_PRE_GA:
    case TYPE.MODULE_2:
      throw new RdbError('unsupported', 'unsupported type: module values cannot be loaded without the module', typeAt);
    case TYPE.STREAM_LISTPACKS:
    case TYPE.STREAM_LISTPACKS_2:
    case TYPE.STREAM_LISTPACKS_3:
      throw new RdbError('unsupported', 'unsupported type: streams are not supported', typeAt);
    default:
      throw new RdbError('bad-encoding', `unknown object type ${typeByte}`, typeAt);
  }
}

/** Each element takes at least `minBytesPerElement` bytes, so a count beyond that is corruption. */
function countAgainstInput(reader: ByteReader, what: string, minBytesPerElement: number): number {
  const at = reader.fileOffset;
  const count = reader.length(what);
  // In streaming mode `remaining` is only what is buffered; the check is then skipped and the
  // loop stops at end of input instead.
  if (count * minBytesPerElement > reader.remaining && reader.isFinal) {
    throw new RdbError('bad-length', `${what} ${count} exceeds the ${reader.remaining} bytes left in the file`, at);
  }
  return count;
}

function readBlob(reader: ByteReader, what: string): { blob: Uint8Array; at: number } {
  const at = reader.fileOffset;
  const blob = reader.string(what);
  return { blob, at };
}

function readTextScore(reader: ByteReader): number {
  const at = reader.fileOffset;
  const length = reader.u8('zset score length');
  if (length === SCORE_NAN) return NaN;
  if (length === SCORE_POS_INF) return Infinity;
  if (length === SCORE_NEG_INF) return -Infinity;
  return parseScoreText(reader.take(length, 'zset score'), at);
}

function startQuicklist(reader: ByteReader, isVersion2: boolean): ValueCursor {
  const nodeCount = countAgainstInput(reader, 'quicklist node count', isVersion2 ? 2 : 1);
  const readNode = (r: ByteReader, items: unknown[]): void => {
    let container = QUICKLIST_CONTAINER_PACKED;
    if (isVersion2) {
      const containerAt = r.fileOffset;
      container = r.length('quicklist node container');
      if (container !== QUICKLIST_CONTAINER_PLAIN && container !== QUICKLIST_CONTAINER_PACKED) {
        throw new RdbError('bad-encoding', `quicklist node container ${container}, expected 1 (plain) or 2 (packed)`, containerAt);
      }
    }
    const { blob, at } = readBlob(r, 'quicklist node');
    if (container === QUICKLIST_CONTAINER_PLAIN) {
      items.push(blob);
      return;
    }
    // Redis skips empty nodes on load, so an empty packed node is tolerated here too.
    for (const element of isVersion2 ? parseListpack(blob, at) : parseZiplist(blob, at)) items.push(packedToBytes(element));
  };
  return new ValueCursor(listShape(readNode), nodeCount);
}

function listShape(readElement: CursorShape['readElement']): CursorShape {
  return { type: 'list', readElement, wrap: (items) => ({ type: 'list', items: items as Uint8Array[] }), validate: () => undefined };
}

function listValue(elements: PackedElement[]): RdbValue | null {
  return elements.length === 0 ? null : { type: 'list', items: elements.map(packedToBytes) };
}

function pairs<T>(elements: PackedElement[], at: number, make: (a: PackedElement, b: PackedElement) => T): T[] {
  if (elements.length % 2 !== 0) throw new RdbError('bad-blob', `blob holds ${elements.length} elements, expected pairs`, at);
  const out: T[] = [];
  for (let i = 0; i < elements.length; i += 2) out.push(make(elements[i]!, elements[i + 1]!));
  return out;
}

function setValue(members: Uint8Array[], typeAt: number): RdbValue | null {
  if (members.length === 0) return null;
  rejectDuplicates(members, (m) => m, 'set member', typeAt);
  return { type: 'set', members };
}

function zsetValue(entries: RdbZsetEntry[], typeAt: number): RdbValue | null {
  if (entries.length === 0) return null;
  rejectDuplicates(entries, (e) => e.member, 'zset member', typeAt);
  return { type: 'zset', entries };
}

function hashValue(fields: RdbHashField[], typeAt: number): RdbValue | null {
  if (fields.length === 0) return null;
  rejectDuplicates(fields, (f) => f.field, 'hash field', typeAt);
  return { type: 'hash', fields };
}

/** Redis treats a duplicate inside a set, zset or hash as a corrupt file; so do we. */
function rejectDuplicates<T>(items: T[], keyOf: (item: T) => Uint8Array, what: string, typeAt: number): void {
  const seen = new Set<string>();
  for (const item of items) {
    const key = bytesKey(keyOf(item));
    if (seen.has(key)) throw new RdbError('duplicate', `duplicate ${what} ${JSON.stringify(key.slice(0, 40))}`, typeAt);
    seen.add(key);
  }
}
