/**
 * redis-benchmark against Sabre (the real `sabre` bin) and against redis-server, in the same run,
 * alternating between them: SET and GET, 50 clients, with and without pipelining (-P 16).
 *   npx tsx bench/server-throughput.ts [requests=200000] [rounds=3]
 * Prints the median ops/s of the rounds and Sabre/Redis ratios. Both servers and the client share
 * the machine, so the figures depend on its load; compare the ratio, not the absolute numbers.
 */
import { median, redisBenchmark, startRedisTarget, startSabreTarget, type Target } from './server-support.ts';

const requests = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 3);
const configurations = [
  { label: 'no pipelining', args: [] as string[] },
  { label: '-P 16', args: ['-P', '16'] },
];

const sabre = await startSabreTarget();
const redis = await startRedisTarget();
const results = new Map<string, number[]>();
try {
  for (let round = 0; round < rounds; round++) {
    for (const configuration of configurations) {
      for (const target of round % 2 === 0 ? [sabre, redis] : [redis, sabre]) {
        const rows = await redisBenchmark(target.port, ['-t', 'set,get', '-n', String(requests), '-c', '50', '-r', '100000', '-d', '16', ...configuration.args]);
        for (const row of rows) {
          const key = `${target.name}|${configuration.label}|${row.test}`;
          results.set(key, [...(results.get(key) ?? []), row.rps]);
        }
      }
    }
  }
} finally {
  await sabre.stop();
  await redis.stop();
}

const of = (target: Target['name'], label: string, test: string) => median(results.get(`${target}|${label}|${test}`) ?? [NaN]);
console.log(`redis-benchmark -t set,get -n ${requests} -c 50 -r 100000 -d 16 [-P 16], median of ${rounds} rounds`);
console.log('| test | pipelining | Sabre ops/s | Redis ops/s | Sabre / Redis |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const configuration of configurations) {
  for (const test of ['SET', 'GET']) {
    const sabreOps = of('sabre', configuration.label, test);
    const redisOps = of('redis', configuration.label, test);
    console.log(`| ${test} | ${configuration.label} | ${Math.round(sabreOps).toLocaleString('en-US')} | ${Math.round(redisOps).toLocaleString('en-US')} | ${(sabreOps / redisOps).toFixed(2)} |`);
  }
}
