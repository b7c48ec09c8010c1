import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDir } from '../commands/support/sabre.ts';
import { freePort, spawnSabre, type SabreProcess } from './support/process.ts';

const run = promisify(execFile);
const repositoryRoot = path.resolve(import.meta.dirname, '../..');

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/redis-cli', ['-p', String(port), ...args]);
  return stdout.trim();
}

async function waitForLog(sabre: SabreProcess, text: string, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (sabre.output().split(text).length - 1 < count) {
    if (Date.now() > deadline) throw new Error(`no '${text}' x${count} in:\n${sabre.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('command logic in a replaceable worker thread (--sabre-logic-worker yes)', () => {
  const dirs: string[] = [];
  let sabre: SabreProcess | null = null;
  afterAll(async () => {
    if (sabre !== null && sabre.child.exitCode === null) sabre.child.kill('SIGKILL');
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('replaces the worker (DEBUG RESTART-LOGIC, SIGHUP) while clients write, and loses no acknowledged write', async () => {
    const dir = await makeDir('sabre-logic-worker-');
    dirs.push(dir);
    const port = await freePort();
    sabre = await spawnSabre(process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', dir, '--save', '', '--sabre-logic-worker', 'yes', '--enable-debug-command', 'yes'], repositoryRoot);
    expect(sabre.output()).toContain('command logic in a worker thread');
    await cli(port, 'rpush', 'before', 'a', 'b');

    const acknowledged: string[][] = [[], []];
    let writing = true;
    const writers = [0, 1].map(async (w) => {
      // ioredis reconnects and resends what was not answered when a worker's connections close.
      const client = new Redis({ port, maxRetriesPerRequest: null, retryStrategy: () => 20 });
      client.on('error', () => undefined);
      for (let i = 0; writing || i < 50; i++) {
        const key = `w${w}:${i}`;
        expect(await client.set(key, `value-${i}`)).toBe('OK');
        acknowledged[w]!.push(key);
      }
      client.disconnect();
    });

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await cli(port, 'debug', 'restart-logic')).toBe('OK');
    await waitForLog(sabre, 'Command logic replaced', 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    sabre.child.kill('SIGHUP');
    await waitForLog(sabre, 'Command logic replaced', 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await cli(port, 'debug', 'restart-logic')).toBe('OK');
    await waitForLog(sabre, 'Command logic replaced', 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    writing = false;
    await Promise.all(writers);

    const reader = new Redis({ port });
    for (const keys of acknowledged) {
      expect(keys.length).toBeGreaterThan(50);
      const values = await reader.mget(...keys);
      keys.forEach((key, i) => expect(values[i]).toBe(`value-${key.split(':')[1]}`));
    }
    expect(await reader.lrange('before', 0, -1)).toEqual(['a', 'b']);
    expect(await reader.info('stats')).toMatch(/sabre_logic_restarts:3\r\n/);
    expect(await reader.call('DEBUG', 'CHECK')).toBe('OK');
    reader.disconnect();

    // A crash: the worker dies on an uncaught exception; a new one checks the buffer and serves it.
    expect(await cli(port, 'debug', 'crash-logic')).toBe('OK');
    await waitForLog(sabre, 'Command logic restarted after a crash; the dataset passed its check', 1);
    const afterCrash = new Redis({ port, maxRetriesPerRequest: null, retryStrategy: () => 20 });
    afterCrash.on('error', () => undefined);
    expect(await afterCrash.lrange('before', 0, -1)).toEqual(['a', 'b']);
    expect(await afterCrash.get(acknowledged[0]!.at(-1)!)).not.toBeNull();
    expect(await afterCrash.set('after-crash', 'yes')).toBe('OK');
    afterCrash.disconnect();

    sabre.child.kill('SIGTERM');
    expect(await sabre.exited).toBe(0);
  });

  it('refuses DEBUG CRASH-LOGIC when the logic is not in a worker', async () => {
    const dir = await makeDir('sabre-no-logic-worker-');
    dirs.push(dir);
    const port = await freePort();
    const plain = await spawnSabre(process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', dir, '--save', '', '--enable-debug-command', 'yes'], repositoryRoot);
    expect(await cli(port, 'debug', 'crash-logic')).toBe('ERR CRASH-LOGIC needs --sabre-logic-worker yes');
    expect(await cli(port, 'ping')).toBe('PONG');
    plain.child.kill('SIGTERM');
    expect(await plain.exited).toBe(0);
  });
});
