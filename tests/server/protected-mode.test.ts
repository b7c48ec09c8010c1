import { describe, expect, it } from 'vitest';
import { allowsProtectedAction, hostOfAddress, isLoopbackHost } from '../../src/server/local-peer.ts';
import { protectedModeDeniedText, protectedModeDenies } from '../../src/server/protected-mode.ts';

describe('which peers are local (Redis islocalClient)', () => {
  it('counts exactly 127.0.0.1 and ::1 as loopback, also in IPv4-mapped form', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('::ffff:127.0.0.1')).toBe(true);
    // Redis compares strings: other 127/8 addresses and the machine's own addresses are not local.
    expect(isLoopbackHost('127.0.0.2')).toBe(false);
    expect(isLoopbackHost('192.0.2.2')).toBe(false);
    expect(isLoopbackHost('::ffff:192.0.2.2')).toBe(false);
    expect(isLoopbackHost('fd00::2')).toBe(false);
    expect(isLoopbackHost('')).toBe(false);
  });

  it('takes the host out of "ip:port" for IPv4 and IPv6 peers', () => {
    expect(hostOfAddress('127.0.0.1:5000')).toBe('127.0.0.1');
    expect(hostOfAddress('::1:5000')).toBe('::1');
    expect(hostOfAddress('fd00::2:6379')).toBe('fd00::2');
  });

  it('allows a protected action for yes always, for local from loopback only, for no never', () => {
    for (const address of ['127.0.0.1:1', '::1:1', '192.0.2.2:1']) {
      expect(allowsProtectedAction('yes', address)).toBe(true);
      expect(allowsProtectedAction('no', address)).toBe(false);
    }
    expect(allowsProtectedAction('local', '127.0.0.1:40000')).toBe(true);
    expect(allowsProtectedAction('local', '::1:40000')).toBe(true);
    expect(allowsProtectedAction('local', '192.0.2.2:40000')).toBe(false);
    expect(allowsProtectedAction('local', '127.0.0.2:40000')).toBe(false);
  });
});

describe('protected mode decision (Redis clientAcceptHandler)', () => {
  it('refuses a non-loopback peer only when protected mode is on and no password is set', () => {
    expect(protectedModeDenies(true, false, '192.0.2.2')).toBe(true);
    expect(protectedModeDenies(true, false, '::ffff:192.0.2.2')).toBe(true);
    expect(protectedModeDenies(true, true, '192.0.2.2')).toBe(false);
    expect(protectedModeDenies(false, false, '192.0.2.2')).toBe(false);
    expect(protectedModeDenies(true, false, '127.0.0.1')).toBe(false);
    expect(protectedModeDenies(true, false, '::1')).toBe(false);
  });

  it('has the reply shape of Redis 7.0: one -DENIED line', () => {
    expect(protectedModeDeniedText.startsWith('-DENIED Redis is running in protected mode')).toBe(true);
    expect(protectedModeDeniedText.endsWith('\r\n')).toBe(true);
    expect(protectedModeDeniedText.indexOf('\r\n')).toBe(protectedModeDeniedText.length - 2);
    expect(protectedModeDeniedText).toHaveLength(1067); // the bytes redis-server 7.0.15 sent in the same situation
  });
});
