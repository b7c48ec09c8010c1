/**
 * BGSAVE during a redis-benchmark write run, the same harness for Sabre and redis-server:
 * prefill, then a SET run without a snapshot and a SET run with BGSAVE issued at its start.
 * Reports ops/s and p99 of both runs, how long the BGSAVE took, and the peak extra resident memory
 * during it, as proportional set size (for Redis: the server plus its fork child; for Sabre: its
 * one process).
 *   npx tsx bench/server-bgsave.ts [prefillKeys=500000] [valueBytes=100] [writeRequests=300000] [sabreDumpStepBlocks=512] [sabreDumpWorker=yes]
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { redisBenchmark, startRedisTarget, startSabreTarget, type Target } from './server-support.ts';

const run = promisify(execFile);
const prefillKeys = Number(process.argv[2] ?? 500_000);
const valueBytes = Number(process.argv[3] ?? 100);
const writeRequests = Number(process.argv[4] ?? 300_000);
const dumpStepBlocks = process.argv[5] ?? '512';
const dumpWorker = process.argv[6] ?? 'yes';

/**
 * Proportional set size: a page shared by a parent and its fork child counts half in each, so the
 * sum over both is the memory really used (plain RSS would count Redis's shared pages twice).
 */
function rssBytes(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/Pss:\s+(\d+) kB/.exec(rollup)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** The process and its children (Redis's BGSAVE fork), by PSS. */
function treeRssBytes(pid: number): number {
  let total = rssBytes(pid);
  try {
    for (const task of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) total += rssBytes(Number(task));
  } catch {
    // no children file: no fork
  }
  return total;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/redis-cli', ['-p', String(port), ...args]);
  return stdout.trim();
}

async function measure(target: Target) {
  const pid = target.child.pid!;
  await redisBenchmark(target.port, ['-t', 'set', '-n', String(prefillKeys * 2), '-r', String(prefillKeys), '-d', String(valueBytes), '-c', '50', '-P', '32']);
  const keys = Number(await cli(target.port, 'dbsize'));
  const quiet = await redisBenchmark(target.port, ['-t', 'set', '-n', String(writeRequests), '-r', String(prefillKeys), '-d', String(valueBytes), '-c', '50']);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const baselineRss = treeRssBytes(pid);
  let peakRss = baselineRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, treeRssBytes(pid))), 10);
  const benchmark = redisBenchmark(target.port, ['-t', 'set', '-n', String(writeRequests), '-r', String(prefillKeys), '-d', String(valueBytes), '-c', '50']);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const bgsaveStarted = Date.now();
  const reply = await cli(target.port, 'bgsave');
  let bgsaveMs = -1;
  const waitForSave = (async () => {
    for (;;) {
      const info = await cli(target.port, 'info', 'persistence');
      if (/rdb_bgsave_in_progress:0/.test(info)) {
        bgsaveMs = Date.now() - bgsaveStarted;
        return /rdb_last_bgsave_status:ok/.test(info);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const [withBgsave, saveOk] = await Promise.all([benchmark, waitForSave]);
  clearInterval(sampler);
  return { keys, reply, saveOk, bgsaveMs, quiet: quiet[0]!, withBgsave: withBgsave[0]!, baselineRss, extraRss: peakRss - baselineRss };
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const rows: string[] = [];
for (const start of [() => startSabreTarget(['--sabre-dump-step-blocks', dumpStepBlocks, '--sabre-dump-worker', dumpWorker]), () => startRedisTarget()]) {
  const target = await start();
  try {
    const result = await measure(target);
    rows.push(`| ${target.name} | ${result.keys.toLocaleString('en-US')} | ${Math.round(result.quiet.rps).toLocaleString('en-US')} / ${result.quiet.p99Ms} | ` +
      `${Math.round(result.withBgsave.rps).toLocaleString('en-US')} / ${result.withBgsave.p99Ms} | ${result.withBgsave.maxMs} | ${result.bgsaveMs} ms ${result.saveOk ? 'ok' : 'FAILED'} | ${mb(result.baselineRss)} | +${mb(result.extraRss)} |`);
  } finally {
    await target.stop();
  }
}
console.log(`prefill ${prefillKeys} keys x ${valueBytes} B; SET -n ${writeRequests} -c 50 -r ${prefillKeys}; BGSAVE 300 ms into the second run; Sabre dump ${dumpWorker === 'yes' ? 'on its worker' : `inline, steps of ${dumpStepBlocks} blocks`}`);
console.log('| server | keys | ops/s / p99 ms, no BGSAVE | ops/s / p99 ms, with BGSAVE | max ms, with BGSAVE | BGSAVE took | PSS before MB | peak extra PSS MB |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
