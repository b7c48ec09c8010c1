import net from 'node:net';
import { ClientMemoryLedger } from './client-memory.ts';
import { ClientState, formatAddress } from './client-state.ts';
import { errorReplyOf as defaultErrorReplyOf } from './command-errors.ts';
import { CommandTable, type CommandSpec } from './command-table.ts';
import { Connection, type ConnectionSettings } from './connection.ts';
import { connectionCommands } from './connection-commands.ts';
import type { Executor } from './executor.ts';
import { IdleSweep } from './idle-sweep.ts';
import { protectedModeDeniedText, protectedModeDenies } from './protected-mode.ts';
import type { Reply } from './reply.ts';
import { defaultParserLimits, type ParserLimits } from './resp-parser.ts';
import type { ServerConfig, ServerContext } from './server-context.ts';

export interface ServerOptions {
  readonly executor: Executor;
  /**
   * The executor's commands, checked (name, arity, auth) before it is called. When omitted, every
   * name the server does not know goes to the executor, which then answers unknown commands
   * itself (see unknownCommandReply).
   */
  readonly commands?: readonly CommandSpec[];
  /** Loopback unless told otherwise: the server has no TLS and only requirepass. */
  readonly host?: string;
  /** 0 picks a free port; read the chosen one from SabreServer.port. */
  readonly port?: number;
  readonly requirePassword?: string | null;
  readonly databaseCount?: number;
  /** maxclients: connections beyond it are told so and closed. Redis default 10000. */
  readonly maxClientCount?: number;
  readonly reportedRedisVersion?: string;
  readonly parserLimits?: Partial<ParserLimits>;
  /**
   * maxmemory-clients in bytes, read at each check so CONFIG SET applies at once; 0 or absent: no
   * total cap. The heap watch runs either way (heapUsedFractionMax 0 turns it off).
   */
  readonly clientMemoryByteLengthMax?: () => number;
  readonly heapUsedFractionMax?: number;
  readonly outputPauseByteLength?: number;
  readonly closeGraceMs?: number;
  readonly errorReplyOf?: (error: unknown) => Reply | null;
  /**
   * Asked before each table command runs (after arity and AUTH): a reply refuses the command with
   * it, null lets it run. Sabre's MISCONF lives here; `fullName` is "config|set" for a subcommand.
   */
  readonly refuseCommand?: (spec: CommandSpec, fullName: string) => Reply | null;
  /** protected-mode, read at each accept (CONFIG SET changes it). Default: on, as Redis. */
  readonly protectedMode?: () => boolean;
  /** timeout in seconds, read at each sweep (CONFIG SET changes it); 0 = never. Default 0. */
  readonly clientIdleTimeoutSec?: () => number;
  /** A programming error escaped a command. Default: print it; the client gets an error and is closed. */
  readonly onInternalError?: (error: unknown, client: ClientState) => void;
}

export interface SabreServer {
  readonly host: string;
  readonly port: number;
  readonly commands: CommandTable;
  connectedClientCount(): number;
  /**
   * CONFIG SET requirepass: new connections must AUTH with it (null: no password). As in Redis,
   * connections already open keep their authenticated state.
   */
  setRequirePassword(password: string | null): void;
  /** CONFIG SET client-query-buffer-limit: applies to every connection, open ones included. */
  setQueryBufferLimit(byteLength: number): void;
  /** INFO stats evicted_clients. */
  evictedClientCount(): number;
  /** Bytes all connections hold now (the sum maxmemory-clients caps). */
  clientMemoryByteLength(): number;
  /** CONFIG SET maxmemory-clients lowered the cap: evict now rather than at the next read. */
  enforceClientMemory(): void;
  /** Stops accepting, ends every connection after its pending replies, resolves when all are closed. */
  close(): Promise<void>;
}

const defaultOutputPauseByteLength = 4 * 1024 * 1024;
/** Redis's clients cron runs hz (10) times a second and visits every client once per second. */
const idleSweepIntervalMs = 100;
const idleSweepTicksPerRound = 10;

