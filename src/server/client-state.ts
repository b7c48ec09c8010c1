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
  /** Bytes received and not yet run, and replies not yet sent: kept current by the connection. */
  queryBufferByteLength = 0;
  outputBufferByteLength = 0;
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

/** "ip:port", the form Redis prints in CLIENT LIST. */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  const cleanHost = (host ?? '?').startsWith('::ffff:') ? (host as string).slice(7) : (host ?? '?');
  return `${cleanHost}:${port ?? 0}`;
}
