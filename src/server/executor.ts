import type { ClientState } from './client-state.ts';
import type { Reply } from './reply.ts';
import type { InfoSection } from './server-context.ts';

/**
 * What the engine side implements. The server has already parsed the request, checked the
 * command's arity (for commands registered with a table entry) and the client's authentication.
 * `argv[0]` is the command name as the client sent it (any case). Arguments are views into the
 * received bytes: copy one that must outlive the call.
 *
 * Return a Reply synchronously for ordinary commands (no Promise on the hot path); return a
 * Promise only for slow commands (SAVE): the connection runs nothing else for that client until
 * it settles, so replies stay in request order. Throw an Error whose message is a Redis error
 * line ("WRONGTYPE Operation against a key holding the wrong kind of value") to answer with it.
 */
export interface Executor {
  execute(client: ClientState, argv: Buffer[]): Reply | Promise<Reply>;
  /** Extra INFO sections (persistence, memory, keyspace...). */
  infoSections?(): readonly InfoSection[];
  /** Called once when a client's connection is gone, to drop per-client state. */
  clientClosed?(client: ClientState): void;
}
