import net from 'node:net';

/**
 * A bare TCP client that sends bytes and collects everything until the server closes or `waitMs`
 * runs out. Tests that expect the server to close rely on the close, not on the timer.
 */
export function exchangeRaw(port: number, payload: Buffer | string, waitMs = 5000): Promise<{ received: string; closedByServer: boolean }> {
  return exchangeVia('127.0.0.1', port, payload, waitMs);
}

/** The same through a chosen address: tests that tell loopback peers from others connect through another. */
export function exchangeVia(host: string, port: number, payload: Buffer | string, waitMs = 5000): Promise<{ received: string; closedByServer: boolean }> {
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

/**
 * Sends the payload followed by QUIT and waits for the server to close, so the test does not
 * depend on a timer: returns what came back before QUIT's own +OK. The payload must not contain
 * QUIT itself, nor leave a request unfinished (QUIT would become part of it).
 */
export async function exchangeThenQuit(port: number, payload: string): Promise<string> {
  const { received, closedByServer } = await exchangeRaw(port, `${payload}QUIT\r\n`, 10_000);
  if (!closedByServer) throw new Error(`the server did not close after QUIT; received ${JSON.stringify(received)}`);
  return received.endsWith('+OK\r\n') ? received.slice(0, -'+OK\r\n'.length) : received;
}
