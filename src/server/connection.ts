import type { Socket } from 'node:net';
import type { ClientMemoryLedger, MemoryAccount } from './client-memory.ts';
import type { ClientMemoryFigures, ClientState } from './client-state.ts';
import { noAuthReply } from './command-errors.ts';
import { hasFlag, type CommandSpec, type CommandTable } from './command-table.ts';
import type { Executor } from './executor.ts';
import { reply, type Reply } from './reply.ts';
import { ProtocolError, RequestParser, type ParserLimits } from './resp-parser.ts';
import { ReplyEncoder } from './resp-writer.ts';

export interface ConnectionSettings {
  readonly commands: CommandTable;
  readonly executor: Executor;
  /** When true, names missing from the table go to the executor instead of "unknown command". */
  readonly unknownCommandsToExecutor: boolean;
  /** Shared by every connection and read at each request: CONFIG SET changes apply at once. */
  readonly parserLimits: ParserLimits;
  /** Counts what each connection holds, and closes the biggest when the total is over its cap. */
  readonly memory: ClientMemoryLedger;
  /**
   * Reading stops while more reply bytes than this wait to be sent, so a client that pipelines
   * without reading its replies cannot make the server buffer without bound.
   */
  readonly outputPauseByteLength: number;
  /** After a protocol error or QUIT, a peer that does not read its last reply is dropped this late. */
  readonly closeGraceMs: number;
  readonly errorReplyOf: (error: unknown) => Reply | null;
  /** See ServerOptions.refuseCommand. */
  readonly refuseCommand?: ((spec: CommandSpec, fullName: string) => Reply | null) | null;
  readonly onInternalError: (error: unknown, client: ClientState) => void;
}

const internalErrorReply = reply.error('ERR internal error, see the server log');
/**
 * Output memory is reported after each read; past this many unsent bytes the connection also
 * reports when the socket drains, so a big reply sent while the client is idle stops counting.
 */
const outputWatchByteLength = 64 * 1024;

/**
 * One client connection: parses requests as bytes arrive, runs them in order, and writes all the
 * replies produced from one read in one corked socket write (pipelining throughput).
 */
export class Connection implements MemoryAccount {
  private readonly parser: RequestParser;
  accountedByteLength = 0;
  accountedAsExempt = false;
  private watchingOutput = false;
  private readonly encoder = new ReplyEncoder();
  // While either is set, requests stay queued in the parser and the socket is not read.
  private awaitingReply = false;
  private awaitingDrain = false;
  private closing = false;

