/**
 * PING latency from a separate process while 64 clients send the pending-request attack
 * (bench/pending-requests.ts's payload) to a server already running on PORT:
 *   node bench/ping-during-pending.mjs PORT
 * Prints, every 100 ms, the time since the attack began and one fresh connection's PING round trip.
 */
import net from 'node:net';
const port = Number(process.argv[2]);
const count = 1048576;
const one = Buffer.from('$1\r\nx\r\n');
const body = Buffer.alloc(one.length * (count - 3));
for (let o = 0; o < body.length; o += one.length) one.copy(body, o);
const payload = Buffer.concat([Buffer.from(`*${count}\r\n$5\r\nRPUSH\r\n$6\r\nvictim\r\n`), body]);
const t0 = Date.now();
const socks = [];
for (let i = 0; i < 64; i++) { const s = net.connect(port, '127.0.0.1', () => s.write(payload)); s.on('error', () => {}); socks.push(s); }
const ping = () => new Promise((res) => { const st = Date.now(); const s = net.connect(port, '127.0.0.1', () => s.write('PING\r\n')); s.on('data', () => { s.destroy(); res(Date.now() - st); }); });
for (let i = 0; i < 15; i++) { const ms = await ping(); console.log(`t=${Date.now() - t0} ping ${ms} ms`); await new Promise((r) => setTimeout(r, 100)); }
process.exit(0);
