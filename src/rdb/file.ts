/**
 * Atomic RDB save and streaming load.
 *
 * Save follows Redis's rule: write everything to `<dir>/temp-<pid>-<n>.rdb`, fsync it, rename it
 * over the target, then fsync the directory so the rename itself survives a crash. Until the
 * rename the previous file is untouched; on any failure (a write error such as a full disk, or the
 * chunk source throwing because the dump was aborted) the temp file is removed and the error is
 * rethrown as an RdbSaveError.
 */
import { createReadStream, readdirSync, statSync, unlinkSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { decodeRdbStream, type RdbFile } from './decoder.ts';

export type ChunkSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Writes all of `bytes` at the current position. Injectable so tests can simulate a full disk. */
export type ChunkWriter = (handle: FileHandle, bytes: Uint8Array) => Promise<void>;

export type SaveOptions = {
  writeChunk?: ChunkWriter;
  /** The temporary file to write (default: tempPathFor(targetPath)); a dump worker is given its name by the thread that cleans up after it. */
  tempPath?: string;
};

export type SaveResult = { bytesWritten: number; targetPath: string };

export class RdbSaveError extends Error {
  override readonly name = 'RdbSaveError';
  /** True when the new file is already in place (only the directory fsync failed). */
  readonly renamed: boolean;

  constructor(message: string, renamed: boolean, cause: unknown) {
    super(message, { cause });
    this.renamed = renamed;
  }
}

/** Loops because a write may be partial. */
export const writeFully: ChunkWriter = async (handle, bytes) => {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
};

let tempCounter = 0;

export function tempPathFor(targetPath: string): string {
  tempCounter += 1;
  return path.join(path.dirname(targetPath), `temp-${process.pid}-${tempCounter}.rdb`);
}

/** Exactly the names tempPathFor gives: `temp-<pid>-<n>.rdb`. Redis's own `temp-<pid>.rdb` does not match. */
const tempNamePattern = /^temp-([1-9][0-9]{0,9})-([1-9][0-9]{0,15})\.rdb$/;

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface StaleTempFile {
  readonly path: string;
  readonly reason: string;
}

/**
 * Removes the temp files a save killed mid-way (kill -9, power loss) left in `directory`, run once
 * at start before any save of ours. Only names of tempPathFor's exact pattern, and only when their
 * writer cannot still be writing: its pid is no live process, or it is our own pid but the file is
 * older than this process (an earlier process had the same pid, common in containers). A file of
 * a live pid stays: it may be another server's save in progress in the same directory.
 * `keep` (the configured dbfilename) is never removed, whatever its name.
 * Returns what was removed, for the log. Synchronous: it also runs from a signal handler's exit path.
 */
export function removeStaleTempFiles(directory: string, options: { ownOnly?: boolean; keep?: string } = {}): StaleTempFile[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  const processStartedMs = Date.now() - process.uptime() * 1000;
  const removed: StaleTempFile[] = [];
  for (const name of names) {
    const found = tempNamePattern.exec(name);
    // The operator may have named the RDB itself like a temp file: it is data, never stale.
    if (found === null || name === options.keep) continue;
    const pid = Number(found[1]);
    const filePath = path.join(directory, name);
    let reason: string;
    if (options.ownOnly) {
      if (pid !== process.pid) continue;
      reason = 'written by this process, which is exiting';
    } else if (pid === process.pid) {
      const modifiedMs = statSafe(filePath);
      if (modifiedMs === null || modifiedMs >= processStartedMs) continue;
      reason = `pid ${pid} is this process, but the file predates it`;
    } else if (!processIsAlive(pid)) {
      reason = `pid ${pid} is not running`;
    } else {
      continue;
    }
    try {
      unlinkSync(filePath);
      removed.push({ path: filePath, reason });
    } catch {
      // Gone already, or not ours to remove: nothing lost by leaving it.
    }
  }
  return removed;
}

function statSafe(filePath: string): number | null {
  try {
    return statSync(filePath).mtimeMs;
  } catch {
    return null;
  }
}

export async function saveRdbAtomically(targetPath: string, chunks: ChunkSource, options: SaveOptions = {}): Promise<SaveResult> {
  const writeChunk = options.writeChunk ?? writeFully;
  const tempPath = options.tempPath ?? tempPathFor(targetPath);
  let handle: FileHandle | null = null;
  let created = false;
  let bytesWritten = 0;
  try {
    handle = await open(tempPath, 'wx');
    created = true;
    for await (const chunk of chunks) {
      if (chunk.length === 0) continue;
      await writeChunk(handle, chunk);
      bytesWritten += chunk.length;
    }
    await handle.sync();
    await handle.close();
    handle = null;
    await rename(tempPath, targetPath);
  } catch (error) {
    if (handle !== null) await handle.close().catch(() => undefined);
    // Only our own temp file: if the exclusive create failed, the file there is not ours to remove.
    if (created) await unlink(tempPath).catch(() => undefined);
    throw new RdbSaveError(`saving ${targetPath} failed after ${bytesWritten} bytes: ${describe(error)}`, false, error);
  }
  try {
    await syncDirectory(path.dirname(targetPath));
  } catch (error) {
    throw new RdbSaveError(`${targetPath} was written but fsync of its directory failed: ${describe(error)}`, true, error);
  }
  return { bytesWritten, targetPath };
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Load a file without holding more than the current record in memory besides the result. */
export async function readRdbFile(filePath: string): Promise<RdbFile> {
  return decodeRdbStream(createReadStream(filePath, { highWaterMark: 1 << 20 }));
}
