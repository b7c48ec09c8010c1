import { existsSync, mkdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { EngineOptions } from '../engine/engine.ts';
import { dumpToFile, loadRdbFile, type DumpFileResult } from '../engine/snapshot/dump-file.ts';
import { dumpOnWorker } from '../engine/workers/dump-thread.ts';
import { saveRdbAtomically } from '../rdb/index.ts';
import type { EngineHost, Stats } from './context.ts';
import { encodeDatasetRdb } from './rdb-dataset.ts';
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

/** A save that could not be written (full disk, a directory that cannot be made...); the old file is untouched. */
export class SaveFailedError extends Error {
  constructor(readonly reason: string) {
    super(`Error saving DB on disk: ${reason}`);
    this.name = 'SaveFailedError';
  }
}

/** Redis's text, which clients match on; sent while writesRefused() holds. */
export const misconfText =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

export type SaveKind = 'save' | 'bgsave';

/**
 * SAVE, BGSAVE, the save rules, LASTSAVE and the rdb_* INFO fields.
 *
 * SAVE encodes the dataset in one synchronous step (commands wait, as with Redis's SAVE) and then
 * writes the file with the atomic temp-file-and-rename. BGSAVE is the engine's fork-less
 * copy-on-write dump (src/engine/snapshot, dumpToFile): the file holds the dataset as of the BGSAVE
 * command while commands keep running between dump steps.
 */
export class Persistence {
  lastSaveUnixSec = Math.floor(Date.now() / 1000);
  lastSaveStatus: SaveStatus = 'ok';
  lastSaveDurationSec = -1;
  lastSaveFailedAtMs = 0;
  saveStartedAtMs = 0;
  savesCompleted = 0;
  lastError: string | null = null;
  /** What the last completed BGSAVE's dump reported (copies made, peak copies held...). */
  lastDump: DumpFileResult | null = null;
  currentKind: SaveKind | null = null;
  /** BGSAVE SCHEDULE while a save runs: start one as soon as it ends. */
  bgsaveScheduled = false;
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Where the failures of BGSAVEs nobody waits for are reported (the server's log). */
  private onBackgroundError: (error: unknown) => void = () => undefined;

  constructor(private readonly host: EngineHost, private readonly settings: Settings, private readonly stats: Stats) {}

  rdbPath(): string {
    return path.resolve(this.settings.dir, this.settings.dbfilename);
  }

  get saveInProgress(): boolean {
    return this.writing !== null;
  }

  /**
   * Redis's writeCommandsDeniedByDiskError for RDB: with stop-writes-on-bgsave-error on and save
   * rules set, a failed save refuses writes (MISCONF) until a save succeeds. DEVIATION: Redis sets
   * the status only from background saves (a failed SAVE leaves it); Sabre's status is that of the
   * last save of any kind (SAVE, BGSAVE, the final save of a shutdown), since each failure says
   * the same thing: what is written now cannot be persisted.
   */
  writesRefused(): boolean {
    return this.lastSaveStatus === 'err' && this.settings.stopWritesOnBgsaveError && this.settings.save.length > 0;
  }

  /** SAVE. Rejects with SaveInProgressError, or SaveFailedError (the old file is then untouched). */
  async save(): Promise<void> {
    if (this.writing !== null) throw new SaveInProgressError();
    const startedAtMs = Date.now();
    const chunks = encodeDatasetRdb(this.host.engine, { compress: this.settings.rdbcompression, nowMs: startedAtMs });
    const target = this.rdbPath();
    await this.track('save', startedAtMs, async () => {
      await mkdir(path.dirname(target), { recursive: true });
      await saveRdbAtomically(target, chunks);
    });
  }

  /**
   * BGSAVE: begins the copy-on-write dump now (the snapshot instant) and returns; the promise it
   * gives settles when the file is in place. Throws SaveInProgressError when a save runs, and
   * SaveFailedError (status `err`) when the directory cannot be made, before any dump starts.
   */
  bgsave(): { done: Promise<void> } {
    if (this.writing !== null) throw new SaveInProgressError();
    const target = this.rdbPath();
    try {
      mkdirSync(path.dirname(target), { recursive: true });
    } catch (error) {
      this.recordFailure(error);
      throw new SaveFailedError(this.lastError!);
    }
    const startedAtMs = Date.now();
    // Both run DumpBegin before they return: the snapshot is the dataset at this call.
    const dumping = this.settings.dumpWorker
      ? dumpOnWorker(this.host.engine, target, { stepBlocks: this.settings.dumpStepBlocks, compress: this.settings.rdbcompression }).done
      : dumpToFile(this.host.engine, target, { stepBlocks: this.settings.dumpStepBlocks, compress: this.settings.rdbcompression });
    const done = this.track('bgsave', startedAtMs, async () => {
      this.lastDump = await dumping;
    });
    return { done };
  }

  /** Runs one save's writing phase and keeps the counters Redis reports. */
  private track(kind: SaveKind, startedAtMs: number, write: () => Promise<void>): Promise<void> {
    const dirtyAtStart = this.stats.dirty;
    this.saveStartedAtMs = startedAtMs;
    this.currentKind = kind;
    const writing = (async () => {
      try {
        await write();
        this.stats.dirty -= dirtyAtStart;
        this.lastSaveUnixSec = Math.floor(Date.now() / 1000);
        this.lastSaveStatus = 'ok';
        this.lastError = null;
        this.savesCompleted++;
      } catch (error) {
        this.recordFailure(error);
        throw new SaveFailedError(this.lastError!);
      } finally {
        this.lastSaveDurationSec = Math.round((Date.now() - startedAtMs) / 1000);
        this.writing = null;
        this.currentKind = null;
        if (this.bgsaveScheduled) {
          this.bgsaveScheduled = false;
          setImmediate(() => {
            if (this.writing === null) this.bgsaveReporting(this.onBackgroundError);
          });
        }
      }
    })();
    this.writing = writing;
    return writing;
  }

  private recordFailure(error: unknown): void {
    this.lastSaveStatus = 'err';
    this.lastSaveFailedAtMs = Date.now();
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  /** Waits for a save being written, if any (SHUTDOWN, tests). */
  async settled(): Promise<void> {
    await this.writing?.catch(() => undefined);
  }

  /**
   * Loads the RDB if it exists, streaming it into a NEW engine that replaces the host's only once
   * the whole file, checksum included, was read: a corrupt file leaves nothing half-loaded.
   */
  async loadIfPresent(engineOptions: EngineOptions): Promise<{ keys: number } | null> {
    const file = this.rdbPath();
    if (!existsSync(file)) return null;
    const loaded = await loadRdbFile(file, engineOptions);
    this.host.replaceEngine(loaded);
    let keys = 0;
    for (let db = 0; db < 16; db++) keys += loaded.dbsize(db);
    return { keys };
  }

  /** Whether a `save <seconds> <changes>` rule is due now. */
  ruleDue(nowMs: number): boolean {
    if (this.writing !== null || this.stats.dirty === 0) return false;
    if (this.lastSaveStatus === 'err' && nowMs - this.lastSaveFailedAtMs < saveRetryDelayMs) return false;
    const elapsedSec = nowMs / 1000 - this.lastSaveUnixSec;
    return this.settings.save.some((rule) => this.stats.dirty >= rule.changes && elapsedSec >= rule.seconds);
  }

  /**
   * A BGSAVE nobody waits for (save rule, BGSAVE SCHEDULE): a failure, even one thrown before the
   * dump starts, goes to `onError`; thrown from a timer it would end the process and the dataset.
   */
  private bgsaveReporting(onError: (error: unknown) => void): void {
    try {
      this.bgsave().done.catch(onError);
    } catch (error) {
      onError(error);
    }
  }

  /** Checks the save rules once a second, as Redis's serverCron does; failures go to `onError`. */
  startRuleTimer(onError: (error: unknown) => void, intervalMs = 1000): void {
    this.stopRuleTimer();
    this.onBackgroundError = onError;
    this.timer = setInterval(() => {
      if (this.ruleDue(Date.now())) this.bgsaveReporting(onError);
    }, intervalMs);
    this.timer.unref();
  }

  stopRuleTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
