import type { ClientState } from './client-state.ts';
import type { CommandTable } from './command-table.ts';

/** One INFO section as the executor reports it; the server adds its own (server, clients). */
export interface InfoSection {
  /** Lower-case section name: "persistence", "memory", "keyspace"... */
  readonly name: string;
  readonly fields: readonly (readonly [string, string | number])[];
}

export interface ServerConfig {
  /** requirepass; null when clients need not authenticate. Changes apply to new connections. */
  requirePassword: string | null;
  /** SELECT accepts 0 .. databaseCount - 1. */
  readonly databaseCount: number;
  /** maxclients: connections beyond it are refused. */
  readonly maxClientCount: number;
  /** The Redis version reported by HELLO and INFO, so clients enable the features they expect. */
  readonly reportedRedisVersion: string;
}

/** What connection-level commands may see of the server around them. */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly commands: CommandTable;
  readonly startedAtMs: number;
  readonly tcpPort: number;
  clients(): Iterable<ClientState>;
  /** CLIENT KILL: closes that client's connection now (unsent replies dropped); it stops counting at once. */
  killClient(client: ClientState): void;
  /** Sections the executor contributes to INFO. */
  executorInfoSections(): readonly InfoSection[];
}
