import net from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestSabre, type TestSabre } from '../commands/support/sabre.ts';
import { exchangeVia } from '../support/peer-sockets.ts';

/** A client that sends the start of a command and then nothing: what held slots until a restart. */
async function halfCommand(port: number): Promise<{ socket: net.Socket; address: string; sentAtMs: number; closed: Promise<number>; received: () => string }> {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  /** Resolves with Date.now() at the close. */
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('*2\r\n$3\r\nGET\r\n$10\r\nabc');
  return { socket, address: `127.0.0.1:${socket.localPort}`, sentAtMs: Date.now(), closed, received: () => received };
}

/** Resolves once the server has counted `count` clients (CLIENT LIST from `admin` counts itself). */
async function untilClientCount(admin: Redis, count: number): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (String(await admin.client('LIST')).trim().split('\n').length === count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the server never had ${count} clients`);
}

/** Fails after `ms` instead of waiting on a close that never comes (a failing run ends quickly). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

const full = { received: '-ERR max number of clients reached\r\n', closedByServer: true };
const served = { received: '+PONG\r\n+OK\r\n', closedByServer: true };

describe('CLIENT KILL', () => {
  const started: TestSabre[] = [];
  const sockets: net.Socket[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const client of clients.splice(0)) client.disconnect();
    for (const sabre of started.splice(0)) await sabre.stop();
  });
  async function start(overrides: Parameters<typeof startTestSabre>[0] = {}): Promise<{ sabre: TestSabre; admin: Redis }> {
    const sabre = await startTestSabre(overrides);
    started.push(sabre);
    const admin = new Redis({ port: sabre.port });
    clients.push(admin);
    await admin.ping();
    return { sabre, admin };
  }

  it('old form: kills the client at ip:port with +OK, or answers No such client', async () => {
    const { sabre, admin } = await start();
    const victim = await halfCommand(sabre.port);
    sockets.push(victim.socket);
    await untilClientCount(admin, 2);
    expect(await admin.client('KILL', victim.address)).toBe('OK');
    await victim.closed;
    expect(victim.received()).toBe('');
    await expect(admin.client('KILL', victim.address)).rejects.toThrow('ERR No such client');
    await expect(admin.client('KILL', '1.2.3.4:5')).rejects.toThrow('ERR No such client');
  });

  it('old form may kill the caller: the reply comes first, then the close', async () => {
    const { sabre } = await start();
    const self = net.connect(sabre.port, '127.0.0.1');
    sockets.push(self);
    await new Promise<void>((resolve) => self.once('connect', () => resolve()));
    const address = `127.0.0.1:${self.localPort}`;
    const received = await within(new Promise<string>((resolve) => {
      let text = '';
      self.on('data', (chunk) => (text += chunk.toString('latin1')));
      self.once('close', () => resolve(text));
      self.write(`CLIENT KILL ${address}\r\nPING\r\n`);
    }), 10_000, 'the close after CLIENT KILL of the caller');
    expect(received).toBe('+OK\r\n');
  });

  it('new form: filters by ID, ADDR, LADDR, TYPE, USER, SKIPME and MAXAGE and answers the count', async () => {
    const { sabre, admin } = await start();
    const others = [await halfCommand(sabre.port), await halfCommand(sabre.port), await halfCommand(sabre.port)];
    sockets.push(...others.map((other) => other.socket));
    await untilClientCount(admin, 4);
    const list = String(await admin.client('LIST'));
    const idOf = (address: string) => Number(new RegExp(`id=(\\d+) addr=${address.replace(/\./g, '\\.')} `).exec(list)![1]);

    expect(await admin.client('KILL', 'ID', String(idOf(others[0]!.address)))).toBe(1);
    await others[0]!.closed;
    expect(await admin.client('KILL', 'ADDR', others[1]!.address, 'TYPE', 'normal')).toBe(1);
    await others[1]!.closed;
    expect(await admin.client('KILL', 'TYPE', 'pubsub')).toBe(0);
    expect(await admin.client('KILL', 'TYPE', 'replica')).toBe(0);
    expect(await admin.client('KILL', 'ID', '999999')).toBe(0);
    expect(await admin.client('KILL', 'LADDR', '10.9.9.9:1')).toBe(0);
    // Nobody is 3600 s old yet.
    expect(await admin.client('KILL', 'MAXAGE', '3600')).toBe(0);
    // USER default matches everyone; SKIPME yes (the default) spares the caller.
    expect(await admin.client('KILL', 'USER', 'default', 'LADDR', `127.0.0.1:${sabre.port}`)).toBe(1);
    await others[2]!.closed;
    expect(await admin.ping()).toBe('PONG');

    await expect(admin.client('KILL', 'ID', '0')).rejects.toThrow('ERR client-id should be greater than 0');
    await expect(admin.client('KILL', 'ID', 'abc')).rejects.toThrow('ERR client-id should be greater than 0');
    await expect(admin.client('KILL', 'TYPE', 'foo')).rejects.toThrow("ERR Unknown client type 'foo'");
    await expect(admin.client('KILL', 'USER', 'bob')).rejects.toThrow("ERR No such user 'bob'");
    await expect(admin.client('KILL', 'SKIPME', 'maybe')).rejects.toThrow('ERR syntax error');
    await expect(admin.client('KILL', 'BOGUS', 'x')).rejects.toThrow('ERR syntax error');
    await expect(admin.client('KILL', 'ID', '1', 'TYPE')).rejects.toThrow('ERR syntax error');
    await expect(admin.client('KILL', 'MAXAGE', '0')).rejects.toThrow('ERR maxage should be greater than 0');
    await expect(admin.call('CLIENT', 'KILL')).rejects.toThrow("ERR wrong number of arguments for 'client|kill' command");

    // SKIPME no: the caller is killed too, after its reply.
    expect(await admin.client('KILL', 'USER', 'default', 'SKIPME', 'no')).toBe(1);
  });

  it('frees a maxclients slot held by an idle half-command at once', async () => {
    const { sabre, admin } = await start({ maxclients: 3 });
    const idle = [await halfCommand(sabre.port), await halfCommand(sabre.port)];
    sockets.push(...idle.map((client) => client.socket));
    await untilClientCount(admin, 3);
    expect(await exchangeVia('127.0.0.1', sabre.port, 'PING\r\nQUIT\r\n')).toEqual(full);
    expect(await admin.client('KILL', 'ADDR', idle[0]!.address)).toBe(1);
    // No wait for the killed socket's close: the slot is free as soon as the reply is.
    expect(await exchangeVia('127.0.0.1', sabre.port, 'PING\r\nQUIT\r\n')).toEqual(served);
  });
});

describe('timeout', () => {
  const started: TestSabre[] = [];
  const sockets: net.Socket[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const client of clients.splice(0)) client.disconnect();
    for (const sabre of started.splice(0)) await sabre.stop();
  });

  it('closes idle half-commands that filled maxclients, keeps an active client, and lets a new one in', async () => {
    const sabre = await startTestSabre({ maxclients: 3, clientIdleTimeoutSec: 1 });
    started.push(sabre);
    const active = new Redis({ port: sabre.port });
    clients.push(active);
    await active.ping();
    const idle = [await halfCommand(sabre.port), await halfCommand(sabre.port)];
    sockets.push(...idle.map((client) => client.socket));
    await untilClientCount(active, 3);
    expect(await exchangeVia('127.0.0.1', sabre.port, 'PING\r\nQUIT\r\n')).toEqual(full);
    // The active client speaks every 200 ms, well inside the 1 s timeout.
    const keepAlive = setInterval(() => void active.ping(), 200);
    let closedAtMs: number[];
    try {
      closedAtMs = await within(Promise.all(idle.map((client) => client.closed)), 10_000, 'the idle clients\' close');
    } finally {
      clearInterval(keepAlive);
    }
    // Not before the timeout: each was closed over a second after its last bytes.
    idle.forEach((client, i) => expect(closedAtMs[i]! - client.sentAtMs).toBeGreaterThanOrEqual(1000));
    expect(idle.map((client) => client.received())).toEqual(['', '']);
    expect(await active.ping()).toBe('PONG');
    await untilClientCount(active, 1);
    expect(await exchangeVia('127.0.0.1', sabre.port, 'PING\r\nQUIT\r\n')).toEqual(served);
  });

  it('keeps idle clients with timeout 0, the default', async () => {
    const sabre = await startTestSabre({ maxclients: 2 });
    started.push(sabre);
    const admin = new Redis({ port: sabre.port });
    clients.push(admin);
    const idle = await halfCommand(sabre.port);
    sockets.push(idle.socket);
    await untilClientCount(admin, 2);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await untilClientCount(admin, 2);
    expect(await admin.config('SET', 'timeout', '1')).toBe('OK');
    await within(idle.closed, 10_000, 'the idle client\'s close');
  });
});
