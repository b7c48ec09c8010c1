import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { startServer, type SabreServer } from '../../src/server/index.ts';
import { MapExecutorDouble } from './support/map-executor.ts';
import { exchangeRaw } from './support/raw-client.ts';
import { freePort } from '../support/spawn-ready.ts';

/**
 * The same request streams go to a real redis-server (7.0 in CI) and to Sabre with the map test
 * double; the replies must be the same bytes. redis-server must be installed: a missing binary
 * fails the test.
 */
async function startRedisServerOn(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await new Promise<void>((resolve, reject) => {
    let exited = false;
    child.once('error', reject);
    // redis-server exits at once when the port was taken between the probe and its bind.
    child.once('exit', (code) => {
      exited = true;
      reject(new Error(`redis-server exited with code ${code} before accepting connections`));
    });
    const deadline = Date.now() + 10_000;
    const attempt = () => {
      if (exited) return;
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => (Date.now() > deadline ? reject(new Error('redis-server did not start')) : setTimeout(attempt, 50)));
    };
    attempt();
  });
  return child;
}

/** A real redis-server on a free port; a new port is tried if another process took the probed one. */
async function startRedisServer(): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { child: await startRedisServerOn(port), port };
    } catch (error) {
      if (attempt >= 3 || (error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    }
  }
}

const requestPieces = [
  'PING\r\n', 'PING hello\r\n', 'PING a b\r\n', 'ECHO "a b"\r\n', "ECHO 'x\\'y'\r\n", 'ECHO "\\x41\\n"\r\n', 'ECHO a"b c"\r\n',
  'SET k v\r\n', 'SET k2 "two words"\r\n', 'GET k\r\n', 'GET k2\r\n', 'DEL k k2 k3\r\n', 'GET\r\n', 'SET onlykey\r\n',
  'NOSUCH a b\r\n', 'nosuch\r\n', 'SELECT 3\r\n', 'SELECT 16\r\n', 'SELECT x\r\n', 'SELECT 01\r\n',
  'CLIENT SETNAME n1\r\n', 'CLIENT GETNAME\r\n', 'CLIENT FOO\r\n', 'CLIENT\r\n', 'CLIENT SETNAME "a b"\r\n',
  'HELLO 3\r\n', 'HELLO 2\r\n', 'HELLO 4\r\n', 'HELLO x\r\n', 'HELLO 3 FOO\r\n', 'AUTH pw\r\n', 'AUTH a b c\r\n', 'COMMAND FOO\r\n',
  '*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n', '*1\r\n$4\r\nPING\r\n', '*0\r\n', '*-1\r\n', '\r\n', '   \r\n', 'GET k\n',
  '*x\r\n', '*1\r\n$x\r\n', '*1\r\nPING\r\n', '*1\r\n$-1\r\n', 'ECHO "unbalanced\r\n', '*1\r\n$536870913\r\n', '*+1\r\n',
  '*2\r\n$4\r\nECHO\r\n', '*1\r\n$4\r\nPI', '$4\r\nPING\r\n', ':1\r\n',
];

/** HELLO's map carries the connection id, which differs between the two servers. */
function withoutIds(received: string): string {
  return received.replace(/(\$2\r\nid\r\n):\d+/g, '$1:ID');
}

