/**
 * Starts a throwaway redis-server for interop tests (test helper, not a test file). It never uses
 * 6379, and fails loudly when redis-server is missing: interop is a requirement, not an option.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, spawnUntilReady } from '../support/spawn-ready.ts';

export const REDIS_SERVER_PATH = '/usr/bin/redis-server';
/** Loading the biggest test file takes well under a second; this only stops a hung start. */
const STARTUP_TIMEOUT_MS = 30_000;

export type RedisProcess = { port: number; output: () => string; stop: () => Promise<void> };

export async function makeTempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Resolves once Redis accepts connections (after loading the RDB); rejects with its log if it exits. */
export async function startRedis(dir: string, dbfilename: string, extraArgs: string[] = []): Promise<RedisProcess> {
  if (!existsSync(REDIS_SERVER_PATH)) throw new Error(`${REDIS_SERVER_PATH} is missing: install redis-server 7.0 to run the RDB interop tests`);
  // The free port can be taken between the probe and Redis's bind; only that failure is retried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePort(dir, dbfilename, extraArgs);
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(String(error))) throw error;
    }
  }
}

async function startOnFreePort(dir: string, dbfilename: string, extraArgs: string[]): Promise<RedisProcess> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', dbfilename, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', '', ...extraArgs];
  const { child, output, exited } = await spawnUntilReady('redis-server', REDIS_SERVER_PATH, args, { timeoutMs: STARTUP_TIMEOUT_MS });
  return {
    port,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
