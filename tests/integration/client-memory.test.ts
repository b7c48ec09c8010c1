import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeDir, startTestSabre, type TestSabre } from '../commands/support/sabre.ts';
import { freePort, spawnSabre, type SabreProcess } from './support/process.ts';
import { ask, encodeCommand, infoField, parseClientList, rssBytes, silentClient, unfinishedRpush, type SilentClient } from './support/raw-client.ts';

const repositoryRoot = path.resolve(import.meta.dirname, '../..');
const mib = 1024 * 1024;

async function waitUntil(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function clientList(port: number): Promise<Map<string, string>[]> {
  const text = await ask(port, ['CLIENT', 'LIST']);
  if (text === null) throw new Error('CLIENT LIST did not answer');
  return parseClientList(text);
}

describe('maxmemory-clients against the pending-request attack (server process)', () => {
  const dirs: string[] = [];
  let sabre: SabreProcess | null = null;
  const clients: SilentClient[] = [];
  afterAll(async () => {
    for (const client of clients) client.socket.destroy();
    if (sabre !== null && sabre.child.exitCode === null) sabre.child.kill('SIGKILL');
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('drops the biggest clients, keeps the total under the cap, and keeps serving the data', async () => {
    const dir = await makeDir('sabre-client-memory-');
    dirs.push(dir);
    const port = await freePort();
    const capByteLength = 16 * mib;
    sabre = await spawnSabre(process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', dir, '--save', '', '--maxmemory-clients', '16mb'], repositoryRoot);
    const pid = sabre.child.pid!;
    expect(await ask(port, ['CONFIG', 'GET', 'maxmemory-clients'])).not.toBeNull();
    expect(await ask(port, ['SET', 'before', 'kept'])).toBe('+OK');
    const rssBeforeBytes = rssBytes(pid);

    // Twenty clients, each bigger than every later one (500k down to 310k arguments: 15 bytes
    // held per argument, 7 of wire and 8 of bounds, so 121 MB in all without a cap). Each is read
    // whole before the next connects.
    const argumentCounts = Array.from({ length: 20 }, (_, i) => 500_000 - i * 10_000);
    let rssPeakBytes = rssBeforeBytes;
    for (const [i, count] of argumentCounts.entries()) {
      const client = silentClient(port, Buffer.concat([encodeCommand(['CLIENT', 'SETNAME', `attacker-${i}`]), unfinishedRpush('victim', count)]));
      clients.push(client);
      // Its arguments' bytes and 8 bytes of bounds per argument: all of it has been read.
      const requestByteLength = 7 * (count - 3) + 8 * (count - 1);
      await waitUntil(async () => {
        if (client.isClosed()) return true;
        const mine = (await clientList(port)).find((fields) => fields.get('name') === `attacker-${i}`);
        // Not listed yet (SETNAME still on its way) or evicted (then the socket closes too).
        return mine !== undefined && Number(mine.get('argv-mem')) >= requestByteLength;
      }, `attacker-${i} to be read`);
      rssPeakBytes = Math.max(rssPeakBytes, rssBytes(pid));
    }
    await waitUntil(() => clients.filter((client) => client.isClosed()).length > 0, 'an eviction to reach the client');

    const open = (await clientList(port)).filter((fields) => fields.get('name')?.startsWith('attacker-'));
    const openIndexes = new Set(open.map((fields) => Number(fields.get('name')!.slice('attacker-'.length))));
    const closedCounts = argumentCounts.filter((_, i) => !openIndexes.has(i));
    const openCounts = argumentCounts.filter((_, i) => openIndexes.has(i));
    expect(closedCounts.length).toBeGreaterThan(0);
    expect(openCounts.length).toBeGreaterThan(0);
    // Biggest first: every client dropped was bigger than every client kept. A client of c
    // arguments holds between 15c and 18.5c bytes (its receive buffer has up to half again its
    // 7c bytes as room), so sizes are compared within that slack.
    expect(Math.min(...closedCounts)).toBeGreaterThan(Math.max(...openCounts) * (15 / 18.5));
    const info = (await ask(port, ['INFO']))!;
    expect(infoField(info, 'evicted_clients')).toBe(closedCounts.length);
    expect(infoField(info, 'mem_clients_normal')).toBeLessThanOrEqual(capByteLength);
    const listedTotalBytes = open.reduce((sum, fields) => sum + Number(fields.get('tot-mem')), 0);
    expect(listedTotalBytes).toBeLessThanOrEqual(capByteLength);
    // The clients kept hold what they were sent: the accounting is not an undercount.
    for (const fields of open) {
      const count = argumentCounts[Number(fields.get('name')!.slice('attacker-'.length))]!;
      expect(Number(fields.get('tot-mem'))).toBeGreaterThanOrEqual(7 * (count - 3) + 8 * (count - 1));
    }
    // Resident memory: the cap plus a stated allowance of 96 MB for evicted buffers the collector
    // has not returned yet and the allocator's own slack (measured: 49 and 51 MB of growth in two runs).
    expect(rssPeakBytes - rssBeforeBytes).toBeLessThan(capByteLength + 96 * mib);
    expect(await ask(port, ['PING'])).toBe('+PONG');
    expect(await ask(port, ['GET', 'before'])).toBe('kept');
  }, 60_000);
});

describe('client-query-buffer-limit and the client memory settings (in process)', () => {
  let sabre: TestSabre;
  const clients: SilentClient[] = [];
  beforeAll(async () => {
    sabre = await startTestSabre();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.socket.destroy();
  });
  afterAll(async () => {
    await sabre.stop();
  });

  it('closes the one client over the limit and leaves the others alone', async () => {
    const port = sabre.port;
    expect(await ask(port, ['CONFIG', 'SET', 'client-query-buffer-limit', '1mb'])).toBe('+OK');
    expect(await ask(port, ['CONFIG', 'GET', 'client-query-buffer-limit'])).not.toBeNull();
    const value = Buffer.alloc(600 * 1024, 'v');
    const header = Buffer.from(`*3\r\n$3\r\nSET\r\n$5\r\nsmall\r\n$${value.length}\r\n`);
    const under = silentClient(port, Buffer.concat([header, value.subarray(0, 300 * 1024)]));
    const over = silentClient(port, Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$3000000\r\n'), Buffer.alloc(2 * mib, 'z')]));
    clients.push(under, over);
    await over.closed;
    expect(under.isClosed()).toBe(false);
    const replies: Buffer[] = [];
    under.socket.on('data', (data: Buffer) => replies.push(data));
    under.socket.write(Buffer.concat([value.subarray(300 * 1024), Buffer.from('\r\n')]));
    await waitUntil(() => Buffer.concat(replies).toString() === '+OK\r\n', 'the finished SET to answer', 5000);
    expect((await ask(port, ['GET', 'small']))?.length).toBe(value.length);
    expect(await ask(port, ['EXISTS', 'big'])).toBe(':0');
    expect(await ask(port, ['PING'])).toBe('+PONG');
    expect(await ask(port, ['CONFIG', 'SET', 'client-query-buffer-limit', '1gb'])).toBe('+OK');
  });

  it('reads and writes the settings as Redis 7 spells them', async () => {
    const port = sabre.port;
    expect(await ask(port, ['CONFIG', 'SET', 'client-query-buffer-limit', '1000'])).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be between 1048576 and 9223372036854775807 inclusive",
    );
    expect(await ask(port, ['CONFIG', 'SET', 'maxmemory-clients', '101%'])).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100",
    );
    expect(await ask(port, ['CONFIG', 'SET', 'maxmemory-clients', 'abc'])).toBe(
      "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value",
    );
    const defaultBytes = sabre.instance.context.settings.maxmemoryClients;
    expect(defaultBytes.kind).toBe('bytes');
    expect(await ask(port, ['CONFIG', 'SET', 'maxmemory-clients', '10%'])).toBe('+OK');
    expect(sabre.instance.context.settings.maxmemoryClients).toEqual({ kind: 'percent', percent: 10 });
    expect(await ask(port, ['CONFIG', 'SET', 'maxmemory-clients', '64mb'])).toBe('+OK');
    expect(sabre.instance.context.settings.maxmemoryClients).toEqual({ kind: 'bytes', byteLength: 64 * mib });
    expect(await ask(port, ['CONFIG', 'SET', 'maxmemory-clients', String((defaultBytes as { byteLength: number }).byteLength)])).toBe('+OK');
  });

  it('evicts at once when CONFIG SET lowers maxmemory-clients under what clients hold', async () => {
    const port = sabre.port;
    const evictedBefore = infoField((await ask(port, ['INFO', 'stats']))!, 'evicted_clients');
    const pending = silentClient(port, Buffer.concat([encodeCommand(['CLIENT', 'SETNAME', 'holder']), unfinishedRpush('l', 50_000)]));
    clients.push(pending);
    await waitUntil(async () => {
      const fields = (await clientList(port)).find((each) => each.get('name') === 'holder');
      return fields !== undefined && Number(fields.get('argv-mem')) >= 7 * (50_000 - 3);
    }, 'the pending request to be read', 5000);
    const defaultLimit = sabre.instance.context.settings.maxmemoryClients as { byteLength: number };
    expect(await ask(port, ['CONFIG', 'SET', 'maxmemory-clients', '200kb'])).toBe('+OK');
    await pending.closed;
    expect(infoField((await ask(port, ['INFO', 'stats']))!, 'evicted_clients')).toBe(evictedBefore + 1);
    expect(await ask(port, ['CONFIG', 'SET', 'maxmemory-clients', String(defaultLimit.byteLength)])).toBe('+OK');
  });

  it('shows NO-EVICT as flag e, and a pending request in qbuf / argv-mem / tot-mem', async () => {
    const port = sabre.port;
    const pending = silentClient(port, Buffer.concat([encodeCommand(['CLIENT', 'SETNAME', 'pending']), encodeCommand(['CLIENT', 'NO-EVICT', 'on']), unfinishedRpush('l', 10_000)]));
    clients.push(pending);
    let fields: Map<string, string> | undefined;
    await waitUntil(async () => {
      fields = (await clientList(port)).find((each) => each.get('name') === 'pending');
      return fields !== undefined && Number(fields.get('argv-mem')) >= 7 * (10_000 - 3);
    }, 'the pending request to be read', 5000);
    expect(fields!.get('flags')).toBe('e');
    const [qbuf, qbufFree, argvMem, omem, totMem] = ['qbuf', 'qbuf-free', 'argv-mem', 'omem', 'tot-mem'].map((name) => Number(fields!.get(name)));
    expect(qbuf! + qbufFree! + argvMem! + omem!).toBe(totMem);
    expect(await ask(port, ['CLIENT', 'NO-EVICT', 'maybe'])).toBe('-ERR syntax error');
  });
});
