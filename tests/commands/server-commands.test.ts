import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeThenQuit } from '../server/support/raw-client.ts';
import { startTestSabre, type TestSabre } from './support/sabre.ts';

function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

describe('RESP3 after HELLO 3', () => {
  let sabre: TestSabre;
  beforeAll(async () => {
    sabre = await startTestSabre();
  });
  afterAll(async () => {
    await sabre.stop();
  });

  it('answers maps, sets, doubles and nulls in RESP3 and the flat forms in RESP2', async () => {
    const setup = resp('HSET', 'h', 'f', 'v') + resp('SADD', 's', 'm') + resp('ZADD', 'z', '1.5', 'a');
    const queries = resp('HGETALL', 'h') + resp('SMEMBERS', 's') + resp('ZSCORE', 'z', 'a') + resp('GET', 'nokey') + resp('ZRANGE', 'z', '0', '-1', 'WITHSCORES');
    const resp2 = await exchangeThenQuit(sabre.port, setup + queries);
    expect(resp2).toBe(':1\r\n:1\r\n:1\r\n' + '*2\r\n$1\r\nf\r\n$1\r\nv\r\n' + '*1\r\n$1\r\nm\r\n' + '$3\r\n1.5\r\n' + '$-1\r\n' + '*2\r\n$1\r\na\r\n$3\r\n1.5\r\n');
    const resp3 = await exchangeThenQuit(sabre.port, resp('HELLO', '3') + queries);
    const afterHello = resp3.slice(resp3.indexOf('$7\r\nmodules\r\n*0\r\n') + '$7\r\nmodules\r\n*0\r\n'.length);
    expect(afterHello).toBe('%1\r\n$1\r\nf\r\n$1\r\nv\r\n' + '~1\r\n$1\r\nm\r\n' + ',1.5\r\n' + '_\r\n' + '*1\r\n*2\r\n$1\r\na\r\n,1.5\r\n');
  });
});

