import { DATABASE_COUNT } from '../engine/arena.ts';
import type { InfoSection } from '../server/index.ts';
import type { CommandContext } from './context.ts';

function humanBytes(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes}B` : `${value.toFixed(2)}${units[unit]}`;
}

/** The sections Sabre adds to the server's own (server, clients). */
export function infoSections(ctx: CommandContext): InfoSection[] {
  const engine = ctx.host.engine;
  const usage = engine.memoryUsage();
  const lazy = engine.lazyFreeCounters();
  // An object a freer has taken off the queue but not finished is still pending: its blocks are not
  // free yet, so a client waiting for lazyfree_pending_objects:0 must also wait for it.
  const pendingObjects = lazy.pendingObjects + lazy.inProgress;
  const dump = engine.dumping ? engine.dumpCounters() : null;
  const lastDump = ctx.persistence.lastDump?.counters ?? null;
  const persistence = ctx.persistence;
  const nowMs = Date.now();
  const usedBytes = usage.liveBlocks * usage.blockSizeBytes;
  const keyspaceFields: [string, string][] = [];
  for (let db = 0; db < DATABASE_COUNT; db++) {
    const keys = engine.dbsize(db);
    if (keys === 0) continue;
    // Both from the expiry index: the count is O(1), avg_ttl O(log n) (src/engine/expires.ts).
    keyspaceFields.push([`db${db}`, `keys=${keys},expires=${engine.expiresCount(db)},avg_ttl=${engine.averageTtlMs(db)}`]);
  }
  // Lazy expiries since the last expiry cycle count too, as in Redis.
  ctx.stats.expiredKeys += engine.takeExpiredKeyCount();
  const expireCycle = engine.expireCycleStats();
  return [
    {
      name: 'memory',
      fields: [
        ['used_memory', usedBytes],
        ['used_memory_human', humanBytes(usedBytes)],
        ['used_memory_dataset', usedBytes],
        ['used_memory_rss', process.memoryUsage.rss()],
        ['maxmemory', ctx.settings.maxmemory],
        ['maxmemory_human', humanBytes(ctx.settings.maxmemory)],
        ['maxmemory_policy', 'noeviction'],
        ['mem_clients_normal', ctx.server?.clientMemoryByteLength() ?? 0],
        ['sabre_buffer_bytes', usage.bufferByteLength],
        ['lazyfree_pending_objects', pendingObjects],
      ],
    },
    {
      name: 'persistence',
      fields: [
        ['loading', 0],
        ['async_loading', 0],
        ['rdb_changes_since_last_save', ctx.stats.dirty],
        ['rdb_bgsave_in_progress', persistence.currentKind === 'bgsave' ? 1 : 0],
        ['rdb_save_in_progress', persistence.saveInProgress ? 1 : 0],
        ['rdb_last_save_time', persistence.lastSaveUnixSec],
        ['rdb_last_bgsave_status', persistence.lastSaveStatus],
        ['rdb_last_bgsave_time_sec', persistence.lastSaveDurationSec],
        ['rdb_current_bgsave_time_sec', persistence.saveInProgress ? Math.round((nowMs - persistence.saveStartedAtMs) / 1000) : -1],
        ['rdb_saves', persistence.savesCompleted],
        ['sabre_dump_copies_held', dump?.copiesHeld ?? 0],
        ['sabre_dump_keys_written', dump?.keysWritten ?? 0],
        ['sabre_last_dump_copies_made', lastDump?.copiesMade ?? 0],
        ['sabre_last_dump_peak_copies', lastDump?.peakCopies ?? 0],
        ['sabre_last_dump_forced_steps', lastDump?.forcedSteps ?? 0],
        ['aof_enabled', 0],
        ['aof_rewrite_in_progress', 0],
      ],
    },
    {
      name: 'stats',
      fields: [
        ['total_commands_processed', ctx.stats.commandsProcessed],
        ['expired_keys', ctx.stats.expiredKeys],
        ['expired_stale_perc', (expireCycle.staleShare * 100).toFixed(2)],
        ['expired_time_cap_reached_count', expireCycle.timeCapReachedCount],
        ['evicted_keys', 0],
        ['evicted_clients', ctx.server?.evictedClientCount() ?? 0],
        ['sabre_logic_restarts', ctx.host.restartCount],
      ],
    },
    {
      name: 'lazyfree',
      fields: [
        ['lazyfree_worker', ctx.freerKind() === 'worker' ? 1 : 0],
        ['lazyfree_pending_objects', pendingObjects],
        ['lazyfree_pending_blocks_estimate', lazy.pendingBlocksEstimate],
        ['lazyfreed_objects', lazy.freedObjects],
        ['lazyfreed_blocks', lazy.freedBlocks],
      ],
    },
    {
      name: 'blocks',
      fields: [
        ['block_size_bytes', usage.blockSizeBytes],
        ['block_count', usage.blockCount],
        ['block_count_max', usage.blockCountMax],
        ['free_blocks', usage.freeBlocks],
        ['live_blocks', usage.liveBlocks],
        ['lazy_pending_blocks_estimate', usage.lazyPendingBlocksEstimate],
        ['dump_copy_blocks', usage.dumpCopyBlocks],
        ['buffer_bytes', usage.bufferByteLength],
      ],
    },
    { name: 'keyspace', fields: keyspaceFields },
  ];
}
