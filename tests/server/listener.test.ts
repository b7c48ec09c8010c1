import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { reply, startServer, unknownCommandReply, type SabreServer } from '../../src/server/index.ts';
import { MapExecutorDouble } from './support/map-executor.ts';
import { exchangeRaw, exchangeThenQuit } from './support/raw-client.ts';

const run = promisify(execFile);

/** redis-cli must be installed (CI installs it): a missing binary fails the test with ENOENT. */
async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

describe('server with the map executor double', () => {
  let server: SabreServer;
  let executor: MapExecutorDouble;
  const internalErrors: unknown[] = [];

  beforeAll(async () => {
    executor = new MapExecutorDouble();
    server = await startServer({
      executor,
      commands: executor.commands,
      port: 0,
      onInternalError: (error) => internalErrors.push(error),
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('listens on loopback on the port it was given', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.port).not.toBe(6379);
  });

  it('answers 10k pipelined ioredis commands in order', async () => {
    const redis = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
    await redis.connect();
    try {
      const pipeline = redis.pipeline();
      for (let i = 0; i < 5000; i++) {
        pipeline.set(`key:${i}`, `value:${i}`);
        pipeline.get(`key:${i}`);
      }
      const results = await pipeline.exec();
      expect(results).toHaveLength(10_000);
      for (let i = 0; i < 5000; i++) {
        expect(results?.[2 * i]).toEqual([null, 'OK']);
        expect(results?.[2 * i + 1]).toEqual([null, `value:${i}`]);
      }
    } finally {
      await redis.quit();
    }
  });

  it('answers redis-cli ping with PONG', async () => {
    expect(await redisCli(server.port, 'ping')).toBe('PONG\n');
  });

  it('speaks RESP3 with redis-cli -3', async () => {
    // Without a terminal redis-cli prints a map as "key value" lines, an RESP2 array as one item per line.
    const hello = await redisCli(server.port, '-3', 'hello', '3');
    expect(hello).toMatch(/^server redis\nversion 7\.0\.15\nproto 3\nid \d+\nmode standalone\nrole master\nmodules \n$/);
    const hello2 = await redisCli(server.port, 'hello', '2');
    expect(hello2).toMatch(/^server\nredis\nversion\n7\.0\.15\nproto\n2\n/);
    expect(await redisCli(server.port, '-3', 'echo', 'hi')).toBe('hi\n');
  });

  it('selects a database for redis-cli -n', async () => {
    expect(await redisCli(server.port, '-n', '3', 'set', 'cli-db', 'three')).toBe('OK\n');
    expect(await redisCli(server.port, '-n', '3', 'get', 'cli-db')).toBe('three\n');
    expect(await redisCli(server.port, '-n', '0', 'get', 'cli-db')).toBe('\n');
  });

  it('passes binary values through unchanged', async () => {
    const redis = new Redis({ port: server.port, lazyConnect: true });
    await redis.connect();
    try {
      const value = Buffer.from(Array.from({ length: 256 }, (_, byte) => byte));
      await redis.set('binary', value);
      expect((await redis.getBuffer('binary'))?.equals(value)).toBe(true);
      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      await redis.set('big', big);
      expect((await redis.getBuffer('big'))?.equals(big)).toBe(true);
    } finally {
      await redis.quit();
    }
  });

  it("gives Redis's errors for unknown commands, unknown subcommands and wrong arity", async () => {
    const redis = new Redis({ port: server.port, lazyConnect: true });
    await redis.connect();
    try {
      await expect(redis.call('NOSUCH', 'a b', 'c')).rejects.toThrow("ERR unknown command 'NOSUCH', with args beginning with: 'a b' 'c' ");
      await expect(redis.call('GET')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
      await expect(redis.call('CLIENT', 'SETNAME')).rejects.toThrow("ERR wrong number of arguments for 'client|setname' command");
      await expect(redis.call('CLIENT', 'FOO')).rejects.toThrow("ERR unknown subcommand 'FOO'. Try CLIENT HELP.");
      await expect(redis.call('SELECT', '16')).rejects.toThrow('ERR DB index is out of range');
      await expect(redis.call('SELECT', 'x')).rejects.toThrow('ERR value is not an integer or out of range');
      await expect(redis.call('FAILWITH', 'WRONGTYPE Operation against a key holding the wrong kind of value')).rejects.toThrow(
        'WRONGTYPE Operation against a key holding the wrong kind of value',
      );
      expect(await redis.ping()).toBe('PONG');
    } finally {
      await redis.quit();
    }
  });

  it('keeps databases apart per connection after SELECT', async () => {
    const first = new Redis({ port: server.port, db: 3, lazyConnect: true });
    const second = new Redis({ port: server.port, lazyConnect: true });
    await Promise.all([first.connect(), second.connect()]);
    try {
      await first.set('shared-name', 'in-db-3');
      expect(await second.get('shared-name')).toBeNull();
      expect(await first.get('shared-name')).toBe('in-db-3');
    } finally {
      await Promise.all([first.quit(), second.quit()]);
    }
  });

  it('keeps replies in request order around an asynchronous command', async () => {
    const received = await exchangeThenQuit(server.port, 'SET k v\r\nSLOWECHO 50 first\r\nGET k\r\nSLOWECHO 1 second\r\nPING\r\n');
    expect(received).toBe('+OK\r\n$5\r\nfirst\r\n$1\r\nv\r\n$6\r\nsecond\r\n+PONG\r\n');
  });

  it('answers a protocol error once, after the earlier replies, and closes', async () => {
    const { received, closedByServer } = await exchangeRaw(server.port, 'PING\r\n*1\r\nx\r\nPING\r\n');
    expect(received).toBe("+PONG\r\n-ERR Protocol error: expected '$', got 'x'\r\n");
    expect(closedByServer).toBe(true);
  });

  it('closes after QUIT with +OK', async () => {
    const { received, closedByServer } = await exchangeRaw(server.port, 'QUIT\r\nPING\r\n');
    expect(received).toBe('+OK\r\n');
    expect(closedByServer).toBe(true);
  });

  it('reports a programming error, answers with an error and closes that client only', async () => {
    const { received, closedByServer } = await exchangeRaw(server.port, 'BUG\r\nPING\r\n');
    expect(received).toBe('-ERR internal error, see the server log\r\n');
    expect(closedByServer).toBe(true);
    expect(internalErrors.some((error) => error instanceof TypeError)).toBe(true);
    expect(await redisCli(server.port, 'ping')).toBe('PONG\n');
  });

  it('drops the connection, without half-encoded bytes, when command code returns a non-reply', async () => {
    const before = internalErrors.length;
    const { received, closedByServer } = await exchangeRaw(server.port, 'PING\r\nBADREPLY\r\nPING\r\n');
    expect(received).toBe('');
    expect(closedByServer).toBe(true);
    expect(internalErrors.length).toBe(before + 1);
    expect(await redisCli(server.port, 'ping')).toBe('PONG\n');
  });

  it('manages client names and ids, and lists clients', async () => {
    const redis = new Redis({ port: server.port, connectionName: 'lister', lazyConnect: true });
    await redis.connect();
    try {
      const id = (await redis.call('CLIENT', 'ID')) as number;
      expect(await redis.call('CLIENT', 'GETNAME')).toBe('lister');
      const list = (await redis.call('CLIENT', 'LIST')) as string;
      const mine = list.split('\n').find((line) => line.startsWith(`id=${id} `));
      expect(mine).toMatch(/ name=lister /);
      expect(mine).toMatch(/ cmd=client\|list /);
      expect(mine).toMatch(/ lib-name=ioredis /);
      await expect(redis.call('CLIENT', 'SETNAME', 'a b')).rejects.toThrow(
        'ERR Client names cannot contain spaces, newlines or special characters.',
      );
      expect(await redis.call('CLIENT', 'SETNAME', '')).toBe('OK');
      expect(await redis.call('CLIENT', 'GETNAME')).toBeNull();
    } finally {
      await redis.quit();
    }
  });

  it('describes its commands through COMMAND, COMMAND COUNT, INFO and DOCS', async () => {
    const redis = new Redis({ port: server.port, lazyConnect: true });
    await redis.connect();
    try {
      const count = (await redis.call('COMMAND', 'COUNT')) as number;
      expect(count).toBe(server.commands.size);
      const [get, missing] = (await redis.call('COMMAND', 'INFO', 'get', 'nosuch')) as unknown[][];
      expect(get?.slice(0, 6)).toEqual(['get', 2, ['readonly', 'fast'], 1, 1, 1]);
      expect(missing).toBeNull();
      const docs = (await redis.call('COMMAND', 'DOCS', 'ping')) as unknown[];
      expect(docs[0]).toBe('ping');
      expect(docs[1]).toEqual(['summary', 'Ping the server', 'since', '1.0.0', 'group', 'connection']);
      const info = (await redis.call('INFO')) as string;
      expect(info).toContain('# Server\r\nredis_version:7.0.15\r\n');
      expect(info).toContain('# Keyspace\r\n');
    } finally {
      await redis.quit();
    }
  });

  it('tells the executor when a client is gone', async () => {
    const redis = new Redis({ port: server.port, lazyConnect: true });
    await redis.connect();
    const id = (await redis.call('CLIENT', 'ID')) as number;
    await redis.quit();
    await expect.poll(() => executor.closedClientIds.includes(id), { timeout: 10_000 }).toBe(true);
  });
});

describe('server with requirepass', () => {
  let server: SabreServer;
  beforeAll(async () => {
    const executor = new MapExecutorDouble();
    server = await startServer({ executor, commands: executor.commands, port: 0, requirePassword: 'sekret' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses commands before AUTH, but still names unknown commands', async () => {
    const received = await exchangeThenQuit(server.port, 'GET x\r\nSELECT 1\r\nNOSUCH\r\nPING\r\n');
    expect(received).toBe(
      "-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n-ERR unknown command 'NOSUCH', with args beginning with: \r\n-NOAUTH Authentication required.\r\n",
    );
  });

  it('rejects a wrong password with the Redis 7 WRONGPASS text and accepts the right one', async () => {
    const received = await exchangeThenQuit(server.port, 'AUTH wrong\r\nAUTH sekret\r\nSET a 1\r\nGET a\r\nAUTH default sekret\r\nAUTH bob sekret\r\n');
    expect(received).toBe(
      '-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n+OK\r\n$1\r\n1\r\n+OK\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n',
    );
  });

  it('authenticates and switches protocol in one HELLO, and refuses HELLO before auth', async () => {
    const received = await exchangeThenQuit(server.port, 'HELLO 3\r\nHELLO 3 AUTH default sekret SETNAME me\r\nCLIENT GETNAME\r\nGET nothing\r\n');
    expect(received.startsWith('-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option')).toBe(true);
    expect(received).toContain('%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n');
    expect(received.endsWith('$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n$2\r\nme\r\n_\r\n')).toBe(true);
  });

  it('rejects big requests from unauthenticated clients', async () => {
    const { received, closedByServer } = await exchangeRaw(server.port, '*11\r\n');
    expect(received).toBe('-ERR Protocol error: unauthenticated multibulk length\r\n');
    expect(closedByServer).toBe(true);
  });

  it('works with ioredis given the password and fails without it', async () => {
    const good = new Redis({ port: server.port, password: 'sekret', lazyConnect: true });
    await good.connect();
    try {
      expect(await good.set('x', '1')).toBe('OK');
      expect(await good.get('x')).toBe('1');
    } finally {
      await good.quit();
    }
    // ioredis reports the AUTH failure as an 'error' event, then rejects connect() (as with real Redis).
    const bad = new Redis({ port: server.port, password: 'nope', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    const errors: string[] = [];
    bad.on('error', (error: Error) => errors.push(error.message));
    await expect(bad.connect()).rejects.toThrow();
    expect(errors).toContain('WRONGPASS invalid username-password pair or user is disabled.');
    bad.disconnect();
  });

  it('works with redis-cli -a', async () => {
    expect(await redisCli(server.port, '-a', 'sekret', '--no-auth-warning', 'set', 'cli', 'yes')).toBe('OK\n');
    expect(await redisCli(server.port, '-a', 'sekret', '--no-auth-warning', 'get', 'cli')).toBe('yes\n');
    expect(await redisCli(server.port, 'get', 'cli')).toBe('NOAUTH Authentication required.\n\n');
    expect(await redisCli(server.port, '--user', 'default', '--pass', 'sekret', '--no-auth-warning', 'get', 'cli')).toBe('yes\n');
    expect(await redisCli(server.port, '-3', '-a', 'sekret', '--no-auth-warning', 'get', 'cli')).toBe('yes\n');
  });
});

describe('server close', () => {
  it('ends open connections after their pending replies and resolves', async () => {
    const executor = new MapExecutorDouble();
    const server = await startServer({ executor, commands: executor.commands, port: 0 });
    const redis = new Redis({ port: server.port, lazyConnect: true, retryStrategy: () => null });
    redis.on('error', () => undefined);
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    expect(server.connectedClientCount()).toBe(1);
    const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
    await server.close();
    await ended;
    expect(server.connectedClientCount()).toBe(0);
    await expect(exchangeRaw(server.port, 'PING\r\n')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('server with an executor that keeps its own command list', () => {
  it('hands unknown names to the executor, still checking authentication first', async () => {
    const seen: string[] = [];
    const server = await startServer({
      port: 0,
      executor: {
        execute: (_client, argv) => {
          seen.push(argv.map((arg) => arg.toString()).join(' '));
          return argv[0]?.toString().toLowerCase() === 'hi' ? reply.simple('HELLO THERE') : unknownCommandReply(argv);
        },
      },
    });
    try {
      const received = await exchangeThenQuit(server.port, 'hi\r\nnosuch x\r\nPING\r\nGET\r\n');
      expect(received).toBe("+HELLO THERE\r\n-ERR unknown command 'nosuch', with args beginning with: 'x' \r\n+PONG\r\n-ERR unknown command 'GET', with args beginning with: \r\n");
      expect(seen).toEqual(['hi', 'nosuch x', 'GET']);

      server.setRequirePassword('pw');
      const locked = await exchangeThenQuit(server.port, 'hi\r\nAUTH pw\r\nhi\r\n');
      expect(locked).toBe('-NOAUTH Authentication required.\r\n+OK\r\n+HELLO THERE\r\n');
    } finally {
      await server.close();
    }
  });
});

describe('server maxclients', () => {
  it('tells a connection beyond the limit and closes it, and admits again once one leaves', async () => {
    const executor = new MapExecutorDouble();
    const server = await startServer({ executor, commands: executor.commands, port: 0, maxClientCount: 1 });
    try {
      const first = new Redis({ port: server.port, lazyConnect: true });
      await first.connect();
      const refused = await exchangeRaw(server.port, 'PING\r\n');
      expect(refused).toEqual({ received: '-ERR max number of clients reached\r\n', closedByServer: true });
      await first.quit();
      await expect.poll(() => server.connectedClientCount(), { timeout: 10_000 }).toBe(0);
      expect(await exchangeThenQuit(server.port, 'PING\r\n')).toBe('+PONG\r\n');
    } finally {
      await server.close();
    }
  });
});
