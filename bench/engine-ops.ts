/**
 * In-process throughput of the SharedArrayBuffer engine against plain JS collections doing the
 * same work in the same run, plus buffer bytes per key for 1M small strings.
 *   npx tsx bench/engine-ops.ts [operations=200000] [memoryKeys=1000000] [rounds=5]
 * Baselines: Map<string, Uint8Array> for strings, Map<string, Map> for hashes, Map<string, Set>
 * for sets, Map<string, Map<member, score>> for sorted sets (no order kept: a flattering baseline),
 * Map<string, Uint8Array[]> with push for lists. Keys are pre-encoded for both sides.
 */
import { Engine } from '../src/engine/engine.ts';

const operations = Number(process.argv[2] ?? 200_000);
const memoryKeys = Number(process.argv[3] ?? 1_000_000);
const encoder = new TextEncoder();
const pad = (n: number) => String(n).padStart(12, '0');

function timeOps(run: () => void, count: number): number {
  const start = process.hrtime.bigint();
  run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return count / seconds;
}

function value100(i: number): Uint8Array {
  const bytes = new Uint8Array(100);
  for (let j = 0; j < 100; j++) bytes[j] = (i * 31 + j) & 0xff;
  return bytes;
}

const keyStrings = Array.from({ length: operations }, (_, i) => `key:${pad(i)}`);
const keyBytes = keyStrings.map((key) => encoder.encode(key));
const values = Array.from({ length: 1024 }, (_, i) => value100(i));
const containers = 1000;
const containerStrings = Array.from({ length: containers }, (_, i) => `c:${i}`);
const containerBytes = containerStrings.map((key) => encoder.encode(key));
const small = encoder.encode('v');

interface Row { command: string; engine: number; baseline: number; ratio: number; decodingRatio: number }
const rows: Row[] = [];
const rounds = Number(process.argv[4] ?? 5);

interface Case<State> { setup(): State; run(state: State): void }

/**
 * Runs engine and baseline alternately `rounds` times on fresh state (the machine is shared and
 * noisy): reports each side's best ops/s and the median of the per-round ratios.
 */
function measure<E, B>(command: string, engineCase: Case<E>, baselineCase: Case<B>): void {
  const engineRates: number[] = [];
  const baselineRates: number[] = [];
  const ratios: number[] = [];
  const decodingRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const engineState = engineCase.setup();
    const engineRate = timeOps(() => engineCase.run(engineState), operations);
    decodeKeys = false;
    const baselineState = baselineCase.setup();
    const baselineRate = timeOps(() => baselineCase.run(baselineState), operations);
    decodeKeys = true;
    const decodingState = baselineCase.setup();
    const decodingRate = timeOps(() => baselineCase.run(decodingState), operations);
    engineRates.push(engineRate);
    baselineRates.push(baselineRate);
    ratios.push(baselineRate / engineRate);
    decodingRatios.push(decodingRate / engineRate);
  }
  const median = (list: number[]) => list.sort((x, y) => x - y)[Math.floor(list.length / 2)]!;
  rows.push({ command, engine: Math.max(...engineRates), baseline: Math.max(...baselineRates), ratio: median(ratios), decodingRatio: median(decodingRatios) });
}

/**
 * Second baseline: keys arrive as bytes (as from a socket) and the Map needs a string, so each
 * operation decodes its key. The first baseline uses prebuilt strings whose hashes V8 has cached.
 */
let decodeKeys = false;
const latin1 = new TextDecoder('latin1');
const keyString = (i: number) => (decodeKeys ? latin1.decode(keyBytes[i]!) : keyStrings[i]!);
const containerString = (i: number) => (decodeKeys ? latin1.decode(containerBytes[i % containers]!) : containerStrings[i % containers]!);

const newEngine = () => new Engine({ initialBlocks: 1 << 16, maxBlocks: 1 << 24 });
let sink = 0;

measure('SET', {
  setup: newEngine,
  run: (engine) => { for (let i = 0; i < operations; i++) engine.set(0, keyBytes[i]!, values[i & 1023]!); },
}, {
  setup: () => new Map<string, Uint8Array>(),
  run: (map) => { for (let i = 0; i < operations; i++) map.set(keyString(i), values[i & 1023]!); },
});

