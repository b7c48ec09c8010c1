/** Comparable forms of RDB values: bytes as hex so Buffer vs Uint8Array never matters. */
import type { RdbEntry, RdbValue } from '../../src/rdb/value.ts';

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

export function normalizeValue(value: RdbValue): unknown {
  switch (value.type) {
    case 'string':
      return { type: 'string', bytes: hex(value.bytes) };
    case 'list':
      return { type: 'list', items: value.items.map(hex) };
    case 'set':
      return { type: 'set', members: value.members.map(hex).sort() };
    case 'zset':
      return { type: 'zset', entries: value.entries.map((e) => [hex(e.member), e.score]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))) };
    case 'hash':
      return { type: 'hash', fields: value.fields.map((f) => [hex(f.field), hex(f.value)]).sort((a, b) => a[0]!.localeCompare(b[0]!)) };
  }
}

export function normalizeEntry(entry: RdbEntry): unknown {
  return { dbIndex: entry.dbIndex, key: hex(entry.key), expireAtMs: entry.expireAtMs, value: normalizeValue(entry.value) };
}
