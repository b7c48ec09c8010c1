/**
 * The plain value shape shared by the RDB codec, the snapshot dumper and tests. Plain data only:
 * byte strings are Uint8Array (binary-safe), scores are IEEE doubles.
 */
export type RdbValue =
  | { type: 'string'; bytes: Uint8Array }
  | { type: 'list'; items: Uint8Array[] }
  | { type: 'set'; members: Uint8Array[] }
  | { type: 'zset'; entries: RdbZsetEntry[] }
  | { type: 'hash'; fields: RdbHashField[] };

export type RdbZsetEntry = { member: Uint8Array; score: number };
export type RdbHashField = { field: Uint8Array; value: Uint8Array };

export type RdbValueType = RdbValue['type'];
export type RdbAggregateType = Exclude<RdbValueType, 'string'>;

export type RdbEntry = {
  dbIndex: number;
  key: Uint8Array;
  value: RdbValue;
  /** Absolute Unix time in milliseconds, or null for a key without expiry. */
  expireAtMs: number | null;
};

/** An auxiliary header field (redis-ver, ctime, ...). Values are kept as the bytes in the file. */
export type RdbAuxField = { key: string; value: Uint8Array };

/** Number of elements a value holds (1 for a string); the count RDB writes before the elements. */
export function rdbValueLength(value: RdbValue): number {
  switch (value.type) {
    case 'string':
      return 1;
    case 'list':
      return value.items.length;
    case 'set':
      return value.members.length;
    case 'zset':
      return value.entries.length;
    case 'hash':
      return value.fields.length;
  }
}
