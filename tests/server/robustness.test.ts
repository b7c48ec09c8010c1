import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { startServer, type SabreServer } from '../../src/server/index.ts';
import { MapExecutorDouble } from './support/map-executor.ts';
import { exchangeRaw, exchangeThenQuit } from './support/raw-client.ts';

/** Hostile inputs: random bytes, cut frames, huge declared sizes, wrong arities, odd quoting. */
const hostilePayload = fc.array(
  fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    fc.constantFrom(
      '*3\r\n$3\r\nSET\r\n$1\r\n', // cut in the middle of a request
      '*1\r\n$536870912\r\nabc', // a declared 512 MB argument that never comes
      '*2147483647\r\n',
      '*1\r\n$99999999999999999999\r\n',
      '$5\r\nhello\r\n',
      'GET\r\n',
      'SET onlykey\r\n',
      'CLIENT\r\n',
      'CLIENT SETNAME\r\n',
      'HELLO 9\r\n',
      'SELECT 99\r\n',
      'ECHO "unterminated\r\n',
      "ECHO 'x'y\r\n",
      '\x00\x00\x00\r\n',
      '*-5\r\n',
      'PING\r\n',
    ).map((text) => Buffer.from(text, 'latin1')),
  ),
  { minLength: 1, maxLength: 8 },
).map((parts) => Buffer.concat(parts));

describe('robustness against hostile clients', () => {
  let server: SabreServer;
  const internalErrors: unknown[] = [];

  beforeAll(async () => {
    const executor = new MapExecutorDouble();
    server = await startServer({
      executor,
      commands: executor.commands,
      port: 0,
      closeGraceMs: 200,
      onInternalError: (error) => internalErrors.push(error),
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers or disconnects every hostile client while well-behaved clients keep working', async () => {
    const goodClients = Array.from({ length: 4 }, () => new Redis({ port: server.port, lazyConnect: true }));
    await Promise.all(goodClients.map((client) => client.connect()));
    let stopGood = false;
    const goodWork = goodClients.map(async (client, clientIndex) => {
      let rounds = 0;
      while (!stopGood) {
        const key = `good:${clientIndex}:${rounds}`;
        const results = await client.pipeline().set(key, String(rounds)).get(key).ping().exec();
        expect(results).toEqual([[null, 'OK'], [null, String(rounds)], [null, 'PONG']]);
        rounds++;
      }
      return rounds;
    });

    const payloads = fc.sample(hostilePayload, { numRuns: 120, seed: 20261122 });
    for (let batch = 0; batch < payloads.length; batch += 12) {
      const outcomes = await Promise.all(payloads.slice(batch, batch + 12).map((payload) => exchangeRaw(server.port, payload, 150)));
      for (const { received } of outcomes) {
        // Whatever came back is whole RESP replies: every line ends in CRLF.
        expect(received === '' || received.endsWith('\r\n')).toBe(true);
      }
    }

    stopGood = true;
    const rounds = await Promise.all(goodWork);
    expect(rounds.every((count) => count > 0)).toBe(true);
    await Promise.all(goodClients.map((client) => client.quit()));
    expect(internalErrors).toEqual([]);
    expect(await exchangeThenQuit(server.port, 'PING\r\n')).toBe('+PONG\r\n');
  });

  it('refuses a declared argument above proto-max-bulk-len before any of it arrives', async () => {
    const { received } = await exchangeRaw(server.port, '*1\r\n$536870913\r\n');
    expect(received).toBe('-ERR Protocol error: invalid bulk length\r\n');
  });

  it('drops, without a reply, a client whose unfinished request passes the query buffer limit', async () => {
    const executor = new MapExecutorDouble();
    const small = await startServer({ executor, commands: executor.commands, port: 0, parserLimits: { requestByteLengthMax: 1024 * 1024 } });
    try {
      const payload = Buffer.concat([Buffer.from('PING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10000000\r\n'), Buffer.alloc(2 * 1024 * 1024, 'z')]);
      const { received, closedByServer } = await exchangeRaw(small.port, payload, 2000);
      expect(received).toBe('+PONG\r\n');
      expect(closedByServer).toBe(true);
      expect(executor.databases.get(0)?.has('k') ?? false).toBe(false);
    } finally {
      await small.close();
    }
  });

  it('stops reading from a client that does not read its replies, and catches up when it does', async () => {
    const setter = new Redis({ port: server.port, lazyConnect: true });
    await setter.connect();
    const valueByteLength = 256 * 1024;
    await setter.set('big-value', Buffer.alloc(valueByteLength, 'v'));

    const requestCount = 400; // 100 MiB of replies if nothing held the server back
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.pause();
    socket.write('CLIENT SETNAME slowreader\r\n' + 'GET big-value\r\n'.repeat(requestCount));

    const slowReaderBuffers = async () => {
      const list = (await setter.call('CLIENT', 'LIST')) as string;
      const line = list.split('\n').find((entry) => entry.includes(' name=slowreader ')) ?? '';
      return { omem: Number(/ omem=(\d+)/.exec(line)?.[1] ?? 0), qbuf: Number(/ qbuf=(\d+)/.exec(line)?.[1] ?? 0) };
    };
    // First the server must have produced replies up to its pause threshold...
    await expect.poll(async () => (await slowReaderBuffers()).omem, { timeout: 10_000 }).toBeGreaterThan(1024 * 1024);
    // ...then, given time, it must not go on producing them.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { omem, qbuf } = await slowReaderBuffers();
    expect(omem).toBeLessThan(16 * 1024 * 1024);
    expect(qbuf).toBeGreaterThan(0); // requests wait unparsed instead of becoming replies

    let receivedByteLength = 0;
    const replyByteLength = `$${valueByteLength}\r\n`.length + valueByteLength + 2;
    const expectedByteLength = '+OK\r\n'.length + requestCount * replyByteLength;
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        receivedByteLength += chunk.length;
        if (receivedByteLength >= expectedByteLength) resolve();
      });
      socket.resume();
    });
    expect(receivedByteLength).toBe(expectedByteLength);
    socket.destroy();
    await setter.quit();
  });
});
