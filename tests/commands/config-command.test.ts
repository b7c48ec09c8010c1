import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDir, startTestSabre, type TestSabre } from './support/sabre.ts';
import { nonLoopbackIPv4 } from '../support/peer-sockets.ts';

const protectedText = (name: string) => `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set protected config`;
const immutableText = (name: string) => `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`;
/** What an attacker would plant: lines an sshd would read as a key. */
const plantedKey = '\n\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIattacker attacker@example\n\n';

describe('CONFIG SET of protected configs (the arbitrary file write)', () => {
  const started: TestSabre[] = [];
  const clients: Redis[] = [];
  const madeDirs: string[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    for (const sabre of started.splice(0)) await sabre.stop();
    for (const dir of madeDirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  async function start(overrides: Parameters<typeof startTestSabre>[0] = {}): Promise<{ sabre: TestSabre; client: Redis }> {
    const sabre = await startTestSabre(overrides);
    started.push(sabre);
    const client = new Redis({ port: sabre.port });
    clients.push(client);
    return { sabre, client };
  }

  it('reports the new settings at their Redis 7 defaults, and refuses to change the enable-* ones at run time', async () => {
    const { client } = await start();
    expect(await client.config('GET', 'enable-*')).toEqual(['enable-protected-configs', 'no', 'enable-debug-command', 'no']);
    expect(await client.config('GET', 'protected-mode')).toEqual(['protected-mode', 'yes']);
    expect(await client.config('GET', 'timeout')).toEqual(['timeout', '0']);
    await expect(client.config('SET', 'enable-protected-configs', 'yes')).rejects.toThrow(immutableText('enable-protected-configs'));
    await expect(client.config('SET', 'enable-debug-command', 'yes')).rejects.toThrow(immutableText('enable-debug-command'));
  });

  it('refuses CONFIG SET dir and dbfilename by default, so SAVE cannot write elsewhere', async () => {
    const { sabre, client } = await start();
    const victim = await makeDir('sabre-victim-');
    madeDirs.push(victim);
    const sshDir = path.join(victim, '.ssh');
    await mkdir(sshDir);
    await expect(client.config('SET', 'dir', sshDir)).rejects.toThrow(protectedText('dir'));
    await expect(client.config('SET', 'dbfilename', 'authorized_keys')).rejects.toThrow(protectedText('dbfilename'));
    // All or nothing: a protected name refuses the whole call.
    await expect(client.call('CONFIG', 'SET', 'save', '1 1', 'dir', sshDir)).rejects.toThrow(protectedText('dir'));
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    // A missing directory is refused before anything is created, however deep.
    await expect(client.config('SET', 'dir', path.join(victim, 'made', 'by', 'client'))).rejects.toThrow(protectedText('dir'));
    await client.set('k', plantedKey);
    expect(await client.save()).toBe('OK');
    expect(readdirSync(sshDir)).toEqual([]);
    expect(readdirSync(victim)).toEqual(['.ssh']);
    expect(readdirSync(sabre.dir)).toEqual(['dump.rdb']);
    expect(await client.config('GET', 'dir')).toEqual(['dir', sabre.dir]);
  });

  it('with enable-protected-configs yes, sets dir only to an existing directory and never creates one', async () => {
    const { client } = await start({ enableProtectedConfigs: 'yes' });
    const base = await makeDir('sabre-dir-');
    madeDirs.push(base);
    const missing = path.join(base, 'missing', 'deeper');
    await expect(client.config('SET', 'dir', missing)).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory");
    expect(existsSync(path.join(base, 'missing'))).toBe(false);
    await writeFile(path.join(base, 'a-file'), 'x');
    await expect(client.config('SET', 'dir', path.join(base, 'a-file'))).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'dir') - Not a directory");
    await expect(client.config('SET', 'dbfilename', 'a/b.rdb')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename");
    // What Redis allows once the operator opted in: an existing directory and a plain name.
    expect(await client.call('CONFIG', 'SET', 'dir', base, 'dbfilename', 'other.rdb')).toBe('OK');
    await client.set('k', 'v');
    expect(await client.save()).toBe('OK');
    expect(readFileSync(path.join(base, 'other.rdb')).subarray(0, 5).toString()).toBe('REDIS');
    expect(readdirSync(base).sort()).toEqual(['a-file', 'other.rdb']);
  });

  it('with enable-protected-configs local, decides by the peer address', async () => {
    const { sabre } = await start({ enableProtectedConfigs: 'local', bind: '0.0.0.0', protectedMode: false });
    const local = new Redis({ host: '127.0.0.1', port: sabre.port });
    const remote = new Redis({ host: nonLoopbackIPv4(), port: sabre.port });
    clients.push(local, remote);
    await expect(remote.config('SET', 'dir', sabre.dir)).rejects.toThrow(protectedText('dir'));
    await expect(remote.config('SET', 'dbfilename', 'x.rdb')).rejects.toThrow(protectedText('dbfilename'));
    expect(await local.call('CONFIG', 'SET', 'dir', sabre.dir, 'dbfilename', 'x.rdb')).toBe('OK');
    expect(await remote.config('GET', 'dbfilename')).toEqual(['dbfilename', 'x.rdb']);
  });

  it('validates timeout and protected-mode as Redis does', async () => {
    const { client } = await start();
    await expect(client.config('SET', 'timeout', '-1')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive");
    await expect(client.config('SET', 'timeout', 'abc')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer");
    await expect(client.config('SET', 'protected-mode', 'maybe')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'protected-mode')");
    expect(await client.call('CONFIG', 'SET', 'timeout', '30', 'protected-mode', 'no')).toBe('OK');
    expect(await client.config('GET', 'timeout')).toEqual(['timeout', '30']);
    expect(await client.config('GET', 'protected-mode')).toEqual(['protected-mode', 'no']);
  });
});

const debugRefusedText =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, ' +
  'otherwise you need to set this option in the configuration file, and then restart the server.';

describe('DEBUG behind enable-debug-command', () => {
  const started: TestSabre[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    for (const sabre of started.splice(0)) await sabre.stop();
  });

  it('refuses every subcommand by default with Redis\'s text', async () => {
    const sabre = await startTestSabre();
    started.push(sabre);
    const client = new Redis({ port: sabre.port });
    clients.push(client);
    for (const sub of [['CHECK'], ['HELP'], ['RESTART-LOGIC'], ['CRASH-LOGIC'], ['NOSUCH', 'x']]) {
      await expect(client.call('DEBUG', ...sub)).rejects.toThrow(debugRefusedText);
    }
    expect(sabre.instance.context.host.restartCount).toBe(0);
    await expect(client.call('DEBUG')).rejects.toThrow("ERR wrong number of arguments for 'debug' command");
  });

  it('runs DEBUG with enable-debug-command yes', async () => {
    const sabre = await startTestSabre({ enableDebugCommand: 'yes' });
    started.push(sabre);
    const client = new Redis({ port: sabre.port });
    clients.push(client);
    expect(await client.call('DEBUG', 'CHECK')).toBe('OK');
    expect(await client.call('DEBUG', 'RESTART-LOGIC')).toBe('OK');
    expect(sabre.instance.context.host.restartCount).toBe(1);
  });

  it('with enable-debug-command local, runs DEBUG for loopback peers only', async () => {
    const sabre = await startTestSabre({ enableDebugCommand: 'local', bind: '0.0.0.0', protectedMode: false });
    started.push(sabre);
    const local = new Redis({ host: '127.0.0.1', port: sabre.port });
    const remote = new Redis({ host: nonLoopbackIPv4(), port: sabre.port });
    clients.push(local, remote);
    await expect(remote.call('DEBUG', 'CHECK')).rejects.toThrow(debugRefusedText);
    expect(await local.call('DEBUG', 'CHECK')).toBe('OK');
  });
});
