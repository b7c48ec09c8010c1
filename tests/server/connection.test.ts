import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClientMemoryLedger } from '../../src/server/client-memory.ts';
import { ClientState } from '../../src/server/client-state.ts';
import { errorReplyOf } from '../../src/server/command-errors.ts';
import { CommandTable } from '../../src/server/command-table.ts';
import { Connection, type ConnectionSettings } from '../../src/server/connection.ts';
import { reply } from '../../src/server/reply.ts';
import { defaultParserLimits } from '../../src/server/resp-parser.ts';

/** Just enough of net.Socket to watch what a Connection writes and when it pauses. */
class SocketDouble extends EventEmitter {
  readonly writes: Buffer[][] = [];
  private corked = 0;
  private pendingCorked: Buffer[] = [];
  paused = false;
  ended = false;
  writable = true;
  writableLength = 0;
  writableNeedDrain = false;
  setNoDelay(): this { return this; }
  pause(): this { this.paused = true; return this; }
  resume(): this { this.paused = false; return this; }
  cork(): void { this.corked++; }
  uncork(): void {
    if (--this.corked === 0) {
      this.writes.push(this.pendingCorked);
      this.pendingCorked = [];
    }
  }
  write(chunk: Buffer): boolean {
    if (this.corked > 0) this.pendingCorked.push(chunk);
    else this.writes.push([chunk]);
    return true;
  }
  end(): void { this.ended = true; }
  destroy(): void { this.emit('close'); }
  text(): string[] { return this.writes.map((chunks) => Buffer.concat(chunks).toString('latin1')); }
}

function connectionOver(socket: SocketDouble, outputPauseByteLength = 4 * 1024 * 1024): Connection {
  const settings: ConnectionSettings = {
    commands: new CommandTable(),
    executor: { execute: (_client, argv) => reply.bulk(argv[argv.length - 1] as Buffer) },
    unknownCommandsToExecutor: true,
    parserLimits: defaultParserLimits,
    memory: new ClientMemoryLedger({ totalByteLengthMax: () => 0, heapUsedFractionMax: 0 }),
    outputPauseByteLength,
    closeGraceMs: 1000,
    errorReplyOf,
    onInternalError: () => undefined,
  };
  return new Connection(socket as unknown as Socket, new ClientState(1, 'a:1', 'b:2', true), settings, () => undefined);
}

describe('Connection', () => {
  it('answers everything from one read with one socket write', () => {
    const socket = new SocketDouble();
    connectionOver(socket);
    socket.emit('data', Buffer.from('ECHO a\r\n'.repeat(1000)));
    expect(socket.writes).toHaveLength(1);
    expect(socket.text()[0]).toBe('$1\r\na\r\n'.repeat(1000));
  });

  it('writes nothing for a read that completes no request, then answers when it completes', () => {
    const socket = new SocketDouble();
    connectionOver(socket);
    socket.emit('data', Buffer.from('*2\r\n$4\r\nECHO\r\n$2\r\nh'));
    expect(socket.writes).toHaveLength(0);
    socket.emit('data', Buffer.from('i\r\n'));
    expect(socket.text()).toEqual(['$2\r\nhi\r\n']);
  });

  it('stops running requests and reading while the socket needs to drain, then goes on', () => {
    const socket = new SocketDouble();
    connectionOver(socket, 64);
    socket.writableLength = 1000; // the kernel is not taking bytes
    socket.writableNeedDrain = true;
    socket.emit('data', Buffer.from('ECHO first\r\nECHO second\r\n'));
    expect(socket.paused).toBe(true);
    expect(socket.text().join('')).toBe('');
    socket.writableLength = 0;
    socket.writableNeedDrain = false;
    socket.emit('drain');
    expect(socket.paused).toBe(false);
    expect(socket.text().join('')).toBe('$5\r\nfirst\r\n$6\r\nsecond\r\n');
  });

  it('sends the same bytes and ends the same way whatever the read boundaries', () => {
    const piece = fc.constantFrom(
      'ECHO a\r\n', '*2\r\n$4\r\nECHO\r\n$3\r\nxyz\r\n', 'ECHO "q u"\r\n', '\r\n', '*0\r\n',
      `*2\r\n$4\r\nECHO\r\n$40000\r\n${'b'.repeat(40000)}\r\n`, '*1\r\n$x\r\n', 'ECHO "open\r\n',
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (pieces, cuts) => {
        const wire = Buffer.from(pieces.join(''));
        const whole = new SocketDouble();
        connectionOver(whole);
        whole.emit('data', wire);
        const split = new SocketDouble();
        connectionOver(split);
        const points = [...new Set(cuts.map((cut) => cut % (wire.length + 1)))].sort((a, b) => a - b);
        let start = 0;
        for (const point of [...points, wire.length]) {
          split.emit('data', wire.subarray(start, point));
          start = point;
        }
        expect(split.text().join('')).toBe(whole.text().join(''));
        expect(split.ended).toBe(whole.ended);
      }),
      { numRuns: 200 },
    );
  });
});
