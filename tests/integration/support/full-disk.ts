/**
 * A real full disk for tests: a small tmpfs mounted on a fresh directory (tests and CI run as
 * root, and root ignores permission bits, so a read-only directory would not fail a save; a full
 * file system fails it for root too, with ENOSPC). A filler file takes all but `freeBytes`;
 * `makeRoom()` deletes it.
 */
import { execFile } from 'node:child_process';
import { rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeDir } from '../../commands/support/sabre.ts';

const run = promisify(execFile);

export interface FullDisk {
  readonly dir: string;
  /** Fills the file system up to `freeBytes` of free space. */
  fill(freeBytes: number): Promise<void>;
  makeRoom(): Promise<void>;
  unmount(): Promise<void>;
}

export async function mountSmallDisk(sizeBytes: number): Promise<FullDisk> {
  const dir = await makeDir('sabre-full-disk-');
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill: async (freeBytes) => {
      const stats = await statfs(dir);
      const availableBytes = Number(stats.bavail) * Number(stats.bsize);
      await writeFile(filler, Buffer.alloc(Math.max(0, availableBytes - freeBytes)));
    },
    makeRoom: () => rm(filler, { force: true }),
    unmount: async () => {
      await run('umount', [dir]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
