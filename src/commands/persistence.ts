import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { readRdbFile, saveRdbAtomically } from '../rdb/index.ts';
import type { EngineHost, Stats } from './context.ts';
import { encodeDatasetRdb, loadEntries } from './rdb-dataset.ts';
import type { Settings } from './settings.ts';

export type SaveStatus = 'ok' | 'err';

/** Redis waits this long after a failed automatic save before the rules may trigger another. */
const saveRetryDelayMs = 5000;

export class SaveInProgressError extends Error {
  constructor() {
    super('ERR Background save already in progress');
    this.name = 'SaveInProgressError';
  }
}

/**
 * BGSAVE's engine side (a copy-on-write dump: src/engine/snapshot) was not in the tree when this
 * server was built, so background saving is refused instead of faked with a blocking save.
 */
export const backgroundSaveUnavailableText =
  'ERR Background saving is unavailable: the engine has no copy-on-write dump (src/engine/snapshot) yet; use SAVE';

/**
 * SAVE, the save rules, LASTSAVE and the rdb_* INFO fields. A save encodes the dataset in one
 * synchronous step (a point-in-time copy; commands wait) and then writes the file asynchronously
 * with the atomic temp-file-and-rename, while commands run again.
 */
export class Persistence {
  lastSaveUnixSec = Math.floor(Date.now() / 1000);
  lastSaveStatus: SaveStatus = 'ok';
  lastSaveDurationSec = -1;
  lastSaveFailedAtMs = 0;
  saveStartedAtMs = 0;
  savesCompleted = 0;
  lastError: string | null = null;
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly host: EngineHost, private readonly settings: Settings, private readonly stats: Stats) {}

  rdbPath(): string {
    return path.resolve(this.settings.dir, this.settings.dbfilename);
  }

  get saveInProgress(): boolean {
    return this.writing !== null;
  }

  /** SAVE. Rejects with SaveInProgressError, or the write error (the old file is then untouched). */
  async save(): Promise<void> {
    if (this.writing !== null) throw new SaveInProgressError();
    const startedAtMs = Date.now();
    const dirtyAtStart = this.stats.dirty;
    const chunks = encodeDatasetRdb(this.host.engine, { compress: this.settings.rdbcompression, nowMs: startedAtMs });
    const target = this.rdbPath();
    this.saveStartedAtMs = startedAtMs;
    const writing = (async () => {
      try {
        await mkdir(path.dirname(target), { recursive: true });
        await saveRdbAtomically(target, chunks);
        this.stats.dirty -= dirtyAtStart;
        this.lastSaveUnixSec = Math.floor(Date.now() / 1000);
        this.lastSaveStatus = 'ok';
        this.lastError = null;
        this.savesCompleted++;
      } catch (error) {
        this.lastSaveStatus = 'err';
        this.lastSaveFailedAtMs = Date.now();
        this.lastError = error instanceof Error ? error.message : String(error);
        throw error;
      } finally {
        this.lastSaveDurationSec = Math.round((Date.now() - startedAtMs) / 1000);
        this.writing = null;
      }
    })();
    this.writing = writing;
    await writing;
  }

  /** Waits for a save being written, if any (SHUTDOWN, tests). */
  async settled(): Promise<void> {
    await this.writing?.catch(() => undefined);
  }

  /** Loads the RDB if it exists. The file is decoded and its checksum verified before anything is put in the engine. */
  async loadIfPresent(): Promise<{ loaded: number; expiredSkipped: number } | null> {
    const file = this.rdbPath();
    if (!existsSync(file)) return null;
    const decoded = await readRdbFile(file);
    return loadEntries(this.host.engine, decoded.entries);
  }

  /** Whether a `save <seconds> <changes>` rule is due now. */
  ruleDue(nowMs: number): boolean {
    if (this.writing !== null || this.stats.dirty === 0) return false;
    if (this.lastSaveStatus === 'err' && nowMs - this.lastSaveFailedAtMs < saveRetryDelayMs) return false;
    const elapsedSec = nowMs / 1000 - this.lastSaveUnixSec;
    return this.settings.save.some((rule) => this.stats.dirty >= rule.changes && elapsedSec >= rule.seconds);
  }

  /** Checks the save rules once a second, as Redis's serverCron does. */
  startRuleTimer(onError: (error: unknown) => void, intervalMs = 1000): void {
    this.stopRuleTimer();
    this.timer = setInterval(() => {
      if (this.ruleDue(Date.now())) this.save().catch(onError);
    }, intervalMs);
    this.timer.unref();
  }

  stopRuleTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