export async function startServer(options: ServerOptions): Promise<SabreServer> {
  const host = options.host ?? '127.0.0.1';
  const config: ServerConfig = {
    requirePassword: options.requirePassword ?? null,
    databaseCount: options.databaseCount ?? 16,
    maxClientCount: options.maxClientCount ?? 10_000,
    reportedRedisVersion: options.reportedRedisVersion ?? '7.0.15',
  };
  const connections = new Set<Connection>();
  const connectionOf = new WeakMap<ClientState, Connection>();
  const commands = new CommandTable();
  const startedAtMs = Date.now();
  let nextClientId = 1;
  let tcpPort = 0;

  const context: ServerContext = {
    config,
    commands,
    startedAtMs,
    get tcpPort() {
      return tcpPort;
    },
    *clients() {
      for (const connection of connections) yield connection.client;
    },
    executorInfoSections: () => options.executor.infoSections?.() ?? [],
    killClient: (client) => {
      const connection = connectionOf.get(client);
      if (connection === undefined || !connections.has(connection)) return;
      // Out of the count now, so the slot is free before the socket's 'close' event runs.
      removeConnection(connection);
      connection.kill();
    },
  };
  const removeConnection = (closed: Connection) => {
    if (connections.delete(closed)) options.executor.clientClosed?.(closed.client);
  };
  commands.registerAll(connectionCommands(context));
  if (options.commands !== undefined) commands.registerAll(options.commands);

  const parserLimits: { -readonly [K in keyof ParserLimits]: ParserLimits[K] } = { ...defaultParserLimits, ...options.parserLimits };
  const clientMemoryByteLengthMax = options.clientMemoryByteLengthMax ?? (() => 0);
  const memory = new ClientMemoryLedger({
    totalByteLengthMax: clientMemoryByteLengthMax,
    heapUsedFractionMax: options.heapUsedFractionMax,
    log: (line) => console.log(line),
  });
  const settings: ConnectionSettings = {
    commands,
    executor: options.executor,
    unknownCommandsToExecutor: options.commands === undefined,
    parserLimits,
    memory,
    outputPauseByteLength: options.outputPauseByteLength ?? defaultOutputPauseByteLength,
    closeGraceMs: options.closeGraceMs ?? 5000,
    errorReplyOf: options.errorReplyOf ?? defaultErrorReplyOf,
    refuseCommand: options.refuseCommand ?? null,
    onInternalError:
      options.onInternalError ??
      ((error, client) => console.error(`sabre: internal error in a command from client ${client.id}:`, error)),
  };

  const server = net.createServer((socket) => {
    if (connections.size >= config.maxClientCount) {
      socket.on('error', () => socket.destroy());
      socket.resume(); // read to see the peer's FIN, or the socket stays half-open
      socket.end('-ERR max number of clients reached\r\n');
      setTimeout(() => socket.destroy(), settings.closeGraceMs).unref();
      return;
    }
    if (protectedModeDenies(options.protectedMode?.() ?? true, config.requirePassword !== null, socket.remoteAddress ?? '')) {
      socket.on('error', () => socket.destroy());
      socket.resume();
      socket.end(protectedModeDeniedText);
      setTimeout(() => socket.destroy(), settings.closeGraceMs).unref();
      return;
    }
    const client = new ClientState(
      nextClientId++,
      formatAddress(socket.remoteAddress, socket.remotePort),
      formatAddress(socket.localAddress, socket.localPort),
      config.requirePassword === null,
    );
    const connection = new Connection(socket, client, settings, removeConnection);
    connections.add(connection);
    connectionOf.set(client, connection);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 6379, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  tcpPort = typeof address === 'object' && address !== null ? address.port : 0;
  const idleSweep = new IdleSweep(connections, options.clientIdleTimeoutSec ?? (() => 0), idleSweepTicksPerRound);
  const idleSweepTimer = setInterval(() => idleSweep.tick(Date.now()), idleSweepIntervalMs);
  idleSweepTimer.unref();

  return {
    host,
    port: tcpPort,
    commands,
    connectedClientCount: () => connections.size,
    setRequirePassword: (password) => {
      config.requirePassword = password;
    },
    setQueryBufferLimit: (byteLength) => {
      parserLimits.requestByteLengthMax = byteLength;
    },
    evictedClientCount: () => memory.evictedClientCount,
    clientMemoryByteLength: () => memory.accountedByteLength,
    enforceClientMemory: () => memory.enforce(),
    close: async () => {
      clearInterval(idleSweepTimer);
      memory.stop();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      // The net.Server reports closed a tick before each socket's own 'close' event has run.
      const socketsClosed = [...connections].map(
        (connection) => new Promise<void>((resolve) => connection.socket.once('close', () => resolve())),
      );
      for (const connection of connections) connection.end();
      await Promise.all([serverClosed, ...socketsClosed]);
    },
  };
}
