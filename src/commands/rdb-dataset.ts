import type { Engine } from '../engine/engine.ts';
import { readEntryKey } from '../engine/entry.ts';
import { DATABASE_COUNT } from '../engine/arena.ts';
import { valueExpireAtMs } from '../engine/object.ts';
import { readValue, type PlainValue } from '../engine/read-value.ts';
import { RdbEncoder, type RdbEntry, type RdbValue } from '../rdb/index.ts';
import type { BlockIndex } from '../engine/ids.ts';

/**
 * The synchronous SAVE path: the whole dataset encoded as RDB chunks in one go, so it is exactly
 * the keyspace at that instant (nothing else runs on this thread meanwhile). Memory: the encoded
 * file, held until written. BGSAVE does not come here; it needs the engine's copy-on-write dump.
 */
export function encodeDatasetRdb(engine: Engine, options: { compress: boolean; nowMs?: number }): Uint8Array[] {
  const core = engine.core;
  const nowMs = options.nowMs ?? Date.now();
  const encoder = new RdbEncoder({ compress: options.compress, minChunkBytes: 256 * 1024 });
  const chunks: Uint8Array[] = [];
  const keep = (chunk: Uint8Array) => {
    if (chunk.length > 0) chunks.push(chunk);
  };
  keep(encoder.header({ ctimeSec: Math.floor(nowMs / 1000), usedMemBytes: engine.memoryUsage().bufferByteLength }));
  for (let db = 0; db < DATABASE_COUNT; db++) {
    const nodes: BlockIndex[] = [];
    let expiresCount = 0;
    core.keyspace.forEachFrom(db, 0, (node) => {
      const value = core.keyspace.valueOf(node);
      if (core.isExpired(value, nowMs)) return true;
      nodes.push(node);
      if (valueExpireAtMs(core.store, value) !== 0) expiresCount++;
      return true;
    });
    if (nodes.length === 0) continue;
    keep(encoder.selectDb(db, nodes.length, expiresCount));
    for (const node of nodes) {
      const plain = readValue(core, core.keyspace.valueOf(node));
      const entry: RdbEntry = {
        dbIndex: db,
        key: readEntryKey(core.store, node),
        value: rdbValueOf(plain.value),
        expireAtMs: plain.expireAtMs === 0 ? null : plain.expireAtMs,
      };
      keep(encoder.entry(entry));
    }
  }
  keep(encoder.finish());
  return chunks;
}

export function rdbValueOf(value: PlainValue): RdbValue {
  switch (value.type) {
    case 'string': return { type: 'string', bytes: value.value };
    case 'list': return { type: 'list', items: value.elements };
    case 'set': return { type: 'set', members: value.members };
    case 'zset': return { type: 'zset', entries: value.entries };
    case 'hash': return { type: 'hash', fields: value.fields.map(([field, fieldValue]) => ({ field, value: fieldValue })) };
  }
}
