/**
 * The write path's own copy-on-write cost, apart from the dump's work: SETs on random keys with no
 * dump, then with a dump begun but never stepped (every first write of a key copies its entry node
 * and keeps the old value's blocks for the dump). copyBound is raised so no DumpStep runs.
 *   npx tsx bench/dump-cow-cost.ts [keys=300000] [sets=100000]
 */
import { Engine } from '../src/engine/engine.ts';
import { seededRandom } from './seeded-random.ts';

const keyCount = Number(process.argv[2] ?? 300_000);
const sets = Number(process.argv[3] ?? 100_000);
const encoder = new TextEncoder();
const engine = new Engine({ initialBlocks: keyCount * 4, maxBlocks: keyCount * 6, copyBound: 1 << 22 });
const keys = Array.from({ length: keyCount }, (_, i) => encoder.encode(`key:${String(i).padStart(10, '0')}`));
const value = new Uint8Array(100).fill(3);
for (const key of keys) {
  engine.set(0, key, value);
  engine.endCommand();
}
const random = seededRandom();
function timeSets(count: number): Float64Array {
  const latencies = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const key = keys[Math.floor(random() * keyCount)]!;
    const start = process.hrtime.bigint();
    engine.set(0, key, value);
    engine.endCommand();
    latencies[i] = Number(process.hrtime.bigint() - start) / 1e3;
  }
  return latencies.sort();
}
const at = (sorted: Float64Array, q: number): string => sorted[Math.floor(q * sorted.length)]!.toFixed(2);
timeSets(sets / 2); // warm up
const without = timeSets(sets);
engine.dumpBegin(() => {}, 1 << 20);
const withCopies = timeSets(sets);
const counters = engine.dumpCounters();
engine.dumpAbort();
console.log(`${keyCount} keys, ${sets} SETs each way`);
console.log('| SET | p50 µs | p99 µs |');
console.log('|---|---|---|');
console.log(`| no dump | ${at(without, 0.5)} | ${at(without, 0.99)} |`);
console.log(`| dump begun, not stepped (${counters.copiesMade} copies, ${counters.heldBlocks} blocks kept) | ${at(withCopies, 0.5)} | ${at(withCopies, 0.99)} |`);
