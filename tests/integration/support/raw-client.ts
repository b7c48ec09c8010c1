/** Raw-socket helpers for tests that play hostile clients against a server process. */
import { readFileSync } from 'node:fs';
import net from 'node:net';

export function rssBytes(pid: number): number {
  const found = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (found === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(found[1]) * 1024;
}

export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(arg);
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** `RPUSH key x x ...` declaring `count` arguments, of which the last is never sent. */
export function unfinishedRpush(key: string, count: number): Buffer {
  const one = Buffer.from('$1\r\nx\r\n');
  const body = Buffer.alloc(one.length * (count - 3));
  for (let offset = 0; offset < body.length; offset += one.length) one.copy(body, offset);
  return Buffer.concat([Buffer.from(`*${count}\r\n$5\r\nRPUSH\r\n$${key.length}\r\n${key}\r\n`), body]);
}

/**
 * One command on a fresh connection: the whole reply (simple line, or a bulk string's payload), or
 * null when the server does not answer within timeoutMs or closes first.
 */
export function ask(port: number, args: readonly (string | Buffer)[], timeoutMs = 5000): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const done = (value: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('connect', () => socket.write(encodeCommand(args)));
    socket.on('data', (data) => {
      received = Buffer.concat([received, data]);
      const lineEnd = received.indexOf('\r\n');
      if (lineEnd === -1) return;
      const line = received.subarray(0, lineEnd).toString('latin1');
      if (!line.startsWith('$') && !line.startsWith('=')) return done(line);
      const length = Number(line.slice(1));
      if (length < 0) return done(null);
      if (received.length >= lineEnd + 2 + length) done(received.subarray(lineEnd + 2, lineEnd + 2 + length).toString('latin1'));
    });
    socket.on('error', () => done(null));
    socket.on('close', () => done(null));
  });
}

export function infoField(infoText: string, field: string): number {
  const found = new RegExp(`^${field}:(\\d+)`, 'm').exec(infoText);
  if (found === null) throw new Error(`no ${field} in INFO`);
  return Number(found[1]);
}

/** CLIENT LIST parsed: one map of field to value per client. */
export function parseClientList(text: string): Map<string, string>[] {
  return text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => new Map(line.split(' ').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as [string, string])));
}

/** A connection that sends and never reads; `closed` resolves when the server drops it. */
export interface SilentClient {
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  isClosed(): boolean;
}

/**
 * `reads: false` leaves the socket paused so replies pile up on the server's side (such a client
 * may see the server's close late, when the kernel resets the connection).
 */
export function silentClient(port: number, payload: Buffer, options: { reads: boolean } = { reads: true }): SilentClient {
  const socket = net.connect(port, '127.0.0.1');
  let closed = false;
  if (options.reads) socket.on('data', () => undefined);
  else socket.pause();
  socket.on('connect', () => socket.write(payload));
  socket.on('error', () => undefined);
  const closedPromise = new Promise<void>((resolve) =>
    socket.on('close', () => {
      closed = true;
      resolve();
    }));
  return { socket, closed: closedPromise, isClosed: () => closed };
}
