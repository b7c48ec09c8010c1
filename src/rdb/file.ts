/**
 * Atomic RDB save and streaming load.
 *
 * Save follows Redis's rule: write everything to `<dir>/temp-<pid>-<n>.rdb`, fsync it, rename it
 * over the target, then fsync the directory so the rename itself survives a crash. Until the
 * rename the previous file is untouched; on any failure (a write error such as a full disk, or the
 * chunk source throwing because the dump was aborted) the temp file is removed and the error is
 * rethrown as an RdbSaveError.
 */
import { createReadStream } from 'node:fs';
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
