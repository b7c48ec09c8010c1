/**
 * The copy-on-write dump under a writer: N keys of 100-byte values, a writer overwriting random keys
 * as fast as it can while the dump runs: on a dump worker (mode `worker`, the walk in turns with the
 * writer's batches), or inline with dumpToFile (mode `inline`, dump steps between writer batches).
 *   npx tsx bench/dump-1m.ts [keys=1000000] [copyBound=4096] [stepBlocks=512 inline, 64 worker] [mode=worker]
 * Prints: writer p50/p99/max per SET with and without the dump, dump duration, MB/s, time to first
 * byte, and the peak extra memory the dump held (copies + blocks the writer let go of) as a
 * fraction of the dataset's blocks.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Engine } from '../src/engine/engine.ts';
import { dumpToFile } from '../src/engine/snapshot/dump-file.ts';
import { dumpOnWorker, prewarmDumpWorker } from '../src/engine/workers/dump-thread.ts';
import { seededRandom } from './seeded-random.ts';

const keys = Number(process.argv[2] ?? 1_000_000);
const copyBound = Number(process.argv[3] ?? 4096);
const mode = process.argv[5] ?? 'worker';
if (mode !== 'worker' && mode !== 'inline') throw new Error(`mode must be worker or inline, got ${mode}`);
const stepBlocks = Number(process.argv[4] ?? (mode === 'worker' ? 64 : 512));
const BATCH = 64; // SETs between two turns of the event loop (a server would answer a pipeline like this)
const encoder = new TextEncoder();
const keyBytes = Array.from({ length: keys }, (_, i) => encoder.encode(`key:${String(i).padStart(10, '0')}`));
const value = (i: number): Uint8Array => new Uint8Array(100).map((_, j) => (i * 31 + j) & 0xff);

const engine = new Engine({ initialBlocks: keys * 3 + 1024, maxBlocks: keys * 4 + 65536, copyBound });
for (let i = 0; i < keys; i++) {
  engine.set(0, keyBytes[i]!, value(i));
  engine.endCommand();
}
const datasetBlocks = engine.memoryUsage().liveBlocks;
const random = seededRandom();

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function writerLoop(stopWhen: () => boolean, maxOps: number): Promise<Float64Array> {
  const latencies: number[] = [];
  const payload = value(7);
  while (!stopWhen() && latencies.length < maxOps) {
    for (let j = 0; j < BATCH; j++) {
      const k = keyBytes[Math.floor(random() * keys)]!;
      const start = process.hrtime.bigint();
      engine.set(0, k, payload);
      engine.endCommand();
      latencies.push(Number(process.hrtime.bigint() - start) / 1e3);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return Float64Array.from(latencies).sort();
}

if (mode === 'worker') await prewarmDumpWorker(); // as the server does at start: the thread is up before BGSAVE
const dir = await mkdtemp(path.join(tmpdir(), 'sabre-bench-'));
try {
  // Without a dump: the same loop for the same number of writes the dump run made (measured after).
  const target = path.join(dir, 'dump.rdb');
  const dumpStarted = performance.now();
  const dumping = mode === 'worker' ? dumpOnWorker(engine, target, { stepBlocks }).done : dumpToFile(engine, target, { stepBlocks });
  const withDump = await writerLoop(() => !engine.dumping, Infinity);
  const result = await dumping;
  const dumpMs = performance.now() - dumpStarted;
  const fileBytes = (await stat(target)).size;
  const without = await writerLoop(() => false, withDump.length);
  const row = (name: string, sorted: Float64Array): string =>
    `| ${name} | ${sorted.length} | ${percentile(sorted, 0.5).toFixed(2)} | ${percentile(sorted, 0.99).toFixed(2)} | ${sorted[sorted.length - 1]!.toFixed(0)} |`;
  console.log(`keys ${keys}, 100-byte values, dataset ${datasetBlocks} blocks of ${engine.memoryUsage().blockSizeBytes} B, copyBound ${copyBound}, stepBlocks ${stepBlocks}, dump ${mode}`);
  console.log('| writer | SETs | p50 µs | p99 µs | max µs |');
  console.log('|---|---|---|---|---|');
  console.log(row('during dump', withDump));
  console.log(row('no dump', without));
  console.log('');
  console.log('| dump | value |');
  console.log('|---|---|');
  console.log(`| duration | ${dumpMs.toFixed(0)} ms |`);
  console.log(`| file | ${(fileBytes / 1e6).toFixed(1)} MB, ${(fileBytes / 1e6 / (dumpMs / 1000)).toFixed(1)} MB/s |`);
  console.log(`| time to first byte | ${result.firstByteMs.toFixed(2)} ms |`);
  console.log(`| copies made / peak held | ${result.counters.copiesMade} / ${result.counters.peakCopies} |`);
  console.log(`| peak extra blocks (copies + let go) | ${result.counters.peakExtraBlocks} = ${((100 * result.counters.peakExtraBlocks) / datasetBlocks).toFixed(3)} % of the dataset |`);
  console.log(`| forced DumpSteps by the writer | ${result.counters.forcedSteps} |`);
  console.log(`| p99 ratio during/without | ${(percentile(withDump, 0.99) / percentile(without, 0.99)).toFixed(2)} |`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
