import { match } from 'ts-pattern';
import type { ExpireCondition } from '../engine/engine.ts';
import { CommandError, reply } from '../server/index.ts';
import { asBuffer, integerArg, option } from './args.ts';
import { allKeys, define, noKeys, oneKey, type CommandDefinition } from './spec.ts';

/** EXPIRE's NX | XX | GT | LT, with Redis 7.0's texts for the combinations it refuses (XX may come with GT or LT). */
export function parseExpireConditions(argv: readonly Buffer[], start: number): Set<ExpireCondition> {
  const seen = new Set<string>();
  for (let i = start; i < argv.length; i++) {
    const word = option(argv[i]);
    if (!['NX', 'XX', 'GT', 'LT'].includes(word)) throw new CommandError(`ERR Unsupported option ${argv[i]!.toString('latin1')}`);
    seen.add(word);
  }
  if (seen.has('NX') && (seen.has('XX') || seen.has('GT') || seen.has('LT'))) {
    throw new CommandError('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (seen.has('GT') && seen.has('LT')) throw new CommandError('ERR GT and LT options at the same time are not compatible');
  return seen as Set<ExpireCondition>;
}

type ExpireMethod = 'expire' | 'pexpire' | 'expireat' | 'pexpireat';

function expireCommand(name: ExpireMethod, since: string, summary: string): CommandDefinition {
  return define(name, -3, ['write', 'fast'], oneKey, 'generic', since, summary, (ctx, client, argv) => {
    const conditions = parseExpireConditions(argv, 3);
    const amount = integerArg(argv[2]!);
    const engine = ctx.host.engine;
    const condition = [...conditions];
    const done = match(name)
      .with('expire', () => engine.expire(client.dbIndex, argv[1]!, amount, condition))
      .with('pexpire', () => engine.pexpire(client.dbIndex, argv[1]!, amount, condition))
      .with('expireat', () => engine.expireat(client.dbIndex, argv[1]!, amount, condition))
      .with('pexpireat', () => engine.pexpireat(client.dbIndex, argv[1]!, amount, condition))
      .exhaustive();
    return reply.integer(done);
  });
}

export const keyCommands: CommandDefinition[] = [
  define('del', -2, ['write'], allKeys, 'generic', '1.0.0', 'Delete a key',
    (ctx, client, argv) => reply.integer(ctx.host.engine.del(client.dbIndex, argv.slice(1)))),
  define('exists', -2, ['readonly', 'fast'], allKeys, 'generic', '1.0.0', 'Determine if a key exists',
    (ctx, client, argv) => reply.integer(ctx.host.engine.exists(client.dbIndex, argv.slice(1)))),
  define('type', 2, ['readonly', 'fast'], oneKey, 'generic', '1.0.0', 'Determine the type stored at key',
    (ctx, client, argv) => reply.simple(ctx.host.engine.type(client.dbIndex, argv[1]!))),
  expireCommand('expire', '1.0.0', "Set a key's time to live in seconds"),
  expireCommand('pexpire', '2.6.0', "Set a key's time to live in milliseconds"),
  expireCommand('expireat', '1.2.0', 'Set the expiration for a key as a UNIX timestamp'),
  expireCommand('pexpireat', '2.6.0', 'Set the expiration for a key as a UNIX timestamp specified in milliseconds'),
  define('ttl', 2, ['readonly', 'fast'], oneKey, 'generic', '1.0.0', 'Get the time to live for a key in seconds',
    (ctx, client, argv) => reply.integer(ctx.host.engine.ttl(client.dbIndex, argv[1]!))),
  define('pttl', 2, ['readonly', 'fast'], oneKey, 'generic', '2.6.0', 'Get the time to live for a key in milliseconds',
    (ctx, client, argv) => reply.integer(ctx.host.engine.pttl(client.dbIndex, argv[1]!))),
  define('persist', 2, ['write', 'fast'], oneKey, 'generic', '2.2.0', 'Remove the expiration from a key',
    (ctx, client, argv) => reply.integer(ctx.host.engine.persist(client.dbIndex, argv[1]!))),
  define('rename', 3, ['write'], [1, 2, 1], 'generic', '1.0.0', 'Rename a key',
    (ctx, client, argv) => {
      ctx.host.engine.rename(client.dbIndex, argv[1]!, argv[2]!);
      return reply.ok();
    }),
  define('renamenx', 3, ['write', 'fast'], [1, 2, 1], 'generic', '1.0.0', 'Rename a key, only if the new key does not exist',
    (ctx, client, argv) => {
      const engine = ctx.host.engine;
      if (engine.exists(client.dbIndex, [argv[1]!]) === 0) throw new CommandError('ERR no such key');
      if (engine.exists(client.dbIndex, [argv[2]!]) > 0) return reply.integer(0);
      engine.rename(client.dbIndex, argv[1]!, argv[2]!);
      return reply.integer(1);
    }),
  define('keys', 2, ['readonly'], noKeys, 'generic', '1.0.0', 'Find all keys matching the given pattern',
    (ctx, client, argv) => reply.array(ctx.host.engine.keys(client.dbIndex, argv[1]!).map((key) => reply.bulk(asBuffer(key))))),
  define('randomkey', 1, ['readonly'], noKeys, 'generic', '1.0.0', 'Return a random key from the keyspace',
    (ctx, client) => {
      const key = ctx.host.engine.randomkey(client.dbIndex);
      return key === null ? reply.null() : reply.bulk(asBuffer(key));
    }),
];
