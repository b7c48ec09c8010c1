/**
 * What a server does with unsaved data when its disk fails (run as root: it mounts a tmpfs).
 *   npx tsx bench/durability-probe.ts <server> [keys=100000]
 * <server>: `redis` (the installed redis-server) or the path of a Sabre checkout (its bin/sabre.mjs);
 * add `worker` after the path for --sabre-logic-worker yes.
 * 1. Full disk at shutdown: N keys written after start (save rule "3600 1", none saved yet), the
 *    disk filled to 64 KiB free, SIGTERM. Prints the process state 10 s later and the keys lost
 *    (what it still serves, or what its RDB holds if it exited); if it still runs, the same after a
 *    second SIGTERM.
 * 2. Writes while BGSAVE fails (the RDB's name is taken by a directory): 1000 SETs after a failed
 *    BGSAVE; prints how many were accepted and the first refusal.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { readRdbFile } from '../src/rdb/index.ts';
import { freePort } from '../tests/support/spawn-ready.ts';

const [target = 'redis', ...rest] = process.argv.slice(2);
const worker = rest.includes('worker');
const keyCount = Number(rest.find((arg) => /^\d+$/.test(arg)) ?? 100_000);

function startServer(dir: string, port: number): ChildProcess {
  const args = ['--port', String(port), '--dir', dir, '--save', '3600 1'];
  const child = target === 'redis'
    ? spawn('redis-server', [...args, '--bind', '127.0.0.1', '--appendonly', 'no', '--logfile', ''], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [path.join(target, 'bin/sabre.mjs'), ...args, ...(worker ? ['--sabre-logic-worker', 'yes'] : [])], { cwd: target, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

async function connect(port: number): Promise<Redis> {
  for (let attempt = 0; ; attempt++) {
    const client = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.dbsize();
      return client;
    } catch (error) {
      client.disconnect();
      if (attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function fullDiskShutdown(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'probe-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128m', 'tmpfs', dir]);
  const port = await freePort();
  const child = startServer(dir, port);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const client = await connect(port);
    for (let start = 0; start < keyCount; start += 10_000) {
      const batch = client.pipeline();
      for (let i = start; i < Math.min(keyCount, start + 10_000); i++) batch.set(`key:${i}`, `value-${i}`.padEnd(100, 'x'));
      await batch.exec();
    }
    const stats = await statfs(dir);
    await writeFile(path.join(dir, 'filler'), Buffer.alloc(Number(stats.bavail) * Number(stats.bsize) - 64 * 1024));
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 10_000))]);
    if (code === 'running') {
      const served = await client.dbsize();
      console.log(`full disk, SIGTERM with ${keyCount} unsaved keys: still running, serves ${served}, keys lost ${keyCount - served}`);
      child.kill('SIGTERM');
      const second = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 10_000))]);
      const servedAfter = second === 'running' ? await client.dbsize() : 0;
      console.log(`  then a second SIGTERM: ${second === 'running' ? `still running, serves ${servedAfter}` : `exited with code ${second}`}, keys lost ${keyCount - servedAfter}`);
      await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    } else {
      const rdb = path.join(dir, 'dump.rdb');
      const saved = existsSync(rdb) ? (await readRdbFile(rdb)).entries.length : 0;
      console.log(`full disk, SIGTERM with ${keyCount} unsaved keys: exited with code ${code}, RDB holds ${saved}, keys lost ${keyCount - saved}`);
    }
    client.disconnect();
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    execFileSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  }
}

async function writesWhileBgsaveFails(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'probe-misconf-'));
  const port = await freePort();
  const child = startServer(dir, port);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const client = await connect(port);
    await client.set('first', '1');
    // After start: Redis refuses to start on a dump.rdb it cannot read.
    await mkdir(path.join(dir, 'dump.rdb', 'blocker'), { recursive: true });
    await client.bgsave();
    let info = '';
    for (let i = 0; i < 500 && !/rdb_bgsave_in_progress:0/.test(info); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      info = await client.info('persistence');
    }
    const status = /rdb_last_bgsave_status:(\w+)/.exec(info)?.[1];
    let accepted = 0;
    let firstRefusal = '';
    for (let i = 0; i < 1000; i++) {
      try {
        await client.set(`during:${i}`, 'v');
        accepted++;
      } catch (error) {
        firstRefusal ||= (error as Error).message;
      }
    }
    console.log(`failing BGSAVE (status ${status}): ${accepted}/1000 writes accepted${firstRefusal ? `, refused with: ${firstRefusal.slice(0, 60)}...` : ''}`);
    await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    client.disconnect();
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`server: ${target}${worker ? ' (logic worker)' : ''}`);
await fullDiskShutdown();
await writesWhileBgsaveFails();
process.exit(0);
