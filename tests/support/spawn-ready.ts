/**
 * Test helpers shared by every suite that runs a real server process (redis-server, or Sabre's own
 * bin): a free loopback port, and a spawn that resolves once the process says it accepts connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A port that was free a moment ago; a caller that can lose the race retries on EADDRINUSE. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

export interface ReadyProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/**
 * Runs `command args` and resolves once its output says "Ready to accept connections" (both Redis and
 * Sabre print it). Rejects with the process's log if it exits first or stays silent for `timeoutMs`.
 */
export async function spawnUntilReady(name: string, command: string, args: string[], options: { cwd?: string; timeoutMs: number }): Promise<ReadyProcess> {
  const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not accept connections within ${options.timeoutMs} ms:\n${log}`));
    }, options.timeoutMs);
    const onData = (data: Buffer) => {
      log += data.toString();
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${code} before accepting connections:\n${log}`));
    });
    child.once('error', reject);
  });
  return { child, output: () => log, exited };
}
