import type { Core } from '../core.ts';
import { NULL_BLOCK, type DbIndex } from '../ids.ts';
import { ENCODING_NAMES, idleSeconds, valueEncoding, valueLru, valueRefcount } from '../object.ts';

/** OBJECT subcommands read without touching the LRU clock (as Redis does), null when the key is absent. */
function peek(core: Core, db: DbIndex, key: Uint8Array) {
  const node = core.lookupNode(db, key, false);
  return node === NULL_BLOCK ? NULL_BLOCK : core.keyspace.valueOf(node);
}

export function objectEncoding(core: Core, db: DbIndex, key: Uint8Array): string | null {
  const value = peek(core, db, key);
  return value === NULL_BLOCK ? null : ENCODING_NAMES[valueEncoding(core.store, value)] ?? 'unknown';
}

export function objectRefcount(core: Core, db: DbIndex, key: Uint8Array): number | null {
  const value = peek(core, db, key);
  return value === NULL_BLOCK ? null : valueRefcount(core.store, value);
}

export function objectIdletime(core: Core, db: DbIndex, key: Uint8Array): number | null {
  const value = peek(core, db, key);
  return value === NULL_BLOCK ? null : idleSeconds(valueLru(core.store, value), core.nowMs());
}
