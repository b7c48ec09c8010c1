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

async function waitFor(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const field = (info: string, name: string): string | undefined => new RegExp(`^${name}:(.*)\\r$`, 'm').exec(info)?.[1];

describe('expiry in the server (INFO, CONFIG, DEBUG RESTART-LOGIC)', () => {
  const dirs: string[] = [];
  let sabre: SabreProcess | null = null;
  afterAll(async () => {
    if (sabre !== null && sabre.child.exitCode === null) sabre.child.kill('SIGKILL');
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the expiry index across a logic restart, reports it exactly in INFO and reclaims from it', async () => {
    const dir = await makeDir('sabre-expiry-');
    dirs.push(dir);
    const port = await freePort();
    sabre = await spawnSabre(process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', dir, '--save', '', '--sabre-logic-worker', 'yes', '--enable-debug-command', 'yes', '--hz', '20', '--active-expire-effort', '3'], repositoryRoot);
    const client = new Redis({ port, maxRetriesPerRequest: null, retryStrategy: () => 20 });
    client.on('error', () => undefined);
    expect(await client.config('GET', 'active-expire-effort')).toEqual(['active-expire-effort', '3']);
    expect(await client.config('GET', 'hz')).toEqual(['hz', '20']);
    expect(await client.config('SET', 'active-expire-effort', '10')).toBe('OK');
    await expect(client.config('SET', 'active-expire-effort', '11')).rejects.toThrow(/active-expire-effort/);
    await expect(client.config('SET', 'hz', '50')).rejects.toThrow(/hz/);

    const pipeline = client.pipeline();
    for (let i = 0; i < 3000; i++) pipeline.set(`plain:${i}`, 'v');
    for (let i = 0; i < 2000; i++) pipeline.set(`long:${i}`, 'v', 'EX', 1000);
    await pipeline.exec();
    expect(await client.info('keyspace')).toMatch(/db0:keys=5000,expires=2000,avg_ttl=\d+/);
    const avgTtlMs = Number(/avg_ttl=(\d+)/.exec(await client.info('keyspace'))![1]);
    expect(avgTtlMs).toBeGreaterThan(990_000);
    expect(avgTtlMs).toBeLessThanOrEqual(1_000_000);

    // The new logic attaches to the buffer (and checks it, ExpiresIndexed included) and finds the index.
    expect(await client.call('DEBUG', 'RESTART-LOGIC')).toBe('OK');
    await waitFor('the new logic', async () => sabre!.output().includes('Command logic replaced'));
    expect(await client.call('DEBUG', 'CHECK')).toBe('OK');
    expect(await client.info('keyspace')).toMatch(/db0:keys=5000,expires=2000,/);

    const shortPipeline = client.pipeline();
    for (let i = 0; i < 2000; i++) shortPipeline.set(`short:${i}`, 'v', 'PX', 200);
    await shortPipeline.exec();
    // Nobody reads the short keys: only the active cycle can remove them.
    await waitFor('the short keys to be reclaimed', async () => (await client.dbsize()) === 5000);
    const stats = await client.info('stats');
    expect(Number(field(stats, 'expired_keys'))).toBe(2000);
    expect(field(stats, 'expired_stale_perc')).toMatch(/^\d+\.\d\d$/);
    expect(Number(field(stats, 'expired_time_cap_reached_count'))).toBeGreaterThanOrEqual(0);
    expect(await client.info('keyspace')).toMatch(/db0:keys=5000,expires=2000,/);
    expect(await client.call('DEBUG', 'CHECK')).toBe('OK');
    await client.quit();
    await run('/usr/bin/redis-cli', ['-p', String(port), 'shutdown', 'nosave']).catch(() => undefined);
  });
});
