import { DATABASE_COUNT } from '../arena.ts';
import type { Core } from '../core.ts';
import { readEntryKey } from '../entry.ts';
import type { DbIndex } from '../ids.ts';

export interface ActiveExpireResult {
  examined: number;
  expired: number;
}

/**
 * Active expiry: a sweep over every database in key order, `budget` keys per step, resuming where
 * the last step stopped. Unlike Redis (which samples its expires dictionary), this visits keys
 * without a TTL too, but it is deterministic and bounds the time until an expired key is removed
 * to one full sweep. Lazy expiry on access still removes keys the sweep has not reached.
 */
export class ActiveExpire {
  private db: DbIndex = 0;
  private last: Uint8Array | null = null;

  step(core: Core, budget: number): ActiveExpireResult {
    let examined = 0;
    let expired = 0;
    const nowMs = core.nowMs();
    for (let dbsVisited = 0; examined < budget && dbsVisited <= DATABASE_COUNT; ) {
      const db = this.db;
      const fromRank = this.last === null ? 0 : core.keyspace.rankAfter(db, this.last);
      const victims: Uint8Array[] = [];
      let reachedEnd = true;
      core.keyspace.forEachFrom(db, fromRank, (node) => {
        if (examined === budget) {
          reachedEnd = false;
          return false;
        }
        examined++;
        const key = readEntryKey(core.store, node);
        this.last = key;
        if (core.isExpired(core.keyspace.valueOf(node), nowMs)) victims.push(key);
        return true;
      });
      for (const key of victims) if (core.deleteKey(db, key)) expired++;
      if (reachedEnd) {
        this.db = (db + 1) % DATABASE_COUNT;
        this.last = null;
        dbsVisited++;
      }
    }
    return { examined, expired };
  }
}
