import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { readRdbFile } from '../../src/rdb/index.ts';
import { makeDir } from '../commands/support/sabre.ts';
import { mountSmallDisk, type FullDisk } from './support/full-disk.ts';
import { freePort, spawnSabre, type SabreProcess } from './support/process.ts';

const repositoryRoot = path.resolve(import.meta.dirname, '../..');

async function waitForLog(sabre: SabreProcess, text: string, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (sabre.output().split(text).length - 1 < count) {
    if (Date.now() > deadline) throw new Error(`no '${text}' x${count} in:\n${sabre.output()}`);
    if (sabre.child.exitCode !== null) throw new Error(`sabre exited with ${sabre.child.exitCode}:\n${sabre.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const keyCount = 3000;
const keyAt = (i: number) => `key:${i}`;
const valueAt = (i: number) => `value-${i}-`.padEnd(100, 'x');

describe.each([
  { mode: 'the default process', flags: [] as string[] },
  { mode: '--sabre-logic-worker yes', flags: ['--sabre-logic-worker', 'yes'] },
])('a final save that cannot be written, with $mode', ({ flags }) => {
  let disk: FullDisk | null = null;
  let sabre: SabreProcess | null = null;
  const dirs: string[] = [];
  afterEach(async () => {
    if (sabre !== null && sabre.child.exitCode === null) sabre.child.kill('SIGKILL');
    await sabre?.exited;
    await disk?.unmount();
    disk = null;
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the server running with every key through SIGTERM, SIGINT and SHUTDOWN; with room again, SIGTERM saves every key and exits 0', async () => {
    disk = await mountSmallDisk(1024 * 1024);
    const port = await freePort();
    sabre = await spawnSabre(process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', disk.dir, '--save', '3600 1', ...flags], repositoryRoot);
    const client = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    const loading = client.pipeline();
    for (let i = 0; i < keyCount; i++) loading.set(keyAt(i), valueAt(i));
    await loading.exec();
    // The RDB of these keys is about 300 KB: 8 KiB of room cannot hold it.
    await disk.fill(8 * 1024);

    const refused = 'Still serving every key';
    for (const [attempt, signal] of (['SIGTERM', 'SIGINT', 'SIGTERM'] as const).entries()) {
      sabre.child.kill(signal);
      await waitForLog(sabre, refused, attempt + 1);
      expect(sabre.child.exitCode).toBeNull();
      expect(await client.dbsize()).toBe(keyCount);
    }
    expect(sabre.output()).toMatch(/Error trying to save the DB, can't exit.*ENOSPC/);
    await expect(client.call('SHUTDOWN')).rejects.toThrow('ERR Errors trying to SHUTDOWN. Check logs.');
    const keys = Array.from({ length: keyCount }, (_, i) => keyAt(i));
    expect(await client.mget(keys)).toEqual(keys.map((_, i) => valueAt(i)));
    // Each failed save removed its temp file.
    expect(await readdir(disk.dir)).toEqual(['filler']);

    await disk.makeRoom();
    sabre.child.kill('SIGTERM');
    expect(await sabre.exited).toBe(0);
    client.disconnect();
    expect(sabre.output()).toContain('DB saved on disk');
    const saved = await readRdbFile(path.join(disk.dir, 'dump.rdb'));
    const savedValues = new Map(saved.entries.map((entry) => [Buffer.from(entry.key).toString(), entry.value.type === 'string' ? Buffer.from(entry.value.bytes).toString() : null]));
    expect(savedValues.size).toBe(keyCount);
    for (let i = 0; i < keyCount; i++) expect(savedValues.get(keyAt(i))).toBe(valueAt(i));
  });

  it('exits at once, saying so, on a SIGINT while the shutdown is under way, and leaves no temp file', async () => {
    const dir = await makeDir('sabre-insist-');
    dirs.push(dir);
    const port = await freePort();
    // One block per dump step: the BGSAVE of these 8 MB takes about 2 s (886 ms measured for 4 MB), far
    // longer than the test needs to send its two signals while the shutdown waits for it.
    sabre = await spawnSabre(process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', dir, '--save', '3600 1', '--sabre-dump-step-blocks', '1', ...flags], repositoryRoot);
    const client = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    const loading = client.pipeline();
    for (let i = 0; i < 8000; i++) loading.set(keyAt(i), 'v'.repeat(1000));
    await loading.exec();
    expect(await client.bgsave()).toBe('Background saving started');
    // The dump opens its temp file a moment after the reply.
    const deadline = Date.now() + 10_000;
    while ((await readdir(dir)).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await readdir(dir)).toEqual([expect.stringMatching(/^temp-\d+-\d+\.rdb$/)]);
    sabre.child.kill('SIGTERM');
    await waitForLog(sabre, 'User requested shutdown...', 1);
    sabre.child.kill('SIGTERM');
    await waitForLog(sabre, 'Received SIGTERM scheduling shutdown...', 2);
    expect(sabre.child.exitCode).toBeNull();
    sabre.child.kill('SIGINT');
    expect(await sabre.exited).toBe(1);
    client.disconnect();
    expect(sabre.output()).toContain('You insist... exiting now. Changes since the last successful save are NOT saved.');
    // Neither the BGSAVE nor the final save finished; the half-written temp file was removed.
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('SIGHUP in the default process mode', () => {
  it('is ignored as Redis ignores it, instead of killing the process with its unsaved changes', async () => {
    const dir = await makeDir('sabre-sighup-');
    const port = await freePort();
    const sabre = await spawnSabre(process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', dir, '--save', '3600 1'], repositoryRoot);
    try {
      const client = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      await client.set('unsaved', 'yes');
      sabre.child.kill('SIGHUP');
      await waitForLog(sabre, 'Received SIGHUP: ignored', 1);
      expect(await client.get('unsaved')).toBe('yes');
      sabre.child.kill('SIGTERM');
      expect(await sabre.exited).toBe(0);
      client.disconnect();
      const saved = await readRdbFile(path.join(dir, 'dump.rdb'));
      expect(saved.entries.map((entry) => Buffer.from(entry.key).toString())).toEqual(['unsaved']);
    } finally {
      if (sabre.child.exitCode === null) sabre.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
