/**
 * Hostile-client probe: N connections each send an unfinished `RPUSH victim a1 .. a(K-2)` (K
 * arguments in all, the largest count Sabre accepts by default is 1048576; every value but the
 * last is sent, one byte each) and never finish it. Runs against Sabre (the real bin, as a process)
 * and a real redis-server in the same run and reports, per server: whether the process survived,
 * its RSS (VmRSS), how many attack connections the server closed, whether a PING from a fresh
 * client answers and how fast, and whether a key written before the attack reads back.
 *   npx tsx bench/pending-requests.ts [clients=38] [args=1048576] [--sabre-root DIR] [--only sabre|redis]
 *     [--settle-ms 5000] [-- extra sabre flags]
 * `--sabre-root /work/wt-base` measures another checkout's Sabre with this probe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, repositoryRoot } from './server-support.ts';

const positional: string[] = [];
let sabreRoot = repositoryRoot;
let only: string | null = null;
let settleMs = 5000;
let sabreExtraArgs: string[] = [];
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i]!;
  if (arg === '--sabre-root') sabreRoot = path.resolve(process.argv[++i]!);
  else if (arg === '--only') only = process.argv[++i]!;
  else if (arg === '--settle-ms') settleMs = Number(process.argv[++i]);
  else if (arg === '--') {
    sabreExtraArgs = process.argv.slice(i + 1);
    break;
  } else positional.push(arg);
}
const clientCount = Number(positional[0] ?? 38);
const argumentCount = Number(positional[1] ?? 1_048_576);
const writeTimeoutMs = 180_000;

interface Server {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  log(): string;
}

async function startServer(name: string, command: string, args: string[], cwd: string | undefined): Promise<Server> {
  const port = await freePort();
  const child = spawn(command, [...args.map((arg) => arg.replace('{port}', String(port)))], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (data: Buffer) => {
      log += data.toString();
      if (log.includes('Ready to accept connections')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${log}`)));
  });
  child.stdout!.on('data', (data: Buffer) => (log += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (log += data.toString()));
  return { name, port, child, log: () => log };
}

function rssBytes(pid: number): number | null {
  try {
    const found = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return found === null ? null : Number(found[1]) * 1024;
  } catch {
    return null;
  }
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** One command on a fresh connection; the reply's first line, or null on timeout / close. */
function ask(port: number, command: string, timeoutMs: number): Promise<{ line: string | null; elapsedMs: number }> {
  const startedMs = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const done = (line: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ line, elapsedMs: performance.now() - startedMs });
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('connect', () => socket.write(command));
    socket.on('data', (data) => {
      received += data.toString('latin1');
      const lines = received.split('\r\n');
      if (lines.length < 2) return;
      if (lines[0]!.startsWith('$') && lines[0] !== '$-1') {
        if (lines.length >= 3) done(lines[1]!);
      } else {
        done(lines[0]!);
      }
    });
    socket.on('error', () => done(null));
    socket.on('close', () => done(null));
  });
}

/** Every argument of the RPUSH but the last: the request stays unfinished. */
function attackPayload(): Buffer {
  const header = Buffer.from(`*${argumentCount}\r\n$5\r\nRPUSH\r\n$6\r\nvictim\r\n`);
  const oneArgument = Buffer.from('$1\r\nx\r\n');
  const body = Buffer.alloc(oneArgument.length * (argumentCount - 3));
  for (let offset = 0; offset < body.length; offset += oneArgument.length) oneArgument.copy(body, offset);
  return Buffer.concat([header, body]);
}

interface AttackOutcome {
  /** Connections whose whole payload reached the kernel; the others were closed by the server. */
  readonly sentAll: number;
}

async function attack(port: number, payload: Buffer): Promise<{ sockets: net.Socket[]; outcome: Promise<AttackOutcome> }> {
  const sockets: net.Socket[] = [];
  const results: Promise<'sent' | 'closed'>[] = [];
  for (let i = 0; i < clientCount; i++) {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    results.push(
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve('closed'), writeTimeoutMs);
        socket.on('error', () => resolve('closed'));
        socket.on('close', () => resolve('closed'));
        socket.on('data', () => undefined);
        socket.on('connect', () =>
          socket.write(payload, (error) => {
            clearTimeout(timer);
            resolve(error ? 'closed' : 'sent');
          }));
      }),
    );
  }
  const outcome = Promise.all(results).then((all) => ({
    sentAll: all.filter((result) => result === 'sent').length,
  }));
  return { sockets, outcome };
}

