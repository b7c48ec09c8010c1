/**
 * Lazy free: main-thread stall of UNLINK vs DEL for big values of every type, the time until a
 * freer worker has returned every block, FLUSHALL ASYNC of many keys, and the cost per block of
 * freeing at once vs queueing (the figure behind LAZYFREE_THRESHOLD_BLOCKS).
 *   node --expose-gc --import tsx bench/lazyfree-unlink.ts [elements=1000000] [stringMB=64] [flushKeys=1000000]
 * With --expose-gc a full GC runs before each timed call, so the stall measured is the command's and
 * not a collection of the garbage the builders left (without it, GC pauses of 5-25 ms land anywhere).
 */
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();
import { Engine } from '../src/engine/engine.ts';
import { FreerWorker } from '../src/engine/workers/freer.ts';

const elements = Number(process.argv[2] ?? 1_000_000);
const stringMB = Number(process.argv[3] ?? 64);
const flushKeys = Number(process.argv[4] ?? 1_000_000);
const encoder = new TextEncoder();
const b = (text: string): Uint8Array => encoder.encode(text);
const BATCH = 1000;

type Builder = (engine: Engine, key: Uint8Array) => void;
const builders: Record<string, Builder> = {
  hash: (e, k) => { for (let i = 0; i < elements; i += BATCH) { e.hset(0, k, Array.from({ length: Math.min(BATCH, elements - i) }, (_, j) => [b(`f${i + j}`), b(`v${i + j}`)])); e.endCommand(); } },
  set: (e, k) => { for (let i = 0; i < elements; i += BATCH) { e.sadd(0, k, Array.from({ length: Math.min(BATCH, elements - i) }, (_, j) => b(`m${i + j}`))); e.endCommand(); } },
  zset: (e, k) => { for (let i = 0; i < elements; i += BATCH) { e.zadd(0, k, Array.from({ length: Math.min(BATCH, elements - i) }, (_, j) => ({ member: b(`m${i + j}`), score: i + j }))); e.endCommand(); } },
  list: (e, k) => { for (let i = 0; i < elements; i += BATCH) { e.rpush(0, k, Array.from({ length: Math.min(BATCH, elements - i) }, (_, j) => b(`element-${i + j}`))); e.endCommand(); } },
  string: (e, k) => { e.set(0, k, new Uint8Array(stringMB * 1024 * 1024).fill(120)); e.endCommand(); },
};

function newEngine(blocks: number): Engine {
  return new Engine({ initialBlocks: blocks, maxBlocks: blocks * 2 + 65536 });
}

const blocksFor = (type: string): number => (type === 'string' ? Math.ceil((stringMB * 1024 * 1024) / 60) + 1024 : elements * 3 + 1024);

console.log(`elements ${elements}, string ${stringMB} MiB, flush keys ${flushKeys}, block 64 B`);
console.log('| value | blocks | DEL stall ms | UNLINK stall ms (2 rounds) | UNLINK → all blocks free (worker) ms |');
console.log('|---|---|---|---|---|');
for (const type of Object.keys(builders)) {
  const engine = newEngine(blocksFor(type));
  const freer = await FreerWorker.start(engine, { budgetBlocks: 4096 });
  builders[type]!(engine, b('big'));
  const blocks = engine.memoryUsage().liveBlocks;
  collectGarbage();
  let start = performance.now();
  engine.del(0, [b('big')]);
  const delMs = performance.now() - start;
  const unlinkMs: number[] = [];
  const drainedMs: number[] = [];
  for (let round = 0; round < 2; round++) {
    builders[type]!(engine, b('big'));
    const freeBefore = engine.memoryUsage().freeBlocks;
    collectGarbage();
    start = performance.now();
    engine.unlink(0, [b('big')]);
    unlinkMs.push(performance.now() - start);
    while (engine.memoryUsage().freeBlocks < freeBefore + blocks - 1) await new Promise((resolve) => setTimeout(resolve, 1));
    drainedMs.push(performance.now() - start);
  }
  await freer.stop();
  console.log(`| ${type} | ${blocks} | ${delMs.toFixed(1)} | ${unlinkMs.map((ms) => ms.toFixed(3)).join(' / ')} | ${drainedMs.map((ms) => ms.toFixed(0)).join(' / ')} |`);
}

{
  const engine = newEngine(flushKeys * 3 + 1024);
  const freer = await FreerWorker.start(engine, { budgetBlocks: 4096 });
  const value = new Uint8Array(100).fill(7);
  for (let i = 0; i < flushKeys; i++) { engine.set(0, b(`key:${i}`), value); engine.endCommand(); }
  const blocks = engine.memoryUsage().liveBlocks;
  const freeBefore = engine.memoryUsage().freeBlocks;
  collectGarbage();
  const start = performance.now();
  engine.flushallAsync();
  const stallMs = performance.now() - start;
  while (engine.memoryUsage().freeBlocks < freeBefore + blocks) await new Promise((resolve) => setTimeout(resolve, 1));
  console.log(`| FLUSHALL ASYNC of ${flushKeys} keys | ${blocks} | – | ${stallMs.toFixed(3)} | ${(performance.now() - start).toFixed(0)} |`);
  await freer.stop();
}

// The threshold: per block, freeing at once vs queueing + a FreeStep, for small hashes.
{
  console.log('');
  console.log('| hash fields | blocks | free at once µs | queue + FreeStep µs |');
  console.log('|---|---|---|---|');
  for (const fields of [4, 16, 32, 64, 256]) {
    const rounds = 2000;
    const timeIt = (threshold: number): number => {
      const engine = new Engine({ initialBlocks: 4096, lazyFreeThresholdBlocks: threshold });
      let total = 0;
      for (let r = 0; r < rounds; r++) {
        engine.hset(0, b('h'), Array.from({ length: fields }, (_, i) => [b(`f${i}`), b('v')]));
        engine.endCommand();
        const start = process.hrtime.bigint();
        engine.unlink(0, [b('h')]);
        engine.freeStep(1 << 20);
        total += Number(process.hrtime.bigint() - start);
      }
      return total / rounds / 1e3;
    };
    timeIt(Infinity); // warm up
    console.log(`| ${fields} | ${2 * fields + 2} | ${timeIt(Infinity).toFixed(2)} | ${timeIt(0).toFixed(2)} |`);
  }
}