  constructor(
    readonly socket: Socket,
    readonly client: ClientState,
    private readonly settings: ConnectionSettings,
    private readonly onClosed: (connection: Connection) => void,
  ) {
    this.parser = new RequestParser(settings.parserLimits);
    settings.memory.open(this);
    client.memoryFigures = () => this.memoryFigures();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onSocketClosed());
  }

  /** Ends the connection after the replies already produced; drops it if the peer stalls. */
  end(): void {
    if (this.closing) return;
    this.closing = true;
    this.flush();
    // Keep reading (and dropping) what the peer still sends: a paused socket never sees the
    // peer's FIN, so it would stay half-open until the grace timer.
    this.socket.resume();
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), this.settings.closeGraceMs);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
  }

  /**
   * CLIENT KILL, the idle timeout and client eviction: closes now, dropping unsent replies, as
   * Redis's freeClient.
   */
  kill(): void {
    this.closing = true;
    // Out of the client-memory total now: the ledger must not pick a dead client as its next
    // victim (nor count it in mem_clients_normal) before the socket's close event.
    this.settings.memory.close(this);
    this.socket.destroy();
    // Its buffers go now, not when the connection object itself is collected.
    this.parser.discard();
    this.encoder.drain();
  }

  /** Called by the memory ledger: the client is dropped at once, as Redis frees an evicted client. */
  evict(): void {
    this.kill();
  }

  /** A command's reply is still to come (an async command): the idle timeout leaves it alone. */
  get commandRunning(): boolean {
    return this.awaitingReply;
  }

  /** Redis 7's CLIENT LIST memory fields, from what the parser and the socket hold now. */
  memoryFigures(): ClientMemoryFigures {
    const parserMemory = this.parser.memory;
    const outputByteLength = this.outputByteLength();
    return {
      queryBufferByteLength: parserMemory.unparsedByteLength,
      queryBufferFreeByteLength: parserMemory.receiveFreeByteLength,
      argvByteLength: parserMemory.requestByteLength,
      outputByteLength,
      totalByteLength: parserMemory.totalByteLength + outputByteLength,
    };
  }

  private outputByteLength(): number {
    return this.socket.writableLength + this.encoder.pendingByteLength;
  }

  private reportMemory(): void {
    const byteLength = this.parser.heldByteLength + this.outputByteLength();
    if (byteLength !== this.accountedByteLength) this.settings.memory.report(this, byteLength);
    if (!this.watchingOutput && this.socket.writableLength > outputWatchByteLength && this.socket.writableNeedDrain) {
      this.watchingOutput = true;
      this.socket.once('drain', () => {
        this.watchingOutput = false;
        if (!this.closing) this.reportMemory();
      });
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    // As Redis (readQueryFromClient): any bytes read count as activity for the idle timeout.
    this.client.lastInteractionMs = Date.now();
    this.parser.push(chunk);
    this.process();
  }

  private onDrain(): void {
    // As Redis (writeToClient): replies leaving count as activity, so a slow reader of a big reply is not idle.
    this.client.lastInteractionMs = Date.now();
    if (!this.awaitingDrain || this.closing) return;
    this.awaitingDrain = false;
    this.resumeProcessing();
  }

  private onSocketClosed(): void {
    this.closing = true;
    this.settings.memory.close(this);
    this.onClosed(this);
  }

  /** Runs every complete request buffered, in order, until one is async or output is too large. */
  private process(): void {
    const client = this.client;
    while (!this.awaitingReply && !this.awaitingDrain && !this.closing) {
      if (this.outputIsTooLarge()) {
        this.flush();
        // 'drain' comes only after a write that passed the socket's own high-water mark.
        if (this.socket.writableNeedDrain) {
          this.awaitingDrain = true;
          this.socket.pause();
          break;
        }
      }
      const request = this.parser.next(client.authenticated);
      if (request === null) break;
      if (request instanceof ProtocolError) {
        if (request.replyText !== null) this.encoder.write(reply.error(request.replyText), client.protocol);
        this.end();
        return;
      }
      const result = this.dispatch(request);
      if (result instanceof Promise) {
        this.awaitingReply = true;
        this.socket.pause();
        result.then(
          (value) => this.resumeWith(value),
          (error: unknown) => this.resumeWith(this.replyForThrown(error)),
        );
        break;
      }
      if (!this.writeReply(result)) return;
      if (client.closeAfterReply) {
        this.end();
        return;
      }
    }
    this.flush();
  }

  /**
   * Encodes a command's reply. A value the encoder cannot take (not a Reply: a bug in command
   * code) goes to onInternalError and the connection is dropped without the half-encoded bytes.
   */
  private writeReply(value: Reply): boolean {
    try {
      this.encoder.write(value, this.client.protocol);
      return true;
    } catch (error) {
      this.closing = true;
      this.settings.onInternalError(error, this.client);
      this.socket.destroy();
      return false;
    }
  }

  private resumeWith(value: Reply): void {
    if (this.closing) return;
    if (!this.writeReply(value)) return;
    if (this.client.closeAfterReply) {
      this.end();
      return;
    }
    this.awaitingReply = false;
    this.resumeProcessing();
  }

  private resumeProcessing(): void {
    if (this.awaitingReply || this.awaitingDrain) return;
    this.socket.resume();
    this.process();
  }

  private outputIsTooLarge(): boolean {
    return this.socket.writableLength + this.encoder.pendingByteLength > this.settings.outputPauseByteLength;
  }

  private dispatch(argv: Buffer[]): Reply | Promise<Reply> {
    const settings = this.settings;
    const client = this.client;
    client.lastInteractionMs = Date.now();
    const lookup = settings.commands.resolve(argv);
    let handler = settings.executor.execute;
    let handlerThis: unknown = settings.executor;
    if (lookup.kind === 'rejected') return lookup.reply;
    if (lookup.kind === 'unknown') {
      if (!settings.unknownCommandsToExecutor) return lookup.reply;
      if (!client.authenticated) return noAuthReply;
      client.lastCommandName = (argv[0] as Buffer).toString('latin1').toLowerCase();
    } else {
      const command = lookup.command;
      if (!client.authenticated && !hasFlag(command.spec, 'no_auth')) return noAuthReply;
      client.lastCommandName = command.fullName;
      const refusal = settings.refuseCommand?.(command.spec, command.fullName) ?? null;
      if (refusal !== null) return refusal;
      if (command.spec.handler !== undefined) {
        handler = command.spec.handler;
        handlerThis = undefined;
      }
    }
    try {
      return handler.call(handlerThis, client, argv);
    } catch (error) {
      return this.replyForThrown(error);
    }
  }

  private replyForThrown(error: unknown): Reply {
    const errorReply = this.settings.errorReplyOf(error);
    if (errorReply !== null) return errorReply;
    // A programming error: not hidden as an ordinary reply; the owner decides (log, crash).
    this.settings.onInternalError(error, this.client);
    this.client.closeAfterReply = true;
    return internalErrorReply;
  }

  private flush(): void {
    if (this.encoder.pendingByteLength === 0) {
      this.reportMemory();
      return;
    }
    const chunks = this.encoder.drain();
    if (this.socket.writable) {
      if (chunks.length === 1) {
        this.socket.write(chunks[0] as Buffer);
      } else {
        this.socket.cork();
        for (const chunk of chunks) this.socket.write(chunk);
        this.socket.uncork();
      }
    }
    this.reportMemory();
  }
}
