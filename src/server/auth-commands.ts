import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClientState } from './client-state.ts';
import { printedArg, syntaxErrorReply, wrongPassReply } from './command-errors.ts';
import type { CommandSpec } from './command-table.ts';
import { reply, type Reply } from './reply.ts';
import type { ServerContext } from './server-context.ts';
import { validateClientName } from './client-commands.ts';
import { parseIntegerArg } from './integer-arg.ts';

/** Redis 7 has ACL users; Sabre has requirepass only, which is the password of this one user. */
const defaultUserName = 'default';

const helloNeedsAuthText =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';
const authWithoutPasswordText =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';

/**
 * Compares in time that depends on neither the position of the first differing byte nor either
 * length: both sides are hashed to 32 bytes first (timingSafeEqual alone needs equal lengths, and
 * checking the lengths first would tell an attacker the password's length). Redis 7 compares
 * SHA-256 digests for the same reason (ACL time-independent compare).
 */
export function passwordMatches(given: Buffer, required: string): boolean {
  const givenDigest = createHash('sha256').update(given).digest();
  const requiredDigest = createHash('sha256').update(required, 'utf8').digest();
  return timingSafeEqual(givenDigest, requiredDigest);
}

/** True when the credentials open the default user: any password does when none is configured. */
function credentialsAccepted(context: ServerContext, userName: string, password: Buffer): boolean {
  if (userName !== defaultUserName) return false;
  const required = context.config.requirePassword;
  return required === null || passwordMatches(password, required);
}

export function authCommands(context: ServerContext): CommandSpec[] {
  const auth = (client: ClientState, argv: Buffer[]): Reply => {
    if (argv.length > 3) return syntaxErrorReply;
    if (argv.length === 2 && context.config.requirePassword === null) return reply.error(authWithoutPasswordText);
    const userName = argv.length === 3 ? (argv[1] as Buffer).toString() : defaultUserName;
    const password = argv[argv.length - 1] as Buffer;
    if (!credentialsAccepted(context, userName, password)) return wrongPassReply;
    client.authenticated = true;
    return reply.ok();
  };

  const hello = (client: ClientState, argv: Buffer[]): Reply => {
    let protocol: 2 | 3 | null = null;
    if (argv.length >= 2) {
      const version = parseIntegerArg(argv[1] as Buffer);
      if (version === null) {
        return reply.error('ERR Protocol version is not an integer or out of range');
      }
      if (version !== 2 && version !== 3) return reply.error('NOPROTO unsupported protocol version');
      protocol = version;
    }
    let credentials: [string, Buffer] | null = null;
    let newName: string | null = null;
    for (let i = 2; i < argv.length; i++) {
      const option = (argv[i] as Buffer).toString('latin1');
      const argsLeft = argv.length - 1 - i;
      if (option.toLowerCase() === 'auth' && argsLeft >= 2) {
        credentials = [(argv[i + 1] as Buffer).toString(), argv[i + 2] as Buffer];
        i += 2;
      } else if (option.toLowerCase() === 'setname' && argsLeft >= 1) {
        newName = (argv[i + 1] as Buffer).toString('latin1');
        i += 1;
      } else {
        return reply.error(`ERR Syntax error in HELLO option '${printedArg(argv[i] as Buffer)}'`);
      }
    }
    if (credentials !== null) {
      if (!credentialsAccepted(context, credentials[0], credentials[1])) return wrongPassReply;
      client.authenticated = true;
    }
    if (!client.authenticated) return reply.error(helloNeedsAuthText);
    if (newName !== null) {
      const invalid = validateClientName(newName);
      if (invalid !== null) return invalid;
      client.name = newName === '' ? null : newName;
    }
    if (protocol !== null) client.protocol = protocol;
    return helloReply(context, client);
  };

  return [
    {
      name: 'auth', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
      firstKey: 0, lastKey: 0, keyStep: 0, group: 'connection', since: '1.0.0',
      summary: 'Authenticate to the server', handler: auth,
    },
    {
      name: 'hello', arity: -1, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'],
      firstKey: 0, lastKey: 0, keyStep: 0, group: 'connection', since: '6.0.0',
      summary: 'Handshake with Redis', handler: hello,
    },
  ];
}

function helloReply(context: ServerContext, client: ClientState): Reply {
  const field = (name: string, value: Reply): readonly [Reply, Reply] => [reply.bulk(name), value];
  return reply.map([
    field('server', reply.bulk('redis')),
    field('version', reply.bulk(context.config.reportedRedisVersion)),
    field('proto', reply.integer(client.protocol)),
    field('id', reply.integer(client.id)),
    field('mode', reply.bulk('standalone')),
    field('role', reply.bulk('master')),
    field('modules', reply.emptyArray()),
  ]);
}
