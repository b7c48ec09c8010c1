import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { protectedModeDeniedText } from '../../src/server/protected-mode.ts';
import { startTestSabre, type TestSabre } from '../commands/support/sabre.ts';
import { exchangeVia, nonLoopbackIPv4 } from '../support/peer-sockets.ts';

/** A server bound to every address, reached through loopback and through the machine's own address. */
describe('protected mode, bound to 0.0.0.0', () => {
  const started: TestSabre[] = [];
  afterEach(async () => {
    for (const sabre of started.splice(0)) await sabre.stop();
  });
  const externalHost = nonLoopbackIPv4();

  it('answers a non-loopback peer with Redis\'s -DENIED and closes, and serves loopback peers', async () => {
    const sabre = await startTestSabre({ bind: '0.0.0.0' });
    started.push(sabre);
    const outside = await exchangeVia(externalHost, sabre.port, 'PING\r\n');
    expect(outside).toEqual({ received: protectedModeDeniedText, closedByServer: true });
    const inside = await exchangeVia('127.0.0.1', sabre.port, 'PING\r\nQUIT\r\n');
    expect(inside).toEqual({ received: '+PONG\r\n+OK\r\n', closedByServer: true });
    // The refused peer never became a client.
    const admin = new Redis({ port: sabre.port });
    expect(String(await admin.client('LIST')).trim().split('\n')).toHaveLength(1);
    admin.disconnect();
  });

  it('lets non-loopback peers in after CONFIG SET protected-mode no from loopback', async () => {
    const sabre = await startTestSabre({ bind: '0.0.0.0' });
    started.push(sabre);
    const admin = new Redis({ port: sabre.port });
    expect(await admin.config('GET', 'protected-mode')).toEqual(['protected-mode', 'yes']);
    expect(await admin.config('SET', 'protected-mode', 'no')).toBe('OK');
    expect(await exchangeVia(externalHost, sabre.port, 'PING\r\nQUIT\r\n')).toEqual({ received: '+PONG\r\n+OK\r\n', closedByServer: true });
    expect(await admin.config('SET', 'protected-mode', 'yes')).toBe('OK');
    expect((await exchangeVia(externalHost, sabre.port, 'PING\r\n')).received).toBe(protectedModeDeniedText);
    admin.disconnect();
  });

  it('lets non-loopback peers in (to AUTH) when a password is set', async () => {
    const sabre = await startTestSabre({ bind: '0.0.0.0', requirepass: 'pw' });
    started.push(sabre);
    const outside = await exchangeVia(externalHost, sabre.port, 'PING\r\nAUTH pw\r\nPING\r\nQUIT\r\n');
    expect(outside).toEqual({ received: '-NOAUTH Authentication required.\r\n+OK\r\n+PONG\r\n+OK\r\n', closedByServer: true });
  });

  it('serves non-loopback peers with --protected-mode no', async () => {
    const sabre = await startTestSabre({ bind: '0.0.0.0', protectedMode: false });
    started.push(sabre);
    expect(await exchangeVia(externalHost, sabre.port, 'PING\r\nQUIT\r\n')).toEqual({ received: '+PONG\r\n+OK\r\n', closedByServer: true });
  });
});
