/**
 * The hostile-client probe of the admin surface, against a Sabre checkout and redis-server 7.0 in
 * one run: can a client make SAVE write a file of its choosing elsewhere, how long does a PING wait
 * behind DEBUG CHECK on ~190k keys, and can idle half-commands lock new clients out.
 *
 *   npx tsx bench/admin-surface-probe.ts [--sabre-root <checkout> [--with "<flags>"]]... [--redis] [--keys 190000] [--value-bytes 0]
 *
 * `--with` adds flags to the Sabre before it (e.g. "--enable-debug-command yes" to time the check itself).
 *
 * `--value-bytes` pads each value to that many bytes (0: the short "value:<i>").
 * Each target starts with default security settings, --save '' and --maxclients 50 in a temporary dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './server-support.ts';

const maxClientCount = 50;
const plantedLine = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIprobe probe@attacker';

interface Target {
  readonly label: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly dir: string;
}

async function startTarget(label: string, command: string, args: string[], cwd: string, dir: string, port: number): Promise<Target> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (data: Buffer) => {
      log += data.toString();
      if (log.includes('Ready to accept connections')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code}:\n${log}`)));
  });
  return { label, port, child, dir };
}

/** A RESP connection that returns each reply as one line of text (enough for this probe). */
class Line {
  private buffer = '';
  private waiting: ((line: string) => void)[] = [];
  readonly closed: Promise<void>;
  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffer += chunk.toString('latin1');
      this.drain();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => {
      for (const waiter of this.waiting.splice(0)) waiter('(closed)');
    });
  }
  static async open(port: number): Promise<Line> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new Line(socket);
  }
  private drain(): void {
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end < 0 || this.waiting.length === 0) return;
      let line = this.buffer.slice(0, end);
      let consumed = end + 2;
      if (line.startsWith('$') && Number(line.slice(1)) >= 0) {
        const length = Number(line.slice(1));
        if (this.buffer.length < consumed + length + 2) return;
        line = this.buffer.slice(consumed, consumed + length);
        consumed += length + 2;
      }
      this.buffer = this.buffer.slice(consumed);
      this.waiting.shift()!(line);
    }
  }
  send(...args: string[]): Promise<string> {
    const reply = new Promise<string>((resolve) => this.waiting.push(resolve));
    this.socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
    this.drain();
    return reply;
  }
  close(): void {
    this.socket.destroy();
  }
}

function short(text: string): string {
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}

async function probeFileWrite(target: Target): Promise<Record<string, string>> {
  const victim = path.join(target.dir, 'victim');
  mkdirSync(path.join(victim, 'ssh'), { recursive: true });
  const admin = await Line.open(target.port);
  const setMissing = await admin.send('CONFIG', 'SET', 'dir', path.join(victim, 'missing', 'sub'));
  const missingCreated = existsSync(path.join(victim, 'missing'));
  const setDir = await admin.send('CONFIG', 'SET', 'dir', path.join(victim, 'ssh'));
  const setName = await admin.send('CONFIG', 'SET', 'dbfilename', 'authorized_keys');
  await admin.send('SET', 'k', `\n\n${plantedLine}\n\n`);
  const save = await admin.send('SAVE');
  const planted = path.join(victim, 'ssh', 'authorized_keys');
  const written = existsSync(planted) && readFileSync(planted, 'latin1').includes(plantedLine);
  admin.close();
  return {
    'CONFIG SET dir <missing>': short(setMissing), 'missing dir created': String(missingCreated),
    'CONFIG SET dir <victim/ssh>': short(setDir), 'CONFIG SET dbfilename authorized_keys': short(setName),
    SAVE: save, 'authorized_keys written with the planted line': String(written),
  };
}

async function probeDebugStall(target: Target, keyCount: number, valueBytes: number): Promise<Record<string, string>> {
  const filler = await Line.open(target.port);
  const batch = 10_000;
  for (let first = 0; first < keyCount; first += batch) {
    const replies: Promise<string>[] = [];
    for (let i = first; i < Math.min(first + batch, keyCount); i++) replies.push(filler.send('SET', `key:${i}`, `value:${i}`.padEnd(valueBytes, 'x')));
    await Promise.all(replies);
  }
  const dbsize = await filler.send('DBSIZE');
  const pinger = await Line.open(target.port);
  await pinger.send('PING');
  const debugStartedMs = performance.now();
  const debugReply = filler.send('DEBUG', 'CHECK').then((reply) => ({ reply, ms: performance.now() - debugStartedMs }));
  await new Promise((resolve) => setTimeout(resolve, 5));
  const pingStartedMs = performance.now();
  await pinger.send('PING');
  const pingMs = performance.now() - pingStartedMs;
  const debug = await debugReply;
  filler.close();
  pinger.close();
  return {
    keys: dbsize, 'DEBUG CHECK reply': short(debug.reply), 'DEBUG CHECK ms': debug.ms.toFixed(0),
    'concurrent PING waited ms': pingMs.toFixed(1),
  };
}

