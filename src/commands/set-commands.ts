import { reply } from '../server/index.ts';
import { asBuffer } from './args.ts';
import { define, oneKey, type CommandDefinition } from './spec.ts';

export const setCommands: CommandDefinition[] = [
  define('sadd', -3, ['write', 'denyoom', 'fast'], oneKey, 'set', '1.0.0', 'Add one or more members to a set',
    (ctx, client, argv) => reply.integer(ctx.host.engine.sadd(client.dbIndex, argv[1]!, argv.slice(2)))),
  define('srem', -3, ['write', 'fast'], oneKey, 'set', '1.0.0', 'Remove one or more members from a set',
    (ctx, client, argv) => reply.integer(ctx.host.engine.srem(client.dbIndex, argv[1]!, argv.slice(2)))),
  define('sismember', 3, ['readonly', 'fast'], oneKey, 'set', '1.0.0', 'Determine if a given value is a member of a set',
    (ctx, client, argv) => reply.integer(ctx.host.engine.sismember(client.dbIndex, argv[1]!, argv[2]!) ? 1 : 0)),
  define('smismember', -3, ['readonly', 'fast'], oneKey, 'set', '6.2.0', 'Returns the membership associated with the given elements for a set',
    (ctx, client, argv) => {
      const engine = ctx.host.engine;
      return reply.array(argv.slice(2).map((member) => reply.integer(engine.sismember(client.dbIndex, argv[1]!, member) ? 1 : 0)));
    }),
  define('scard', 2, ['readonly', 'fast'], oneKey, 'set', '1.0.0', 'Get the number of members in a set',
    (ctx, client, argv) => reply.integer(ctx.host.engine.scard(client.dbIndex, argv[1]!))),
  define('smembers', 2, ['readonly'], oneKey, 'set', '1.0.0', 'Get all the members in a set',
    (ctx, client, argv) => reply.set(ctx.host.engine.smembers(client.dbIndex, argv[1]!).map((member) => reply.bulk(asBuffer(member))))),
];