describe('Sabre against redis-server, byte for byte', () => {
  let redisProcess: ChildProcess;
  let redisPort: number;
  let redisAdmin: Redis;
  let sabre: SabreServer;
  let executor: MapExecutorDouble;

  /** Sends the same bytes to both servers: the replies and whether each server closed must match. */
  async function expectSameExchange(payload: string): Promise<void> {
    const [fromRedis, fromSabre] = await Promise.all([exchangeRaw(redisPort, payload, 400), exchangeRaw(sabre.port, payload, 400)]);
    expect({ payload, received: withoutIds(fromSabre.received), closed: fromSabre.closedByServer }).toEqual({
      payload,
      received: withoutIds(fromRedis.received),
      closed: fromRedis.closedByServer,
    });
  }

  beforeAll(async () => {
    ({ child: redisProcess, port: redisPort } = await startRedisServer());
    redisAdmin = new Redis({ port: redisPort, lazyConnect: true });
    await redisAdmin.connect();
    executor = new MapExecutorDouble();
    sabre = await startServer({ executor, commands: executor.commands, port: 0 });
  });
  afterAll(async () => {
    await redisAdmin?.quit();
    redisProcess?.kill();
    await sabre?.close();
  });

  it('gives the same replies and the same closing to the same request streams', async () => {
    const streams = fc.sample(fc.array(fc.constantFrom(...requestPieces), { minLength: 1, maxLength: 8 }), { numRuns: 300, seed: 7015 });
    for (const pieces of streams) {
      await redisAdmin.flushall();
      executor.databases.clear();
      // QUIT at the end lets both servers close as soon as they are done, unless a cut frame swallows it.
      const payload = `${pieces.join('')}QUIT\r\n`;
      await expectSameExchange(payload);
    }
  });

  it('gives the same replies to streams mixed with random bytes', async () => {
    const stateless = requestPieces.filter((piece) => !/^(SET|GET|DEL|SELECT|CLIENT SETNAME|HELLO)/.test(piece));
    const fragment = fc.oneof(
      fc.constantFrom(...stateless).map((piece) => Buffer.from(piece, 'latin1')),
      fc.uint8Array({ minLength: 1, maxLength: 24 }).map((bytes) => Buffer.from(bytes)),
      fc.uint8Array({ minLength: 1, maxLength: 24 }).map((bytes) => Buffer.concat([Buffer.from(bytes), Buffer.from('\r\n')])),
    );
    const streams = fc.sample(fc.array(fragment, { minLength: 1, maxLength: 6 }), { numRuns: 120, seed: 4242 });
    for (let batch = 0; batch < streams.length; batch += 12) {
      await Promise.all(
        streams.slice(batch, batch + 12).map(async (fragments) => {
          const payload = Buffer.concat([...fragments, Buffer.from('QUIT\r\n')]);
          const [fromRedis, fromSabre] = await Promise.all([exchangeRaw(redisPort, payload, 400), exchangeRaw(sabre.port, payload, 400)]);
          expect({ payload: payload.toString('latin1'), received: fromSabre.received, closed: fromSabre.closedByServer }).toEqual({
            payload: payload.toString('latin1'),
            received: fromRedis.received,
            closed: fromRedis.closedByServer,
          });
        }),
      );
    }
  });

  it('agrees with requirepass set: NOAUTH, AUTH, HELLO AUTH and the unauthenticated limits', async () => {
    await redisAdmin.config('SET', 'requirepass', 'pw');
    sabre.setRequirePassword('pw');
    try {
      const authPieces = [
        'AUTH pw\r\n', 'AUTH wrong\r\n', 'AUTH default pw\r\n', 'AUTH bob pw\r\n', 'HELLO 3\r\n', 'HELLO 3 AUTH default pw\r\n',
        'HELLO 2 AUTH default nope\r\n', 'HELLO 3 AUTH default pw SETNAME x\r\n', 'SET k v\r\n', 'GET k\r\n', 'PING\r\n', 'nosuch\r\n',
        'GET\r\n', '*11\r\n', '*10\r\n$1\r\nx\r\n', '*1\r\n$16385\r\n', '*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n', 'SELECT 2\r\n',
        'CLIENT GETNAME\r\n',
      ];
      const streams = fc.sample(fc.array(fc.constantFrom(...authPieces), { minLength: 1, maxLength: 8 }), { numRuns: 200, seed: 16384 });
      for (const pieces of streams) {
        await redisAdmin.flushall();
        executor.databases.clear();
        const payload = `${pieces.join('')}QUIT\r\n`;
        await expectSameExchange(payload);
      }
    } finally {
      await redisAdmin.config('SET', 'requirepass', '');
      sabre.setRequirePassword(null);
    }
  });
});