describe('requirepass, CONFIG and INFO', () => {
  let sabre: TestSabre;
  beforeAll(async () => {
    sabre = await startTestSabre({ requirepass: 'secret' });
  });
  afterAll(async () => {
    await sabre.stop();
  });

  it('refuses commands before AUTH and runs them after', async () => {
    const received = await exchangeThenQuit(sabre.port, resp('GET', 'k') + resp('AUTH', 'wrong') + resp('AUTH', 'secret') + resp('SET', 'k', 'v') + resp('GET', 'k'));
    expect(received).toBe('-NOAUTH Authentication required.\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n+OK\r\n$1\r\nv\r\n');
  });

  it('changes requirepass with CONFIG SET for new connections', async () => {
    const admin = new Redis({ port: sabre.port, password: 'secret' });
    expect(await admin.config('SET', 'requirepass', 'other')).toBe('OK');
    expect(await admin.config('GET', 'requirepass')).toEqual(['requirepass', 'other']);
    const fresh = new Redis({ port: sabre.port, password: 'other' });
    expect(await fresh.ping()).toBe('PONG');
    fresh.disconnect();
    expect(await admin.config('SET', 'requirepass', 'secret')).toBe('OK');
    admin.disconnect();
  });

  it('reads and sets its own settings, all or nothing', async () => {
    const admin = new Redis({ port: sabre.port, password: 'secret' });
    expect(await admin.config('GET', 'port')).toEqual(['port', String(sabre.port)]);
    expect(await admin.config('GET', 'db*')).toEqual(['dbfilename', 'dump.rdb']);
    expect(await admin.call('CONFIG', 'SET', 'save', '100 5 10 1000')).toBe('OK');
    expect(await admin.config('GET', 'save')).toEqual(['save', '100 5 10 1000']);
    await expect(admin.call('CONFIG', 'SET', 'save', '100 5', 'port', '1')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config");
    expect(await admin.config('GET', 'save')).toEqual(['save', '100 5 10 1000']);
    await expect(admin.call('CONFIG', 'SET', 'save', 'abc')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'save')");
    await expect(admin.call('CONFIG', 'SET', 'nosuch', '1')).rejects.toThrow("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
    // enable-protected-configs is no by default: the value is not even looked at (tests/commands/config-command.test.ts).
    await expect(admin.call('CONFIG', 'SET', 'dbfilename', 'a/b.rdb')).rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config");
    expect(await admin.call('CONFIG', 'SET', 'save', '')).toBe('OK');
    admin.disconnect();
  });

  it('reports the INFO sections Sabre adds', async () => {
    const admin = new Redis({ port: sabre.port, password: 'secret' });
    await admin.set('counted', '1');
    const info = await admin.info();
    for (const field of ['redis_version:', 'connected_clients:', 'used_memory:', 'rdb_changes_since_last_save:', 'rdb_bgsave_in_progress:0',
      'rdb_last_save_time:', 'rdb_last_bgsave_status:ok', 'total_commands_processed:', 'lazyfreed_objects:', 'block_size_bytes:64',
      'live_blocks:']) {
      expect(info).toContain(field);
    }
    expect(info).toMatch(/db0:keys=\d+,expires=0,avg_ttl=0/);
    expect(await admin.info('persistence')).toMatch(/^# Persistence\r\n/);
    admin.disconnect();
  });
});

describe('data/logic separation', () => {
  let sabre: TestSabre;
  beforeAll(async () => {
    sabre = await startTestSabre({ enableDebugCommand: 'yes' });
  });
  afterAll(async () => {
    await sabre.stop();
  });

  it('replaces the engine object with DEBUG RESTART-LOGIC while clients write, and loses no acknowledged write', async () => {
    const writers = [new Redis({ port: sabre.port }), new Redis({ port: sabre.port })];
    const admin = new Redis({ port: sabre.port });
    const before = sabre.instance.context.host.engine;
    const acknowledged: string[][] = [[], []];
    let running = true;
    const writes = writers.map(async (writer, w) => {
      for (let i = 0; running || i < 200; i++) {
        const key = `w${w}:${i}`;
        await writer.pipeline().set(key, `value-${i}`).hset(`h${w}`, String(i), key).rpush(`l${w}`, key).exec();
        acknowledged[w]!.push(key);
      }
    });
    for (let restart = 0; restart < 10; restart++) {
      await new Promise((resolve) => setTimeout(resolve, 15));
      expect(await admin.debug('RESTART-LOGIC')).toBe('OK');
    }
    running = false;
    await Promise.all(writes);
    expect(sabre.instance.context.host.engine).not.toBe(before);
    expect(sabre.instance.context.host.engine.sharedBuffer).toBe(before.sharedBuffer);
    expect(sabre.instance.context.host.restartCount).toBe(10);
    for (let w = 0; w < 2; w++) {
      const keys = acknowledged[w]!;
      const values = await admin.mget(...keys);
      keys.forEach((key, i) => expect(values[i]).toBe(`value-${key.split(':')[1]}`));
      expect(await admin.hlen(`h${w}`)).toBe(keys.length);
      expect(await admin.lrange(`l${w}`, 0, -1)).toEqual(keys);
    }
    expect(await admin.call('DEBUG', 'CHECK')).toBe('OK');
    for (const writer of writers) writer.disconnect();
    admin.disconnect();
  });
});

describe.each([
  { worker: true, kind: 'on the lazy-free worker thread' },
  { worker: false, kind: 'on the command thread' },
])('lazy free through UNLINK and FLUSHALL ASYNC, $kind', ({ worker }) => {
  let sabre: TestSabre;
  beforeAll(async () => {
    sabre = await startTestSabre({ lazyfreeWorker: worker, enableDebugCommand: 'yes' });
  });
  afterAll(async () => {
    await sabre.stop();
  });

  it('queues big values for the freer, frees them between commands, and keeps serving', async () => {
    const client = new Redis({ port: sabre.port });
    const members = Array.from({ length: 20_000 }, (_, i) => `member-${i}`);
    for (let i = 0; i < 5; i++) await client.sadd(`big:${i}`, ...members);
    await client.set('small', 'v');
    const liveBefore = Number(/live_blocks:(\d+)/.exec(await client.info('blocks'))?.[1]);
    expect(await client.info('lazyfree')).toContain(`lazyfree_worker:${worker ? 1 : 0}\r\n`);
    expect(await client.unlink('big:0', 'big:1', 'small', 'missing')).toBe(3);
    expect(await client.exists('big:0', 'big:1', 'small')).toBe(0);
    expect(await client.scard('big:2')).toBe(20_000);
    expect(await client.flushall('ASYNC')).toBe('OK');
    expect(await client.dbsize()).toBe(0);
    expect(await client.set('after', 'flush')).toBe('OK');
    const deadline = Date.now() + 30_000;
    let info = await client.info('lazyfree');
    while (!/lazyfree_pending_objects:0\r\n/.test(info) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      info = await client.info('lazyfree');
    }
    expect(info).toMatch(/lazyfree_pending_objects:0\r\n/);
    expect(Number(/lazyfreed_objects:(\d+)/.exec(info)?.[1])).toBeGreaterThanOrEqual(2);
    const liveAfter = Number(/live_blocks:(\d+)/.exec(await client.info('blocks'))?.[1]);
    expect(liveAfter).toBeLessThan(liveBefore / 10);
    expect(await client.get('after')).toBe('flush');
    expect(await client.call('DEBUG', 'CHECK')).toBe('OK');
    client.disconnect();
  });
});

describe('maxmemory', () => {
  let sabre: TestSabre;
  beforeAll(async () => {
    sabre = await startTestSabre({ maxmemory: 2 * 1024 * 1024, enableDebugCommand: 'yes' });
  });
  afterAll(async () => {
    await sabre.stop();
  });

  it("answers Redis's OOM error once the buffer is full, and keeps what was written", async () => {
    const client = new Redis({ port: sabre.port });
    const value = 'v'.repeat(1000);
    let written = 0;
    let error = '';
    for (let i = 0; i < 10_000 && error === ''; i++) {
      try {
        await client.set(`fill:${i}`, value);
        written++;
      } catch (caught) {
        error = (caught as Error).message;
      }
    }
    expect(error).toBe("OOM command not allowed when used memory > 'maxmemory'.");
    expect(written).toBeGreaterThan(1000);
    expect(await client.dbsize()).toBe(written);
    expect(await client.get('fill:0')).toBe(value);
    expect(await client.del('fill:0')).toBe(1);
    expect(await client.set('after-free', 'ok')).toBe('OK');
    expect(await client.call('DEBUG', 'CHECK')).toBe('OK');
    client.disconnect();
  });
});
