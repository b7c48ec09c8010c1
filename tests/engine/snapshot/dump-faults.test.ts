import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import { DumpFailedError, dumpToFile, loadRdbFile } from '../../../src/engine/snapshot/dump-file.ts';
import { encodeRdbFile, writeFully } from '../../../src/rdb/index.ts';
import { makeTempDir } from '../../rdb/redis-server.ts';
import { b } from '../helpers.ts';
import { captureDataset } from './dump-helpers.ts';

function engineWithData(): Engine {
  const engine = new Engine({ initialBlocks: 256, copyBound: 8 });
  for (let i = 0; i < 300; i++) {
    engine.set(0, b(`k${i}`), b(`value-${i}`.repeat(1 + (i % 9))));
    engine.endCommand();
  }
  engine.hset(0, b('h'), Array.from({ length: 200 }, (_, i) => [b(`f${i}`), b(`v${i}`)] as [Uint8Array, Uint8Array]));
  engine.endCommand();
  return engine;
}

describe('dump faults', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  beforeAll(async () => {
    temp = await makeTempDir('sabre-faults-');
  });
  afterAll(async () => temp.remove());

  it('a write error mid-dump (full disk) leaves the previous RDB, no temp file, and the dataset intact', async () => {
    const target = path.join(temp.dir, 'dump.rdb');
    await writeFile(target, 'previous file');
    const engine = engineWithData();
    const before = captureDataset(engine);
    let written = 0;
    const failing = dumpToFile(engine, target, {
      stepBlocks: 16,
      minChunkBytes: 512,
      writeChunk: async (handle, bytes) => {
        if (written > 2000) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        written += bytes.length;
        await writeFully(handle, bytes);
      },
    });
    // writes keep coming while the dump runs, so copies and held blocks exist when it fails
    for (let i = 0; engine.dumping && i < 10_000; i++) {
      engine.set(0, b(`k${i % 300}`), b(`new-${i}`));
      engine.endCommand();
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await expect(failing).rejects.toThrow(DumpFailedError);
    await expect(failing).rejects.toThrow(/ENOSPC/);
    expect(engine.dumping).toBe(false);
    expect(await readFile(target, 'utf8')).toBe('previous file');
    expect((await readdir(temp.dir)).filter((name) => name.startsWith('temp-'))).toEqual([]);
    engine.assertCheck();
    expect(engine.memoryUsage().dumpCopyBlocks).toBe(0);
    expect(captureDataset(engine).size).toBe(before.size);
    // and the next dump works
    await dumpToFile(engine, target);
    const reloaded = await loadRdbFile(target);
    expect(captureDataset(reloaded)).toEqual(captureDataset(engine));
  });

  it('refuses a second dump while one runs, with Redis\'s error', async () => {
    const engine = engineWithData();
    const first = dumpToFile(engine, path.join(temp.dir, 'first.rdb'));
    await expect(dumpToFile(engine, path.join(temp.dir, 'second.rdb'))).rejects.toThrow('ERR Background save already in progress');
    await first;
    engine.assertCheck();
  });

  it('dumpAbort mid-dump frees every copy and held block and keeps the dataset', () => {
    const engine = engineWithData();
    engine.dumpBegin(() => {}, 0);
    engine.dumpStep(40);
    for (let i = 0; i < 50; i++) {
      engine.set(0, b(`k${(i * 7) % 300}`), b('x'));
      engine.del(0, [b(`k${(i * 11) % 300}`)]);
      engine.unlink(0, [b(`k${(i * 13) % 300}`)]);
      engine.endCommand();
    }
    engine.hdel(0, b('h'), [b('f3'), b('f150')]);
    engine.endCommand();
    const live = captureDataset(engine);
    engine.dumpAbort();
    engine.assertCheck();
    expect(captureDataset(engine)).toEqual(live);
    expect(engine.memoryUsage().dumpCopyBlocks).toBe(0);
  });

  it('drops keys already expired when loading (as Redis does) and rejects a file naming a key twice', async () => {
    const file = path.join(temp.dir, 'expiry.rdb');
    const nowMs = Date.now();
    await writeFile(file, encodeRdbFile([
      { dbIndex: 0, key: b('gone'), value: { type: 'string', bytes: b('x') }, expireAtMs: nowMs - 1000 },
      { dbIndex: 0, key: b('kept'), value: { type: 'list', items: [b('a'), b('b')] }, expireAtMs: nowMs + 60_000 },
    ]));
    const engine = await loadRdbFile(file);
    expect(engine.exists(0, [b('gone'), b('kept')])).toBe(1);
    expect(engine.pttl(0, b('kept'))).toBeGreaterThan(50_000);
    await writeFile(file, encodeRdbFile([
      { dbIndex: 0, key: b('twice'), value: { type: 'string', bytes: b('1') }, expireAtMs: null },
      { dbIndex: 0, key: b('twice'), value: { type: 'string', bytes: b('2') }, expireAtMs: null },
    ]));
    await expect(loadRdbFile(file)).rejects.toThrow(/duplicate key/);
  });

  it('rejects truncated and corrupted RDB files with a clear error and returns no engine', async () => {
    const engine = engineWithData();
    const good = path.join(temp.dir, 'good.rdb');
    await dumpToFile(engine, good);
    const bytes = new Uint8Array(await readFile(good));
    const bad = path.join(temp.dir, 'bad.rdb');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: 0, max: bytes.length - 1 }).map((cut) => bytes.slice(0, cut)),
          fc.tuple(fc.integer({ min: 9, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
            const copy = bytes.slice();
            copy[at] = copy[at]! ^ xor;
            return copy;
          }),
        ),
        async (corrupt) => {
          await writeFile(bad, corrupt);
          await expect(loadRdbFile(bad)).rejects.toThrow(/./);
        },
      ),
      { numRuns: 60 },
    );
  });
});
