import { spawn } from 'node:child_process';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RdbEncoder } from '../../src/rdb/encoder.ts';
import { RdbSaveError, readRdbFile, removeStaleTempFiles, saveRdbAtomically, writeFully, type ChunkWriter } from '../../src/rdb/file.ts';
import { normalizeEntry } from './normalize.ts';
import { makeTempDir } from './redis-server.ts';
import type { RdbEntry } from '../../src/rdb/value.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

const entries: RdbEntry[] = Array.from({ length: 200 }, (_, i) => ({
  dbIndex: i % 2,
  key: ascii(`key:${i}`),
  value: { type: 'list', items: Array.from({ length: 50 }, (_, j) => ascii(`item ${i}.${j}`)) },
  expireAtMs: i % 5 === 0 ? 2_000_000_000_000 + i : null,
}));

/** How a dumper would produce a file: one chunk per key, generated lazily. */
async function* dump(list: RdbEntry[]): AsyncGenerator<Uint8Array> {
  const encoder = new RdbEncoder();
  yield encoder.header({ ctimeSec: 1 });
  for (const dbIndex of [0, 1]) {
    const inDb = list.filter((e) => e.dbIndex === dbIndex);
    yield encoder.selectDb(dbIndex, inDb.length, inDb.filter((e) => e.expireAtMs !== null).length);
    for (const entry of inDb) yield encoder.entry(entry);
  }
  yield encoder.finish();
}

describe('atomic RDB save', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let target: string;
  const previous = ascii('the previous RDB, which must survive a failed save');

  beforeEach(async () => {
    temp = await makeTempDir('sabre-rdb-file-');
    target = path.join(temp.dir, 'dump.rdb');
    await writeFile(target, previous);
  });
  afterEach(async () => temp.remove());

  const leftovers = async (): Promise<string[]> => (await readdir(temp.dir)).filter((name) => name !== 'dump.rdb');

  it('streams chunks to the target, reports the byte count, and leaves no temp file', async () => {
    const result = await saveRdbAtomically(target, dump(entries));
    const onDisk = await readFile(target);
    expect(result.bytesWritten).toBe(onDisk.length);
    expect(await leftovers()).toEqual([]);
    const file = await readRdbFile(target);
    expect(file.entries.map(normalizeEntry)).toEqual([...entries.filter((e) => e.dbIndex === 0), ...entries.filter((e) => e.dbIndex === 1)].map(normalizeEntry));
  });

  it('leaves the previous file byte-identical and no temp file when the disk fills up', async () => {
    let budgetBytes = 5000;
    const fullDisk: ChunkWriter = async (handle, bytes) => {
      if (bytes.length > budgetBytes) {
        await writeFully(handle, bytes.subarray(0, budgetBytes)); // a partial write, then ENOSPC
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      budgetBytes -= bytes.length;
      await writeFully(handle, bytes);
    };
    const failure = saveRdbAtomically(target, dump(entries), { writeChunk: fullDisk });
    await expect(failure).rejects.toBeInstanceOf(RdbSaveError);
    await expect(failure).rejects.toThrow(/ENOSPC/);
    expect(Buffer.from(await readFile(target))).toEqual(Buffer.from(previous));
    expect(await leftovers()).toEqual([]);
  });

  it('leaves the previous file untouched when the chunk source fails (dump aborted)', async () => {
    async function* aborted(): AsyncGenerator<Uint8Array> {
      yield ascii('REDIS0010');
      throw new Error('dump aborted');
    }
    await expect(saveRdbAtomically(target, aborted())).rejects.toThrow(/dump aborted/);
    expect(Buffer.from(await readFile(target))).toEqual(Buffer.from(previous));
    expect(await leftovers()).toEqual([]);
  });

  it('never removes a file it did not create when its temp name is taken', async () => {
    const { tempPathFor } = await import('../../src/rdb/file.ts');
    // Predict the next temp name (the counter is per process) and occupy it.
    const probe = tempPathFor(target);
    const next = probe.replace(/-(\d+)\.rdb$/, (_, n: string) => `-${Number(n) + 1}.rdb`);
    await writeFile(next, ascii('someone else'));
    await expect(saveRdbAtomically(target, [ascii('x')])).rejects.toThrow(/EEXIST/);
    expect(Buffer.from(await readFile(next)).toString()).toBe('someone else');
    expect(Buffer.from(await readFile(target))).toEqual(Buffer.from(previous));
  });

  it('fails cleanly when the target directory does not exist', async () => {
    await expect(saveRdbAtomically(path.join(temp.dir, 'missing', 'dump.rdb'), [ascii('x')])).rejects.toBeInstanceOf(RdbSaveError);
    expect(await leftovers()).toEqual([]);
  });

  it('gives concurrent saves distinct temp files; the last rename wins whole', async () => {
    const a = ascii('A'.repeat(10_000));
    const b = ascii('B'.repeat(10_000));
    await Promise.all([saveRdbAtomically(target, [a, a]), saveRdbAtomically(target, [b, b])]);
    const content = Buffer.from(await readFile(target)).toString();
    expect(content === 'A'.repeat(20_000) || content === 'B'.repeat(20_000)).toBe(true);
    expect(await leftovers()).toEqual([]);
  });
});

