/**
 * The request parser alone, on the hot path: pipelined GET and SET requests cut into socket-sized
 * chunks (requests straddle chunk boundaries), parsed as a connection does. Compares the parser of
 * several checkouts in one process, rounds alternating the order; CPU only, no sockets.
 *   npx tsx bench/parser-throughput.ts [rounds=5] label=root ...
 *   npx tsx bench/parser-throughput.ts 5 before=/work/wt-base after=.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface ParserLike {
  push(chunk: Buffer): void;
  next(authenticated: boolean): unknown;
}
type ParserClass = new () => ParserLike;

const rounds = Number(process.argv[2] ?? 5);
const variants: { label: string; Parser: ParserClass }[] = [];
for (const spec of process.argv.slice(3)) {
  const label = spec.slice(0, spec.indexOf('='));
  const root = path.resolve(spec.slice(spec.indexOf('=') + 1));
  const module = (await import(pathToFileURL(path.join(root, 'src/server/resp-parser.ts')).href)) as { RequestParser: ParserClass };
  variants.push({ label, Parser: module.RequestParser });
}
if (variants.length === 0) throw new Error('give at least one variant: label=root');

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

function workload(name: string, requestCount: number, chunkByteLength: number, makeArgs: (i: number) => string[]) {
  const wire = Buffer.from(Array.from({ length: requestCount }, (_, i) => encode(makeArgs(i))).join(''));
  const chunks: Buffer[] = [];
  // Copies, as the socket delivers its own buffers.
  for (let offset = 0; offset < wire.length; offset += chunkByteLength) chunks.push(Buffer.from(wire.subarray(offset, offset + chunkByteLength)));
  return { name, requestCount, chunks };
}

const value16 = 'v'.repeat(16);
const workloads = [
  workload('GET, 64 KiB chunks', 400_000, 64 * 1024, (i) => ['GET', `key:${i % 100_000}`]),
  workload('SET 16 B, 64 KiB chunks', 400_000, 64 * 1024, (i) => ['SET', `key:${i % 100_000}`, value16]),
  workload('GET x16 per 1 KiB chunk (-P 16)', 400_000, 16 * 27, (i) => ['GET', `key:${i % 100_000}`]),
  workload('GET, one request per chunk', 200_000, 27, (i) => ['GET', `key:${(i % 90_000) + 10_000}`]),
];

function run(Parser: ParserClass, chunks: Buffer[]): number {
  const parser = new Parser();
  let count = 0;
  for (const chunk of chunks) {
    parser.push(chunk);
    for (let request = parser.next(true); request !== null; request = parser.next(true)) count++;
  }
  return count;
}

const results = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const each of workloads) {
    for (const variant of order) {
      const startedNs = process.hrtime.bigint();
      const count = run(variant.Parser, each.chunks);
      const elapsedSec = Number(process.hrtime.bigint() - startedNs) / 1e9;
      if (count !== each.requestCount) throw new Error(`${variant.label} parsed ${count} of ${each.requestCount} in ${each.name}`);
      const key = `${variant.label}|${each.name}`;
      results.set(key, [...(results.get(key) ?? []), count / elapsedSec]);
    }
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`parser requests/s, median of ${rounds} rounds (the first round warms up the JIT and counts)`);
console.log(`| workload | ${variants.map((variant) => variant.label).join(' | ')} | ${variants.slice(1).map((variant) => `${variant.label} / ${variants[0]!.label}`).join(' | ')} |`);
console.log(`| --- |${' ---: |'.repeat(variants.length * 2 - 1)}`);
for (const each of workloads) {
  const rates = variants.map((variant) => median(results.get(`${variant.label}|${each.name}`)!));
  console.log(`| ${each.name} | ${rates.map((rate) => Math.round(rate).toLocaleString('en-US')).join(' | ')} | ${rates.slice(1).map((rate) => (rate / rates[0]!).toFixed(2)).join(' | ')} |`);
}
