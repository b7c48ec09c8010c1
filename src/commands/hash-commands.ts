import { CommandError, reply } from '../server/index.ts';
import { asBuffer, int64Arg, pairsFrom } from './args.ts';
import { define, oneKey, type CommandDefinition } from './spec.ts';
import { narrow } from './string-commands.ts';

function checkPairs(argv: readonly Buffer[], name: string): void {
  if (argv.length % 2 !== 0) throw new CommandError(`ERR wrong number of arguments for '${name}' command`);
}

export const hashCommands: CommandDefinition[] = [
  define('hset', -4, ['write', 'denyoom', 'fast'], oneKey, 'hash', '2.0.0', 'Set the string value of a hash field',
    (ctx, client, argv) => {
      checkPairs(argv, 'hset');
      return reply.integer(ctx.host.engine.hset(client.dbIndex, argv[1]!, pairsFrom(argv, 2)));
    }),
  define('hmset', -4, ['write', 'denyoom', 'fast'], oneKey, 'hash', '2.0.0', 'Set multiple hash fields to multiple values',
    (ctx, client, argv) => {
      checkPairs(argv, 'hmset');
      ctx.host.engine.hset(client.dbIndex, argv[1]!, pairsFrom(argv, 2));
      return reply.ok();
    }),
  define('hsetnx', 4, ['write', 'denyoom', 'fast'], oneKey, 'hash', '2.0.0', 'Set the value of a hash field, only if the field does not exist',
    (ctx, client, argv) => {
      const engine = ctx.host.engine;
      if (engine.hexists(client.dbIndex, argv[1]!, argv[2]!)) return reply.integer(0);
      engine.hset(client.dbIndex, argv[1]!, [[argv[2]!, argv[3]!]]);
      return reply.integer(1);
    }),
  define('hget', 3, ['readonly', 'fast'], oneKey, 'hash', '2.0.0', 'Get the value of a hash field',
    (ctx, client, argv) => {
      const value = ctx.host.engine.hget(client.dbIndex, argv[1]!, argv[2]!);
      return value === null ? reply.null() : reply.bulk(asBuffer(value));
    }),
  define('hmget', -3, ['readonly', 'fast'], oneKey, 'hash', '2.0.0', 'Get the values of all the given hash fields',
    (ctx, client, argv) => {
      const engine = ctx.host.engine;
      return reply.array(argv.slice(2).map((field) => {
        const value = engine.hget(client.dbIndex, argv[1]!, field);
        return value === null ? reply.null() : reply.bulk(asBuffer(value));
      }));
    }),
  define('hdel', -3, ['write', 'fast'], oneKey, 'hash', '2.0.0', 'Delete one or more hash fields',
    (ctx, client, argv) => reply.integer(ctx.host.engine.hdel(client.dbIndex, argv[1]!, argv.slice(2)))),
  define('hlen', 2, ['readonly', 'fast'], oneKey, 'hash', '2.0.0', 'Get the number of fields in a hash',
    (ctx, client, argv) => reply.integer(ctx.host.engine.hlen(client.dbIndex, argv[1]!))),
  define('hstrlen', 3, ['readonly', 'fast'], oneKey, 'hash', '3.2.0', 'Get the length of the value of a hash field',
    (ctx, client, argv) => reply.integer(ctx.host.engine.hget(client.dbIndex, argv[1]!, argv[2]!)?.length ?? 0)),
  define('hgetall', 2, ['readonly'], oneKey, 'hash', '2.0.0', 'Get all the fields and values in a hash',
    (ctx, client, argv) => reply.map(ctx.host.engine.hgetall(client.dbIndex, argv[1]!).map(([field, value]) => [reply.bulk(asBuffer(field)), reply.bulk(asBuffer(value))] as const))),
  define('hkeys', 2, ['readonly'], oneKey, 'hash', '2.0.0', 'Get all the fields in a hash',
    (ctx, client, argv) => reply.array(ctx.host.engine.hgetall(client.dbIndex, argv[1]!).map(([field]) => reply.bulk(asBuffer(field))))),
  define('hvals', 2, ['readonly'], oneKey, 'hash', '2.0.0', 'Get all the values in a hash',
    (ctx, client, argv) => reply.array(ctx.host.engine.hgetall(client.dbIndex, argv[1]!).map(([, value]) => reply.bulk(asBuffer(value))))),
  define('hexists', 3, ['readonly', 'fast'], oneKey, 'hash', '2.0.0', 'Determine if a hash field exists',
    (ctx, client, argv) => reply.integer(ctx.host.engine.hexists(client.dbIndex, argv[1]!, argv[2]!) ? 1 : 0)),
  define('hincrby', 4, ['write', 'denyoom', 'fast'], oneKey, 'hash', '2.0.0', 'Increment the integer value of a hash field by the given number',
    (ctx, client, argv) => reply.integer(narrow(ctx.host.engine.hincrby(client.dbIndex, argv[1]!, argv[2]!, int64Arg(argv[3]!))))),
];