async function probeIdleLockout(target: Target): Promise<Record<string, string>> {
  const admin = await Line.open(target.port);
  await admin.send('PING');
  const idle: Line[] = [];
  for (let i = 0; i < maxClientCount - 1; i++) {
    const half = await Line.open(target.port);
    half.socket.write('*2\r\n$3\r\nGET\r\n$10\r\nabc');
    idle.push(half);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const tryNew = async () => {
    const fresh = await Line.open(target.port);
    const reply = await fresh.send('PING');
    fresh.close();
    return reply;
  };
  const whenFull = await tryNew();
  const first = idle[0]!;
  const kill = await admin.send('CLIENT', 'KILL', 'ADDR', `127.0.0.1:${first.socket.localPort}`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const afterKill = await tryNew();
  const setTimeoutReply = await admin.send('CONFIG', 'SET', 'timeout', '1');
  // Idle means silent: the admin speaks every 250 ms while the others wait.
  const deadlineMs = Date.now() + 3000;
  while (Date.now() < deadlineMs) {
    await admin.send('PING');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const stillOpen = idle.filter((line) => !line.socket.destroyed && line.socket.readyState === 'open').length;
  const afterTimeout = await tryNew();
  for (const line of idle) line.close();
  admin.close();
  return {
    'new client when full': short(whenFull), 'CLIENT KILL ADDR <idle>': short(kill), 'new client after kill': short(afterKill),
    'CONFIG SET timeout 1': short(setTimeoutReply), 'idle half-commands open 3 s later': `${stillOpen}/${idle.length}`,
    'new client after 3 s': short(afterTimeout),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sabreRoots: { root: string; extraArgs: string[] }[] = [];
  let withRedis = false;
  let keyCount = 190_000;
  let valueBytes = 0;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sabre-root') sabreRoots.push({ root: path.resolve(argv[++i]!), extraArgs: [] });
    else if (argv[i] === '--with') sabreRoots.at(-1)!.extraArgs.push(...argv[++i]!.split(' '));
    else if (argv[i] === '--redis') withRedis = true;
    else if (argv[i] === '--keys') keyCount = Number(argv[++i]);
    else if (argv[i] === '--value-bytes') valueBytes = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  const results: [string, Record<string, string>][] = [];
  const starts: [string, (dir: string, port: number) => Promise<Target>][] = [
    ...sabreRoots.map(({ root, extraArgs }): [string, (dir: string, port: number) => Promise<Target>] => [`sabre ${root} ${extraArgs.join(' ')}`.trim(), (dir, port) =>
      startTarget(`sabre ${root}`, process.execPath, ['bin/sabre.mjs', '--port', String(port), '--dir', dir, '--save', '', '--maxclients', String(maxClientCount), ...extraArgs], root, dir, port)]),
    ...(withRedis ? [['redis-server 7.0', (dir: string, port: number) =>
      startTarget('redis', 'redis-server', ['--port', String(port), '--dir', dir, '--save', '', '--maxclients', String(maxClientCount), '--appendonly', 'no'], dir, dir, port)] as [string, (dir: string, port: number) => Promise<Target>]] : []),
  ];
  for (const [label, start] of starts) {
    for (const probe of ['file write', 'DEBUG CHECK stall', 'idle lockout'] as const) {
      const dir = mkdtempSync(path.join(tmpdir(), 'admin-probe-'));
      const target = await start(dir, await freePort());
      try {
        const outcome = probe === 'file write' ? await probeFileWrite(target) : probe === 'DEBUG CHECK stall' ? await probeDebugStall(target, keyCount, valueBytes) : await probeIdleLockout(target);
        results.push([`${label} — ${probe}`, outcome]);
        console.log(`## ${label} — ${probe}`);
        for (const [name, value] of Object.entries(outcome)) console.log(`  ${name}: ${value}`);
      } finally {
        const exited = new Promise<void>((resolve) => target.child.once('exit', () => resolve()));
        target.child.kill('SIGKILL');
        await exited;
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

await main();