measure('GET', {
  setup: () => { const engine = newEngine(); for (let i = 0; i < operations; i++) engine.set(0, keyBytes[i]!, values[i & 1023]!); return engine; },
  run: (engine) => { for (let i = 0; i < operations; i++) sink += engine.get(0, keyBytes[i]!)!.length; },
}, {
  setup: () => { const map = new Map<string, Uint8Array>(); for (let i = 0; i < operations; i++) map.set(keyStrings[i]!, values[i & 1023]!); return map; },
  // copy out, as the engine does: a reply must not alias storage that later writes change
  run: (map) => { for (let i = 0; i < operations; i++) sink += map.get(keyString(i))!.slice().length; },
});

function containerCase<C>(make: () => C, add: (container: C, i: number) => void): Case<Map<string, C>> {
  return {
    setup: () => new Map<string, C>(),
    run: (all) => {
      for (let i = 0; i < operations; i++) {
        const name = containerString(i);
        let container = all.get(name);
        if (!container) all.set(name, (container = make()));
        add(container, i);
      }
    },
  };
}

measure('HSET', {
  setup: newEngine,
  run: (engine) => { for (let i = 0; i < operations; i++) engine.hset(1, containerBytes[i % containers]!, [[keyBytes[i]!, small]]); },
}, containerCase(() => new Map<string, Uint8Array>(), (hash, i) => hash.set(keyString(i), small)));

measure('ZADD', {
  setup: newEngine,
  run: (engine) => { for (let i = 0; i < operations; i++) engine.zadd(2, containerBytes[i % containers]!, [{ member: keyBytes[i]!, score: i % 977 }]); },
}, containerCase(() => new Map<string, number>(), (zset, i) => zset.set(keyString(i), i % 977)));

measure('SADD', {
  setup: newEngine,
  run: (engine) => { for (let i = 0; i < operations; i++) engine.sadd(3, containerBytes[i % containers]!, [keyBytes[i]!]); },
}, containerCase(() => new Set<string>(), (set, i) => set.add(keyString(i))));

measure('LPUSH', {
  setup: newEngine,
  run: (engine) => { for (let i = 0; i < operations; i++) engine.lpush(4, containerBytes[i % containers]!, [small]); },
}, containerCase((): Uint8Array[] => [], (list) => list.push(small)));

console.log(`in-process ops/s, ${operations} operations per round, ${rounds} alternating rounds (node ${process.version})`);
console.log('| command | engine best ops/s | JS baseline best ops/s | baseline / engine | baseline decoding keys / engine |');
console.log('|---|---|---|---|---|');
for (const row of rows) {
  console.log(`| ${row.command} | ${Math.round(row.engine).toLocaleString('en-US')} | ${Math.round(row.baseline).toLocaleString('en-US')} | ${row.ratio.toFixed(2)}x | ${row.decodingRatio.toFixed(2)}x |`);
}
console.log('(ratios are medians over rounds; > 1 means the JS baseline is faster)');

// Memory: 1M keys key:%012d with 100-byte values, in a fresh engine.
const memoryEngine = new Engine({ initialBlocks: 1 << 16, maxBlocks: 1 << 25 });
const key = new Uint8Array(16);
const prefix = encoder.encode('key:');
key.set(prefix);
for (let i = 0; i < memoryKeys; i++) {
  const digits = pad(i);
  for (let j = 0; j < 12; j++) key[4 + j] = digits.charCodeAt(j);
  memoryEngine.set(0, key, values[i & 1023]!);
}
const usage = memoryEngine.memoryUsage();
const rawBytesPerKey = 16 + 100;
const blockBytes = usage.blockSizeBytes + 8; // each block carries 8 bytes of metadata in its group
const liveBytesPerKey = (usage.liveBlocks * blockBytes) / memoryKeys;
const bufferBytesPerKey = usage.bufferByteLength / memoryKeys;
console.log(`\nmemory, ${memoryKeys} keys key:%012d with 100-byte values (raw ${rawBytesPerKey} bytes per key)`);
console.log('| measure | bytes per key | ratio to raw |');
console.log('|---|---|---|');
console.log(`| live blocks (${usage.liveBlocks} x ${blockBytes} B) | ${liveBytesPerKey.toFixed(1)} | ${(liveBytesPerKey / rawBytesPerKey).toFixed(2)}x |`);
console.log(`| whole buffer (${usage.bufferByteLength} B, incl. free room from growth) | ${bufferBytesPerKey.toFixed(1)} | ${(bufferBytesPerKey / rawBytesPerKey).toFixed(2)}x |`);
if (sink === 42) console.log('');
