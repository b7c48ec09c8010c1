import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDir } from '../commands/support/sabre.ts';
import { freePort, spawnSabre, type SabreProcess } from './support/process.ts';

const run = promisify(execFile);
const repositoryRoot = path.resolve(import.meta.dirname, '../..');

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('/usr/bin/redis-cli', ['-p', String(port), ...args]);
  return stdout.trim();
}

describe('the sabre bin and npm start', () => {
  const running: SabreProcess[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const sabre of running) if (sabre.child.exitCode === null) sabre.child.kill('SIGKILL');
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('serves redis-cli, saves on SAVE and on SIGTERM, and loads its RDB on the next start', async () => {
    const dir = await makeDir('sabre-bin-');
    dirs.push(dir);
    const dataDir = path.join(dir, 'data');
    const port = await freePort();
    const first = await spawnSabre(process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', dataDir], repositoryRoot);
    running.push(first);
    expect(await cli(port, 'ping')).toBe('PONG');
    expect(await cli(port, 'set', 'greeting', 'hello')).toBe('OK');
    expect(await cli(port, 'get', 'greeting')).toBe('hello');
    expect(await cli(port, 'save')).toBe('OK');
    expect(existsSync(path.join(dataDir, 'dump.rdb'))).toBe(true);
    expect(await cli(port, 'rpush', 'after-save', 'x')).toBe('1');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('DB saved on disk');

    const second = await spawnSabre(process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', dataDir, '--enable-debug-command', 'yes'], repositoryRoot);
    running.push(second);
    expect(second.output()).toMatch(/DB loaded from disk: 2 keys/);
    expect(await cli(port, 'get', 'greeting')).toBe('hello');
    expect(await cli(port, 'lrange', 'after-save', '0', '-1')).toBe('x');
    expect(await cli(port, 'debug', 'restart-logic')).toBe('OK');
    expect(await cli(port, 'get', 'greeting')).toBe('hello');
    await cli(port, 'shutdown', 'nosave').catch(() => undefined);
    expect(await second.exited).toBe(0);
  });

  it('starts through `npm start -- --port P --dir D`', async () => {
    const dir = await makeDir('sabre-npm-start-');
    dirs.push(dir);
    const port = await freePort();
    const sabre = await spawnSabre('npm', ['start', '--silent', '--', '--port', String(port), '--dir', dir, '--save', ''], repositoryRoot);
    running.push(sabre);
    expect(await cli(port, 'ping')).toBe('PONG');
    expect(await cli(port, 'config', 'get', 'dir')).toBe(`dir\n${dir}`);
    await cli(port, 'shutdown').catch(() => undefined);
    expect(await sabre.exited).toBe(0);
    expect(existsSync(path.join(dir, 'dump.rdb'))).toBe(false);
  });

  it('exits non-zero with a clear message on a corrupt RDB, without listening', async () => {
    const dir = await makeDir('sabre-bad-rdb-');
    dirs.push(dir);
    await writeFile(path.join(dir, 'dump.rdb'), 'REDIS0010 this is not an rdb');
    const port = await freePort();
    const result = spawnSync(process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', dir], { cwd: repositoryRoot, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/sabre: cannot load .*dump\.rdb/);
    expect(result.stderr).toContain('--sabre-on-bad-rdb start-empty');
  });
});
