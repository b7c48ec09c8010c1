/**
 * Throughput of the RDB codec. Run: npx tsx bench/rdb-codec.bench.ts
 * Prints MB/s for CRC-64, LZF, encoding (200k string keys and a 1M-element list written piecewise,
 * output coalesced into 64 KiB chunks) and decoding (whole buffer and streamed in 64 KiB chunks).
 * Each figure is the best of 3 runs, because the machine is shared; docs/rdb.md records the ones
 * measured with this command.
 */
import { performance } from 'node:perf_hooks';
import { Crc64 } from '../src/rdb/crc64.ts';
import { decodeRdb, decodeRdbStream, iterateRdb } from '../src/rdb/decoder.ts';
import { RdbEncoder, concatBytes } from '../src/rdb/encoder.ts';
import { lzfCompress, lzfDecompress } from '../src/rdb/lzf.ts';

const MB = 1024 * 1024;
const textEncoder = new TextEncoder();

const RUNS = 3;

function report(label: string, bytes: number, ms: number): void {
  console.log(`${label.padEnd(48)} ${(bytes / MB).toFixed(1).padStart(7)} MB in ${ms.toFixed(0).padStart(6)} ms = ${((bytes / MB) / (ms / 1000)).toFixed(0).padStart(5)} MB/s`);
}

function time<T>(label: string, bytes: number, run: () => T): T {
  let best = Infinity;
  let result!: T;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    result = run();
    best = Math.min(best, performance.now() - start);
  }
  report(label, bytes, best);
  return result;
}

async function timeAsync<T>(label: string, bytes: number, run: () => Promise<T>): Promise<T> {
  let best = Infinity;
  let result!: T;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    result = await run();
    best = Math.min(best, performance.now() - start);
  }
  report(label, bytes, best);
  return result;
}

const random = new Uint8Array(64 * MB);
for (let i = 0; i < random.length; i += 65536) crypto.getRandomValues(random.subarray(i, i + 65536));
time('crc64 (64 MiB random)', random.length, () => new Crc64().update(random).digest());

const text = textEncoder.encode(Array.from({ length: 400_000 }, (_, i) => `user:${i % 977} logged in from 10.0.${i % 255}.${i % 13}\n`).join(''));
const compressed = time('lzf compress (log-like text)', text.length, () => lzfCompress(text)!);
console.log(`  ratio ${(compressed.length / text.length).toFixed(3)}`);
time('lzf decompress', text.length, () => lzfDecompress(compressed, text.length));

// Inputs are built once, outside the timed region: the bench measures the codec, not TextEncoder.
const stringKeys = Array.from({ length: 200_000 }, (_, i) => ({
  key: textEncoder.encode(`key:${i}`),
  bytes: textEncoder.encode(i % 4 === 0 ? String(i) : `value-${i}-${'x'.repeat(i % 80)}`),
}));
const listBatches = Array.from({ length: 1000 }, (_, b) => Array.from({ length: 1000 }, (_, j) => textEncoder.encode(`element-${b * 1000 + j}`)));

function encodeKeys(compress: boolean): Uint8Array {
  const encoder = new RdbEncoder({ compress, minChunkBytes: 64 * 1024 });
  const chunks: Uint8Array[] = [encoder.header({ ctimeSec: 0 }), encoder.selectDb(0, 200_001, 0)];
  for (const { key, bytes } of stringKeys) {
    chunks.push(encoder.entry({ dbIndex: 0, key, value: { type: 'string', bytes }, expireAtMs: null }));
  }
  chunks.push(encoder.beginValue({ dbIndex: 0, key: textEncoder.encode('big:list'), type: 'list', count: 1_000_000, expireAtMs: null }));
  for (const batch of listBatches) chunks.push(encoder.listItems(batch));
  encoder.endValue();
  chunks.push(encoder.finish());
  return concatBytes(chunks);
}

const probe = encodeKeys(false);
time('encode 200k strings + 1M-element list, no LZF', probe.length, () => encodeKeys(false));
const withLzf = time('encode same, LZF on', probe.length, () => encodeKeys(true));
console.log(`  file ${(probe.length / MB).toFixed(1)} MB raw, ${(withLzf.length / MB).toFixed(1)} MB with LZF`);
time('decode whole buffer (LZF file)', withLzf.length, () => decodeRdb(withLzf));
time('iterate whole buffer, elementBatch 1000', withLzf.length, () => {
  let events = 0;
  for (const _ of iterateRdb(withLzf, { elementBatch: 1000 })) events++;
  return events;
});
await timeAsync('decode streamed, 64 KiB chunks (LZF file)', withLzf.length, () => {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < withLzf.length; i += 65536) chunks.push(withLzf.subarray(i, i + 65536));
  return decodeRdbStream(chunks);
});

// Disk: the same file saved atomically (temp file, fsync, rename, dir fsync) and read back.
const { mkdtemp, rm } = await import('node:fs/promises');
const { tmpdir } = await import('node:os');
const path = await import('node:path');
const { saveRdbAtomically, readRdbFile } = await import('../src/rdb/file.ts');
const dir = await mkdtemp(path.join(tmpdir(), 'sabre-rdb-bench-'));
try {
  const target = path.join(dir, 'dump.rdb');
  await timeAsync('save atomically, 64 KiB chunks (incl. fsync)', withLzf.length, () => {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < withLzf.length; i += 65536) chunks.push(withLzf.subarray(i, i + 65536));
    return saveRdbAtomically(target, chunks);
  });
  await timeAsync('readRdbFile (streamed from disk)', withLzf.length, () => readRdbFile(target));
} finally {
  await rm(dir, { recursive: true, force: true });
}
