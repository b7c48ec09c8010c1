import type { ClientState } from './client-state.ts';
import { syntaxErrorReply } from './command-errors.ts';
import { parseIntegerArg } from './integer-arg.ts';
import { reply, type Reply } from './reply.ts';
import type { ServerContext } from './server-context.ts';

/** The one user Sabre has (requirepass is its password): every client is logged in as it. */
const userName = 'default';
const clientTypes = new Set(['normal', 'master', 'replica', 'slave', 'pubsub']);

/** What a CLIENT KILL filter selects; an absent field matches every client. */
interface KillFilter {
  addr: string | null;
  laddr: string | null;
  id: number | null;
  /** False when TYPE or USER names clients Sabre never has (replicas, pubsub, other users). */
  anyTypeOrUser: boolean;
  skipMe: boolean;
  /** MAXAGE: only clients connected at least this many whole seconds. */
  ageMinSec: number | null;
}

/** Parses the new form's `<option> <value>` pairs; a Reply is the error to send. */
function parseFilter(argv: readonly Buffer[]): KillFilter | Reply {
  const filter: KillFilter = { addr: null, laddr: null, id: null, anyTypeOrUser: true, skipMe: true, ageMinSec: null };
  for (let i = 2; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) return syntaxErrorReply;
    const option = argv[i]!.toString('latin1').toLowerCase();
    const value = argv[i + 1]!.toString('latin1');
    if (option === 'id') {
      const id = parseIntegerArg(argv[i + 1]!);
      if (id === null || id < 1) return reply.error('ERR client-id should be greater than 0');
      filter.id = id;
    } else if (option === 'type') {
      const type = value.toLowerCase();
      if (!clientTypes.has(type)) return reply.error(`ERR Unknown client type '${value}'`);
      if (type !== 'normal') filter.anyTypeOrUser = false;
    } else if (option === 'addr') {
      filter.addr = value;
    } else if (option === 'laddr') {
      filter.laddr = value;
    } else if (option === 'user') {
      if (value !== userName) return reply.error(`ERR No such user '${value}'`);
    } else if (option === 'skipme') {
      const word = value.toLowerCase();
      if (word !== 'yes' && word !== 'no') return syntaxErrorReply;
      filter.skipMe = word === 'yes';
    } else if (option === 'maxage') {
      // Redis 7.4's filter and texts (7.0 answers MAXAGE with a syntax error).
      const seconds = parseIntegerArg(argv[i + 1]!);
      if (seconds === null) return reply.error('ERR maxage is not an integer or out of range');
      if (seconds <= 0) return reply.error('ERR maxage should be greater than 0');
      filter.ageMinSec = seconds;
    } else {
      return syntaxErrorReply;
    }
  }
  return filter;
}

function matches(filter: KillFilter, other: ClientState, self: ClientState, nowMs: number): boolean {
  if (!filter.anyTypeOrUser) return false;
  if (filter.addr !== null && other.remoteAddress !== filter.addr) return false;
  if (filter.laddr !== null && other.localAddress !== filter.laddr) return false;
  if (filter.id !== null && other.id !== filter.id) return false;
  if (filter.ageMinSec !== null && Math.floor((nowMs - other.createdAtMs) / 1000) < filter.ageMinSec) return false;
  return !(other === self && filter.skipMe);
}

/**
 * CLIENT KILL ip:port (old form: +OK, or "No such client"; it may kill the caller) and CLIENT KILL
 * <filter> <value> ... (new form: the number killed; SKIPME yes by default). Others are closed at
 * once; the caller, when it matches, is closed after this reply, as Redis does.
 */
export function clientKill(context: ServerContext, self: ClientState, argv: readonly Buffer[]): Reply {
  const oldForm = argv.length === 3;
  let filter: KillFilter;
  if (oldForm) {
    filter = { addr: argv[2]!.toString('latin1'), laddr: null, id: null, anyTypeOrUser: true, skipMe: false, ageMinSec: null };
  } else {
    const parsed = parseFilter(argv);
    if ('kind' in parsed) return parsed;
    filter = parsed;
  }
  const nowMs = Date.now();
  const victims = [...context.clients()].filter((other) => matches(filter, other, self, nowMs));
  for (const victim of victims) {
    if (victim === self) self.closeAfterReply = true;
    else context.killClient(victim);
  }
  if (oldForm) return victims.length === 0 ? reply.error('ERR No such client') : reply.ok();
  return reply.integer(victims.length);
}
