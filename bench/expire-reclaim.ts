/**
 * Active expiry against a real redis-server, in one run (Sabre as a process, bin/sabre.mjs):
 *   (a) reclaim: load `plain` keys without a TTL and `ttl` keys with a 1 s TTL, then time until
 *       DBSIZE is back to `plain` (DBSIZE counts expired keys until they are removed, in both);
 *       also the memory a key with a TTL costs (Sabre: live blocks; Redis: used_memory).
 *   (b) cache load: maxmemory 64mb (Redis with maxmemory-policy noeviction, as Sabre) and
 *       `SET k<i> <100 bytes> EX 1` at `rate`/s for `seconds` s, counting OOM replies.
 *   node --import tsx bench/expire-reclaim.ts [--sabre-root DIR] [--part a|b|ab] [--cutoff-s 150]
 *        [--plain 1000000] [--ttl 200000] [--rate 6000] [--seconds 60] [--only sabre|redis]
 *   (c) in-process, this checkout's engine: FLUSHALL ASYNC of 1M keys with and without a TTL, the
 *       time on the command thread (the expiry index is queued for lazy free, not walked).
 * --sabre-root runs another checkout's bin/sabre.mjs (the "before" figures come from the starting
 * commit's worktree); the bench itself only talks RESP, so it works against either.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { ManualClock } from '../src/engine/clock.ts';
import { Engine } from '../src/engine/engine.ts';
import { freePort, repositoryRoot } from './server-support.ts';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

const sabreRoot = path.resolve(option('sabre-root', repositoryRoot));
const part = option('part', 'ab');
const cutoffMs = Number(option('cutoff-s', '150')) * 1000;
const plainKeys = Number(option('plain', '1000000'));
const ttlKeys = Number(option('ttl', '200000'));
const ratePerSec = Number(option('rate', '6000'));
const loadSeconds = Number(option('seconds', '60'));
const only = option('only', '');

interface Server {
  readonly name: 'sabre' | 'redis';
  readonly client: Redis;
  stop(): Promise<void>;
}

async function waitForReady(child: ChildProcess, what: string): Promise<void> {
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (data: Buffer) => {
      log += data.toString();
      if (/Ready to accept connections/.test(log)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}:\n${log}`)));
  });
}

async function start(name: 'sabre' | 'redis', maxmemory: string | null): Promise<Server> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), `${name}-expire-`));
  const limit = maxmemory === null ? [] : name === 'sabre' ? ['--maxmemory', maxmemory] : ['--maxmemory', maxmemory, '--maxmemory-policy', 'noeviction'];
  const child = name === 'sabre'
    ? spawn(process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', dir, '--save', '', ...limit], { cwd: sabreRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...limit], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForReady(child, name);
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableAutoPipelining: false });
  return {
    name,
    client,
    stop: async () => {
      client.disconnect();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function infoField(info: string, field: string): number {
  const found = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return found === null ? Number.NaN : Number(found[1]);
}

/** Sabre: live blocks (x block size = bytes); Redis: used_memory bytes. */
async function memoryBytes(server: Server): Promise<number> {
  const info = await server.client.info();
  return server.name === 'sabre' ? infoField(info, 'live_blocks') * infoField(info, 'block_size_bytes') : infoField(info, 'used_memory');
}