describe('stale temp files at start', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  beforeEach(async () => {
    temp = await makeTempDir('sabre-rdb-stale-');
  });
  afterEach(async () => temp.remove());

  /** A pid that was just released: the child has exited and been reaped. */
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.once('exit', resolve));
    return child.pid!;
  }

  it('removes only temp-<pid>-<n>.rdb files whose writer cannot be writing, and says why', async () => {
    const dead = await deadPid();
    const longAgo = new Date(Date.now() - 24 * 3600 * 1000);
    const files = {
      deadWriter: `temp-${dead}-7.rdb`,
      ownPidBeforeUs: `temp-${process.pid}-1.rdb`,
      ownPidNow: `temp-${process.pid}-2.rdb`,
      liveWriter: `temp-${process.ppid}-1.rdb`,
      redisPattern: `temp-${dead}.rdb`,
      otherPattern: `temp-${dead}-7.rdb.bak`,
      notANumber: 'temp-x-1.rdb',
      target: 'dump.rdb',
    };
    for (const name of Object.values(files)) await writeFile(path.join(temp.dir, name), 'partial');
    await utimes(path.join(temp.dir, files.ownPidBeforeUs), longAgo, longAgo);

    const removed = removeStaleTempFiles(temp.dir);
    expect(removed.map((file) => path.basename(file.path)).sort()).toEqual([files.deadWriter, files.ownPidBeforeUs].sort());
    expect(removed.find((file) => file.path.endsWith(files.deadWriter))?.reason).toBe(`pid ${dead} is not running`);
    expect((await readdir(temp.dir)).sort()).toEqual([files.ownPidNow, files.liveWriter, files.redisPattern, files.otherPattern, files.notANumber, files.target].sort());
  });

  it('never removes the configured RDB file, even when it is named like a stale temp file', async () => {
    const dead = await deadPid();
    const dbfilename = `temp-${dead}-1.rdb`;
    await writeFile(path.join(temp.dir, dbfilename), 'the dataset');
    await writeFile(path.join(temp.dir, `temp-${dead}-2.rdb`), 'partial');
    expect(removeStaleTempFiles(temp.dir, { keep: dbfilename }).map((file) => path.basename(file.path))).toEqual([`temp-${dead}-2.rdb`]);
    expect(await readdir(temp.dir)).toEqual([dbfilename]);
  });

  it('on the way out removes only this process\'s own temp files', async () => {
    const dead = await deadPid();
    await writeFile(path.join(temp.dir, `temp-${process.pid}-3.rdb`), 'partial');
    await writeFile(path.join(temp.dir, `temp-${dead}-3.rdb`), 'partial');
    expect(removeStaleTempFiles(temp.dir, { ownOnly: true }).map((file) => path.basename(file.path))).toEqual([`temp-${process.pid}-3.rdb`]);
    expect(await readdir(temp.dir)).toEqual([`temp-${dead}-3.rdb`]);
  });
});
