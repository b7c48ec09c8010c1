/** Shared by the server benchmarks: start Sabre (the real bin) and redis-server, run redis-benchmark. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repositoryRoot = path.resolve(import.meta.dirname, '..');

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

export interface Target {
  readonly name: 'sabre' | 'redis';
  readonly port: number;
  readonly child: ChildProcess;
  readonly dir: string;
  stop(): Promise<void>;
}

async function waitFor(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (data: Buffer) => {
      log += data.toString();
      if (pattern.test(log)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}:\n${log}`)));
  });
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
}

/** `root`: the checkout whose bin to run (another worktree, to compare before and after). */
export async function startSabreTarget(extraArgs: string[] = [], root: string = repositoryRoot): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'sabre-bench-'));
  const child = spawn(process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', dir, '--save', '', ...extraArgs], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  await waitFor(child, /Ready to accept connections/, 'sabre');
  return { name: 'sabre', port, child, dir, stop: stopper(child, dir) };
}

export async function startRedisTarget(extraArgs: string[] = []): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-bench-'));
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitFor(child, /Ready to accept connections/, 'redis-server');
  return { name: 'redis', port, child, dir, stop: stopper(child, dir) };
}

export interface BenchmarkRow {
  test: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** redis-benchmark --csv: one row per test with ops/s and latency percentiles. */
export async function redisBenchmark(port: number, args: string[]): Promise<BenchmarkRow[]> {
  const { stdout } = await run('/usr/bin/redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '--csv', ...args], { maxBuffer: 16 * 1024 * 1024 });
  const lines = stdout.trim().split('\n').filter((line) => line.startsWith('"') && !line.startsWith('"test"'));
  return lines.map((line) => {
    const cells = line.split(',').map((cell) => cell.replace(/"/g, ''));
    return { test: cells[0]!, rps: Number(cells[1]), p50Ms: Number(cells[4]), p99Ms: Number(cells[6]), maxMs: Number(cells[7]) };
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
