import type { ProtocolVersion } from './resp-writer.ts';

/**
 * What the server knows about one connection. Executors read it (protocol, dbIndex) and may keep
 * their own per-client data in `extension`; only the connection layer changes the other fields.
 */
export class ClientState {
  protocol: ProtocolVersion = 2;
  dbIndex = 0;
  /** CLIENT SETNAME / HELLO SETNAME; null when unnamed. */
  name: string | null = null;
  authenticated: boolean;
  /** CLIENT SETINFO LIB-NAME / LIB-VER (Redis 7.2; ioredis sends them and ignores errors). */
  libName = '';
  libVersion = '';
  readonly createdAtMs: number;
  lastInteractionMs: number;
  /** Full name of the last command run, as CLIENT LIST shows it ("client|list"). */
  lastCommandName = 'NULL';
  /** Set by QUIT: the connection closes once the replies so far are written. */
  closeAfterReply = false;
  /** CLIENT NO-EVICT ON: maxmemory-clients never closes this client. */
  noEvict = false;
  /** What the connection holds now (CLIENT LIST memory fields); set by the connection. */
  memoryFigures: () => ClientMemoryFigures = () => noMemoryFigures;
  /** Free slot for the executor's per-client state (a MULTI queue, say). */
  extension: unknown = undefined;

  constructor(
    readonly id: number,
    readonly remoteAddress: string,
    readonly localAddress: string,
    authenticated: boolean,
    nowMs: number = Date.now(),
  ) {
    this.authenticated = authenticated;
    this.createdAtMs = nowMs;
    this.lastInteractionMs = nowMs;
  }
}

/** A client's memory in bytes, under the names of Redis 7's CLIENT LIST fields. */
export interface ClientMemoryFigures {
  /** qbuf: received bytes not parsed yet. */
  readonly queryBufferByteLength: number;
  /** qbuf-free: allocated receive-buffer room not holding unparsed or request bytes. */
  readonly queryBufferFreeByteLength: number;
  /** argv-mem: the unfinished request (its parsed bytes, argument bounds, big arguments). */
  readonly argvByteLength: number;
  /** omem: replies encoded and not yet taken by the kernel. */
  readonly outputByteLength: number;
  /** tot-mem: all of the above; what maxmemory-clients counts. */
  readonly totalByteLength: number;
}

const noMemoryFigures: ClientMemoryFigures = Object.freeze({
  queryBufferByteLength: 0, queryBufferFreeByteLength: 0, argvByteLength: 0, outputByteLength: 0, totalByteLength: 0,
});

/** "ip:port", the form Redis prints in CLIENT LIST. */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  const cleanHost = (host ?? '?').startsWith('::ffff:') ? (host as string).slice(7) : (host ?? '?');
  return `${cleanHost}:${port ?? 0}`;
}
