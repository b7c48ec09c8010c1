/**
 * Helpers for tests that must tell loopback peers from others: the machine's non-loopback IPv4
 * address, and a raw exchange with a server through a chosen address.
 */
import net from 'node:net';
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

/** Sends `payload` to host:port and collects the reply until the server closes or `waitMs` passes. */
export function exchangeVia(host: string, port: number, payload: string, waitMs = 5000): Promise<{ received: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host, () => socket.write(payload));
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(chunks).toString('latin1'), closedByServer });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? finish(true) : reject(error)));
  });
}
