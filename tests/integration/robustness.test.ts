import net from 'node:net';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dumpKeyspace } from '../commands/support/keyspace-dump.ts';
import { startTestSabre, type TestSabre } from '../commands/support/sabre.ts';

/** Sends bytes on a fresh connection and waits until the server closes it or `waitMs` passes. */
function sendAndDrain(port: number, chunks: Buffer[], waitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) break;
        socket.write(chunk);
        await new Promise((r) => setImmediate(r));
      }
    });
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', () => undefined);
    socket.on('close', done);
    socket.on('error', done);
  });
}

function resp(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(arg);
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

const malformed = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom('*999999999999\r\n', '*1\r\n$999999999999\r\n', '*3\r\n$3\r\nSET\r\n$-5\r\n', '$4\r\nPING\r\n', '*2\r\n$3\r\nGET\r\n', '*x\r\n',
    '*1\r\n$3\r\nGE', 'SET "unbalanced\r\n', '*2147483648\r\n', '*1\r\n$536870913\r\n', '\0\0\0\r\n', ':1\r\n+OK\r\n-ERR\r\n').map((text) => Buffer.from(text)),
);

/** Arguments that stress parsers: numbers at the edges, options in the wrong places, binary bytes. */
const argument = fc.oneof(
  fc.constantFrom('k0', 'k1', 'h0', 's0', 'z0', 'l0', '0', '-1', '1', '2', '-2', '10', '9223372036854775807', '-9223372036854775808',
    '9223372036854775808', '1e400', '-1e400', '1.5', 'inf', '-inf', '+inf', 'nan', '(1', '(inf', '[a', '', ' ', '*', '?', '[',
    'NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'EX', 'PX', 'EXAT', 'PXAT', 'KEEPTTL', 'GET', 'WITHSCORES', 'LIMIT', 'BYSCORE', 'BYLEX', 'REV',
    'MATCH', 'COUNT', 'TYPE', 'ASYNC', 'SYNC', 'ENCODING', 'REFCOUNT', 'IDLETIME', 'HELP'),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

/** Commands the fuzzer must not send: they stop the server or touch other databases on purpose. */
const excluded = new Set(['shutdown', 'flushall', 'debug', 'config', 'select', 'quit', 'auth', 'hello', 'client', 'save', 'bgsave', 'swapdb', 'move']);

describe('hostile clients', () => {
  let sabre: TestSabre;
  let good: Redis;
  const internalErrors: unknown[] = [];

  beforeAll(async () => {
    sabre = await startTestSabre({ enableDebugCommand: 'yes' });
    good = new Redis({ port: sabre.port });
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      internalErrors.push(args);
    });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    good?.disconnect();
    await sabre?.stop();
  });

  it('never hurt the dataset or other clients, and never reach a command as an internal error', async () => {
    for (let i = 0; i < 200; i++) await good.set(`keep:${i}`, `value-${i}`);
    await good.hset('keep:hash', 'f', 'v');
    await good.zadd('keep:zset', 1, 'a', 2, 'b');
    await good.rpush('keep:list', 'x', 'y');
    const before = await dumpKeyspace(good, 1);
    const names = [...sabre.instance.server.commands.all()].map((command) => command.spec.name).filter((name) => !excluded.has(name));
    const fuzzCommand = fc.tuple(fc.constantFrom(...names), fc.array(argument, { maxLength: 7 })).map(([name, args]) => resp([name, ...args]));

    let goodRounds = 0;
    let fuzzing = true;
    const goodClient = (async () => {
      while (fuzzing) {
        const value = `round-${goodRounds}`;
        expect(await good.set('keep:live', value)).toBe('OK');
        expect(await good.get('keep:live')).toBe(value);
        goodRounds++;
      }
    })();

    await fc.assert(
      fc.asyncProperty(fc.array(fuzzCommand, { minLength: 1, maxLength: 30 }), malformed, fc.boolean(), async (commands, garbage, cut) => {
        // Well-formed but random commands in database 9, then garbage: the server answers or disconnects.
        const payload = Buffer.concat([resp(['SELECT', '9']), ...commands, garbage]);
        const chunks = cut ? [payload.subarray(0, payload.length >> 1), payload.subarray(payload.length >> 1)] : [payload];
        await sendAndDrain(sabre.port, chunks, 150);
      }),
      { numRuns: 150, seed: 424_242 },
    );
    fuzzing = false;
    await goodClient;

    expect(goodRounds).toBeGreaterThan(10);
    await good.del('keep:live');
    expect(await dumpKeyspace(good, 1)).toEqual(before);
    expect(await good.call('DEBUG', 'CHECK')).toBe('OK');
    expect(internalErrors).toEqual([]);
  });
});