/** SET <prefix><i> v [PX ttlMs] for i < count, pipelined; returns the error replies. */
async function load(server: Server, prefix: string, count: number, ttlMs: number | null): Promise<number> {
  let errors = 0;
  for (let i = 0; i < count; i += 5000) {
    const pipeline = server.client.pipeline();
    for (let j = i; j < Math.min(count, i + 5000); j++) {
      if (ttlMs !== null) pipeline.set(`${prefix}${j}`, 'v', 'PX', ttlMs);
      else pipeline.set(`${prefix}${j}`, 'v');
    }
    for (const [error] of (await pipeline.exec())!) if (error) errors++;
  }
  return errors;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function reclaim(name: 'sabre' | 'redis'): Promise<void> {
  const server = await start(name, null);
  try {
    // Memory first, with a TTL that cannot pass during the measurement, then a clean slate.
    const empty = await memoryBytes(server);
    await load(server, 'm', ttlKeys, null);
    const afterPlain = await memoryBytes(server);
    await load(server, 'n', ttlKeys, 3_600_000);
    const afterTtl = await memoryBytes(server);
    const plainPerKey = (afterPlain - empty) / ttlKeys;
    const ttlPerKey = (afterTtl - afterPlain) / ttlKeys;
    await server.client.flushall();
    await load(server, 'p', plainKeys, null);
    const loadStartMs = performance.now();
    const ttlErrors = await load(server, 't', ttlKeys, 1000);
    const loadEndMs = performance.now();
    // The last TTL key's deadline is 1 s after it was written, i.e. about loadEnd + 1 s.
    let remaining = (await server.client.dbsize()) - plainKeys;
    const remainingAtLoadEnd = remaining;
    while (remaining > 0 && performance.now() - loadEndMs < cutoffMs) {
      await sleep(100);
      remaining = (await server.client.dbsize()) - plainKeys;
    }
    const doneMs = performance.now();
    const infoStats = await server.client.info('stats');
    const result = remaining > 0 ? `not within ${cutoffMs / 1000} s (${remaining} of ${ttlKeys} left)` : `${((doneMs - loadEndMs) / 1000).toFixed(2)} s after the load ended (${((doneMs - loadEndMs - 1000) / 1000).toFixed(2)} s after the last deadline)`;
    console.log(`(a) ${name}: ${plainKeys} plain + ${ttlKeys} with PX 1000, load of the TTL keys took ${((loadEndMs - loadStartMs) / 1000).toFixed(2)} s (${ttlErrors} errors), ${remainingAtLoadEnd} TTL keys present at its end; reclaimed ${result}`);
    console.log(`    memory (${ttlKeys} keys each, TTL 1 h): ${plainPerKey.toFixed(1)} B per key without TTL, ${ttlPerKey.toFixed(1)} B per key with TTL (${(ttlPerKey - plainPerKey).toFixed(1)} B for the TTL); expired_keys ${infoField(infoStats, 'expired_keys')}, expired_time_cap_reached_count ${infoField(infoStats, 'expired_time_cap_reached_count')}`);
  } finally {
    await server.stop();
  }
}

async function cacheLoad(name: 'sabre' | 'redis'): Promise<void> {
  const server = await start(name, '64mb');
  try {
    const value = 'x'.repeat(100);
    let sent = 0;
    let ok = 0;
    let oom = 0;
    let otherErrors = 0;
    let firstOomSec = -1;
    const pending: Promise<void>[] = [];
    let peakUsedBytes = 0;
    const sampler = setInterval(() => {
      void server.client.info('memory').then((info) => (peakUsedBytes = Math.max(peakUsedBytes, infoField(info, 'used_memory'))), () => {});
    }, 1000);
    const startMs = performance.now();
    for (;;) {
      const elapsedMs = performance.now() - startMs;
      if (elapsedMs >= loadSeconds * 1000) break;
      const due = Math.floor((elapsedMs / 1000) * ratePerSec);
      if (due > sent) {
        const pipeline = server.client.pipeline();
        for (; sent < due; sent++) pipeline.set(`k${sent}`, value, 'EX', 1);
        pending.push(pipeline.exec().then((results) => {
          for (const [error] of results!) {
            if (!error) ok++;
            else if (/^OOM/.test(error.message)) {
              oom++;
              if (firstOomSec < 0) firstOomSec = (performance.now() - startMs) / 1000;
            } else otherErrors++;
          }
        }));
      }
      await sleep(10);
    }
    await Promise.all(pending);
    clearInterval(sampler);
    const info = await server.client.info();
    console.log(`(b) ${name}: ${sent} SET EX 1 in ${loadSeconds} s (${(sent / loadSeconds).toFixed(0)}/s), ${ok} OK, ${oom} OOM${firstOomSec >= 0 ? ` (first at ${firstOomSec.toFixed(1)} s)` : ''}, ${otherErrors} other errors; at the end dbsize ${await server.client.dbsize()}, expired_keys ${infoField(info, 'expired_keys')}, used_memory peak ${(peakUsedBytes / 2 ** 20).toFixed(1)} MiB (sampled each second) of maxmemory 64 MiB`);
  } finally {
    await server.stop();
  }
}

function flushAsyncStall(): void {
  const encoder = new TextEncoder();
  for (const withTtl of [false, true]) {
    const engine = new Engine({ clock: new ManualClock(), initialBlocks: 1 << 22, maxBlocks: 1 << 23 });
    for (let i = 0; i < 1_000_000; i++) engine.set(0, encoder.encode(`k${i}`), encoder.encode('v'), withTtl ? { expire: { unit: 'EX', amount: 3600 } } : {});
    engine.endCommand();
    const startMs = performance.now();
    engine.flushallAsync();
    console.log(`(c) FLUSHALL ASYNC of 1M keys ${withTtl ? 'with' : 'without'} a TTL: ${(performance.now() - startMs).toFixed(2)} ms on the command thread`);
  }
}

console.log(`sabre from ${sabreRoot}; node ${process.version}`);
if (part.includes('c')) flushAsyncStall();
const targets = (['sabre', 'redis'] as const).filter((name) => only === '' || only === name);
for (const name of targets) if (part.includes('a')) await reclaim(name);
for (const name of targets) if (part.includes('b')) await cacheLoad(name);
