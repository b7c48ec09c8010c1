/**
 * redis-benchmark SET and GET against several Sabre variants in the same run, rounds alternating
 * the order, so that machine load falls on all of them alike. A variant is a checkout and flags:
 *   npx tsx bench/throughput-variants.ts [requests=200000] [rounds=3] label=root[:flag,value,...] ...
 *   npx tsx bench/throughput-variants.ts 200000 3 before=/work/wt-base after=.
 *   npx tsx bench/throughput-variants.ts 200000 3 inline=. worker=.:--sabre-logic-worker,yes
 * Prints the median ops/s per variant and the ratio to the first variant.
 */
import path from 'node:path';
import { median, redisBenchmark, startSabreTarget, type Target } from './server-support.ts';

const requests = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 3);
const variants = process.argv.slice(4).map((spec) => {
  const [label, rest] = [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)];
  const [root, flags] = rest.includes(':') ? [rest.slice(0, rest.indexOf(':')), rest.slice(rest.indexOf(':') + 1).split(',')] : [rest, []];
  return { label, root: path.resolve(root), flags };
});
if (variants.length === 0) throw new Error('give at least one variant: label=root[:flag,value,...]');
const configurations = [
  { label: 'no pipelining', args: [] as string[] },
  { label: '-P 16', args: ['-P', '16'] },
];

const targets: Target[] = [];
const results = new Map<string, number[]>();
try {
  for (const variant of variants) targets.push(await startSabreTarget(variant.flags, variant.root));
  for (let round = 0; round < rounds; round++) {
    for (const configuration of configurations) {
      const order = variants.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const index of order) {
        const rows = await redisBenchmark(targets[index]!.port, ['-t', 'set,get', '-n', String(requests), '-c', '50', '-r', '100000', '-d', '16', ...configuration.args]);
        for (const row of rows) {
          const key = `${variants[index]!.label}|${configuration.label}|${row.test}`;
          results.set(key, [...(results.get(key) ?? []), row.rps]);
        }
      }
    }
  }
} finally {
  for (const target of targets) await target.stop();
}

console.log(`redis-benchmark -t set,get -n ${requests} -c 50 -r 100000 -d 16 [-P 16], median of ${rounds} rounds`);
console.log(`variants: ${variants.map((variant) => `${variant.label} = ${variant.root} ${variant.flags.join(' ')}`).join('; ')}`);
console.log(`| test | pipelining | ${variants.map((variant) => `${variant.label} ops/s`).join(' | ')} | ${variants.slice(1).map((variant) => `${variant.label} / ${variants[0]!.label}`).join(' | ')} |`);
console.log(`| --- | --- |${' ---: |'.repeat(variants.length * 2 - 1)}`);
for (const configuration of configurations) {
  for (const test of ['SET', 'GET']) {
    const ops = variants.map((variant) => median(results.get(`${variant.label}|${configuration.label}|${test}`) ?? [NaN]));
    console.log(`| ${test} | ${configuration.label} | ${ops.map((value) => Math.round(value).toLocaleString('en-US')).join(' | ')} | ${ops.slice(1).map((value) => (value / ops[0]!).toFixed(2)).join(' | ')} |`);
  }
}