async function probe(server: Server, payload: Buffer): Promise<string[]> {
  const rows: string[] = [];
  const set = await ask(server.port, '*3\r\n$3\r\nSET\r\n$6\r\nbefore\r\n$4\r\nkept\r\n', 10_000);
  if (set.line !== '+OK') throw new Error(`${server.name}: SET before the attack answered ${set.line}`);
  const rssBeforeBytes = rssBytes(server.child.pid!) ?? 0;
  const startedMs = performance.now();
  const { sockets, outcome } = await attack(server.port, payload);
  const pingsDuringMs: number[] = [];
  let pingFailuresDuring = 0;
  let peakRssBytes = rssBeforeBytes;
  let sending = true;
  const finished = outcome.then((value) => {
    sending = false;
    return value;
  });
  while (sending && alive(server.child)) {
    const ping = await ask(server.port, 'PING\r\n', 5000);
    if (ping.line === '+PONG') pingsDuringMs.push(ping.elapsedMs);
    else pingFailuresDuring++;
    peakRssBytes = Math.max(peakRssBytes, rssBytes(server.child.pid!) ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const { sentAll } = await finished;
  const sendMs = performance.now() - startedMs;
  // Let the server parse what it received, then sample.
  const settleDeadline = Date.now() + settleMs;
  while (Date.now() < settleDeadline && alive(server.child)) {
    peakRssBytes = Math.max(peakRssBytes, rssBytes(server.child.pid!) ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const survived = alive(server.child);
  const rssAfterBytes = survived ? rssBytes(server.child.pid!) : null;
  const stillOpen = sockets.filter((socket) => !socket.destroyed && socket.readyState === 'open').length;
  const ping = survived ? await ask(server.port, 'PING\r\n', 10_000) : { line: null, elapsedMs: NaN };
  const get = survived ? await ask(server.port, '*2\r\n$3\r\nGET\r\n$6\r\nbefore\r\n', 10_000) : { line: null, elapsedMs: NaN };
  for (const socket of sockets) socket.destroy();
  const mb = (bytes: number | null) => (bytes === null ? '-' : `${(bytes / 1024 / 1024).toFixed(0)} MB`);
  const sortedPings = [...pingsDuringMs].sort((a, b) => a - b);
  const pingMaxDuring = sortedPings.length > 0 ? `${sortedPings[sortedPings.length - 1]!.toFixed(1)} ms` : '-';
  rows.push(
    `| ${server.name} | ${survived ? 'yes' : `no (${server.child.signalCode ?? server.child.exitCode})`} | ${mb(rssBeforeBytes)} | ${mb(peakRssBytes)} | ${mb(rssAfterBytes)} | ` +
      `${sentAll}/${clientCount} | ${stillOpen} | ${ping.line === '+PONG' ? `yes, ${ping.elapsedMs.toFixed(1)} ms` : 'no'} | ` +
      `${pingsDuringMs.length} ok / ${pingFailuresDuring} failed, max ${pingMaxDuring} | ${get.line === 'kept' ? 'yes' : 'no'} | ${(sendMs / 1000).toFixed(1)} s |`,
  );
  if (!survived) {
    const tail = server.log().trim().split('\n').slice(-4).join(' / ');
    rows.push(`|   ${server.name} log tail: ${tail.slice(0, 400)} |`);
  }
  return rows;
}

const payload = attackPayload();
console.log(`${clientCount} clients x unfinished RPUSH of ${argumentCount} arguments (one-byte values) (${(payload.length / 1024 / 1024).toFixed(1)} MB each, ` +
  `${((payload.length * clientCount) / 1024 / 1024).toFixed(0)} MB in all); Sabre from ${sabreRoot} ${sabreExtraArgs.join(' ')}`);
console.log('| server | survived | RSS before | RSS peak | RSS after | payloads fully sent | attack conns open | fresh PING after | PINGs during | data kept | send time |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: |');
const targets: (() => Promise<Server>)[] = [];
const dirs: string[] = [];
if (only === null || only === 'sabre') {
  targets.push(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sabre-pending-'));
    dirs.push(dir);
    return startServer('sabre', process.execPath, ['bin/sabre.mjs', '--port', '{port}', '--dir', dir, '--save', '', ...sabreExtraArgs], sabreRoot);
  });
}
if (only === null || only === 'redis') {
  targets.push(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redis-pending-'));
    dirs.push(dir);
    return startServer('redis', '/usr/bin/redis-server', ['--port', '{port}', '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], undefined);
  });
}
try {
  for (const start of targets) {
    const server = await start();
    try {
      for (const row of await probe(server, payload)) console.log(row);
    } finally {
      if (alive(server.child)) {
        const exited = new Promise((resolve) => server.child.once('exit', resolve));
        server.child.kill('SIGKILL');
        await exited;
      }
    }
  }
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
