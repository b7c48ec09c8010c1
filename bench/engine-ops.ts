/**
 * In-process throughput of the SharedArrayBuffer engine against plain JS collections doing the
 * same work in the same run, plus buffer bytes per key for 1M small strings.
 *   npx tsx bench/engine-ops.ts [operations=200000] [memoryKeys=1000000]
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

interface Row { command: string; engine: number; baseline: number }
const rows: Row[] = [];

function measure(command: string, engineRun: () => void, baselineRun: () => void): void {
  // one warm-up pass each, then the timed pass
  const engineOps = timeOps(engineRun, operations);
  const baselineOps = timeOps(baselineRun, operations);
  rows.push({ command, engine: engineOps, baseline: baselineOps });
}

const engine = new Engine({ initialBlocks: 1 << 16, maxBlocks: 1 << 24 });
const map = new Map<string, Uint8Array>();
measure('SET', () => {
  for (let i = 0; i < operations; i++) engine.set(0, keyBytes[i]!, values[i & 1023]!);
}, () => {
  for (let i = 0; i < operations; i++) map.set(keyStrings[i]!, values[i & 1023]!);
});
let sink = 0;
measure('GET', () => {
  for (let i = 0; i < operations; i++) sink += engine.get(0, keyBytes[i]!)!.length;
}, () => {
  for (let i = 0; i < operations; i++) sink += map.get(keyStrings[i]!)!.slice().length; // copy out, as the engine does
});
const hashes = new Map<string, Map<string, Uint8Array>>();
measure('HSET', () => {
  for (let i = 0; i < operations; i++) engine.hset(1, containerBytes[i % containers]!, [[keyBytes[i]!, small]]);
}, () => {
  for (let i = 0; i < operations; i++) {
    const name = containerStrings[i % containers]!;
    let hash = hashes.get(name);
    if (!hash) hashes.set(name, (hash = new Map()));
    hash.set(keyStrings[i]!, small);
  }
});
const zsets = new Map<string, Map<string, number>>();
measure('ZADD', () => {
  for (let i = 0; i < operations; i++) engine.zadd(2, containerBytes[i % containers]!, [{ member: keyBytes[i]!, score: i % 977 }]);
}, () => {
  for (let i = 0; i < operations; i++) {
    const name = containerStrings[i % containers]!;
    let zset = zsets.get(name);
    if (!zset) zsets.set(name, (zset = new Map()));
    zset.set(keyStrings[i]!, i % 977);
  }
});
const sets = new Map<string, Set<string>>();
measure('SADD', () => {
  for (let i = 0; i < operations; i++) engine.sadd(3, containerBytes[i % containers]!, [keyBytes[i]!]);
}, () => {
  for (let i = 0; i < operations; i++) {
    const name = containerStrings[i % containers]!;
    let set = sets.get(name);
    if (!set) sets.set(name, (set = new Set()));
    set.add(keyStrings[i]!);
  }
});
const lists = new Map<string, Uint8Array[]>();
measure('LPUSH', () => {
  for (let i = 0; i < operations; i++) engine.lpush(4, containerBytes[i % containers]!, [small]);
}, () => {
  for (let i = 0; i < operations; i++) {
    const name = containerStrings[i % containers]!;
    let list = lists.get(name);
    if (!list) lists.set(name, (list = []));
    list.push(small);
  }
});

console.log(`in-process ops/s, ${operations} operations each (node ${process.version})`);
console.log('| command | engine ops/s | JS baseline ops/s | baseline / engine |');
console.log('|---|---|---|---|');
for (const row of rows) {
  console.log(`| ${row.command} | ${Math.round(row.engine).toLocaleString('en-US')} | ${Math.round(row.baseline).toLocaleString('en-US')} | ${(row.baseline / row.engine).toFixed(2)}x |`);
}

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
