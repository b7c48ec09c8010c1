/**
 * Helpers for tests that must tell loopback peers from others: the machine's non-loopback IPv4
 * address, and a raw exchange with a server through a chosen address.
 */
import { networkInterfaces } from 'node:os';

/** The first non-internal IPv4 address; the test machines have one (eth0), so its absence is a failure. */
export function nonLoopbackIPv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  throw new Error('this machine has no non-loopback IPv4 address; the peer-address tests need one');
}

export { exchangeVia } from '../server/support/raw-client.ts';
