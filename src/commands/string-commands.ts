import { match } from 'ts-pattern';
import type { SetOptions } from '../engine/engine.ts';
import { CommandError, reply, type Reply } from '../server/index.ts';
import { parseDouble } from '../engine/numbers.ts';
import { asBuffer, floatArg, int64Arg, integerArg, option, pairsFrom, Texts } from './args.ts';
import { define, oneKey, type CommandDefinition } from './spec.ts';

const syntaxError = () => new CommandError(Texts.syntax);

/**
 * SET's options, parsed as Redis 7.0's parseExtendedStringArgumentsOrReply: each may appear once,
 * NX/XX exclusive, one expiry kind or KEEPTTL.
 */
export function parseSetOptions(argv: readonly Buffer[], start: number): SetOptions {
  const options: SetOptions = {};
  // Redis reads every option before it checks the expiry's number, so a syntax error wins.
  let expireArg: Buffer | undefined;
  for (let i = start; i < argv.length; i++) {
    const word = option(argv[i]);
    const next = argv[i + 1];
    const hasExpire = options.expire !== undefined || options.keepTtl === true;
    match(word)
      .with('NX', 'XX', (condition) => {
        if (options.condition !== undefined && options.condition !== condition) throw syntaxError();
        options.condition = condition;
      })
      .with('GET', () => {
        options.get = true;
      })
      .with('KEEPTTL', () => {
        if (options.expire !== undefined) throw syntaxError();
        options.keepTtl = true;
      })
      .with('EX', 'PX', 'EXAT', 'PXAT', (unit) => {
        if (next === undefined || (hasExpire && options.expire?.unit !== unit) || options.keepTtl) throw syntaxError();
        options.expire = { unit, amount: 0 };
        expireArg = next;
        i++;
      })
      .otherwise(() => {
        throw syntaxError();
      });
  }
  if (options.expire !== undefined && expireArg !== undefined) options.expire.amount = integerArg(expireArg);
  return options;
}

export const stringCommands: CommandDefinition[] = [
  define('get', 2, ['readonly', 'fast'], oneKey, 'string', '1.0.0', 'Get the value of a key',
    (ctx, client, argv) => {
      const value = ctx.host.engine.get(client.dbIndex, argv[1]!);
      return value === null ? reply.null() : reply.bulk(asBuffer(value));
    }),
  define('set', -3, ['write', 'denyoom'], oneKey, 'string', '1.0.0', 'Set the string value of a key',
    (ctx, client, argv) => {
      if (argv.length === 3) {
        ctx.host.engine.set(client.dbIndex, argv[1]!, argv[2]!);
        return reply.ok();
      }
      const options = parseSetOptions(argv, 3);
      const result = ctx.host.engine.set(client.dbIndex, argv[1]!, argv[2]!, options);
      if (options.get) return result.previous === null ? reply.null() : reply.bulk(asBuffer(result.previous));
      return result.written ? reply.ok() : reply.null();
    }),
  define('setnx', 3, ['write', 'denyoom', 'fast'], oneKey, 'string', '1.0.0', 'Set the value of a key, only if the key does not exist',
    (ctx, client, argv) => reply.integer(ctx.host.engine.set(client.dbIndex, argv[1]!, argv[2]!, { condition: 'NX' }).written ? 1 : 0)),
  define('setex', 4, ['write', 'denyoom'], oneKey, 'string', '2.0.0', 'Set the value and expiration of a key',
    (ctx, client, argv) => setWithTtl(ctx.host.engine, client.dbIndex, argv, 'EX', 'setex')),
  define('psetex', 4, ['write', 'denyoom'], oneKey, 'string', '2.6.0', 'Set the value and expiration in milliseconds of a key',
    (ctx, client, argv) => setWithTtl(ctx.host.engine, client.dbIndex, argv, 'PX', 'psetex')),
  define('getset', 3, ['write', 'denyoom', 'fast'], oneKey, 'string', '1.0.0', 'Set the string value of a key and return its old value',
    (ctx, client, argv) => {
      const { previous } = ctx.host.engine.set(client.dbIndex, argv[1]!, argv[2]!, { get: true });
      return previous === null ? reply.null() : reply.bulk(asBuffer(previous));
    }),
  define('getdel', 2, ['write', 'fast'], oneKey, 'string', '6.2.0', 'Get the value of a key and delete the key',
    (ctx, client, argv) => {
      const engine = ctx.host.engine;
      const value = engine.get(client.dbIndex, argv[1]!);
      if (value === null) return reply.null();
      engine.del(client.dbIndex, [argv[1]!]);
      return reply.bulk(asBuffer(value));
    }),
  define('mget', -2, ['readonly', 'fast'], [1, -1, 1], 'string', '1.0.0', 'Get the values of all the given keys',
    (ctx, client, argv) => reply.array(ctx.host.engine.mget(client.dbIndex, argv.slice(1)).map((value) => (value === null ? reply.null() : reply.bulk(asBuffer(value)))))),
  define('mset', -3, ['write', 'denyoom'], [1, -1, 2], 'string', '1.0.1', 'Set multiple keys to multiple values',
    (ctx, client, argv) => {
      if (argv.length % 2 === 0) throw new CommandError("ERR wrong number of arguments for 'mset' command");
      ctx.host.engine.mset(client.dbIndex, pairsFrom(argv, 1));
      return reply.ok();
    }),
  define('msetnx', -3, ['write', 'denyoom'], [1, -1, 2], 'string', '1.0.1', 'Set multiple keys to multiple values, only if none of the keys exist',
    (ctx, client, argv) => {
      if (argv.length % 2 === 0) throw new CommandError("ERR wrong number of arguments for 'msetnx' command");
      const engine = ctx.host.engine;
      const pairs = pairsFrom(argv, 1);
      if (engine.exists(client.dbIndex, pairs.map(([key]) => key)) > 0) return reply.integer(0);
      engine.mset(client.dbIndex, pairs);
      return reply.integer(1);
    }),
  define('append', 3, ['write', 'denyoom'], oneKey, 'string', '2.0.0', 'Append a value to a key',
    (ctx, client, argv) => reply.integer(ctx.host.engine.append(client.dbIndex, argv[1]!, argv[2]!))),
  define('strlen', 2, ['readonly', 'fast'], oneKey, 'string', '2.2.0', 'Get the length of the value stored in a key',
    (ctx, client, argv) => reply.integer(ctx.host.engine.strlen(client.dbIndex, argv[1]!))),
  define('getrange', 4, ['readonly'], oneKey, 'string', '2.4.0', 'Get a substring of the string stored at a key',
    (ctx, client, argv) => reply.bulk(asBuffer(ctx.host.engine.getrange(client.dbIndex, argv[1]!, integerArg(argv[2]!), integerArg(argv[3]!))))),
  define('substr', 4, ['readonly'], oneKey, 'string', '1.0.0', 'Get a substring of the string stored at a key',
    (ctx, client, argv) => reply.bulk(asBuffer(ctx.host.engine.getrange(client.dbIndex, argv[1]!, integerArg(argv[2]!), integerArg(argv[3]!))))),
  define('setrange', 4, ['write', 'denyoom'], oneKey, 'string', '2.2.0', 'Overwrite part of a string at key starting at the specified offset',
    (ctx, client, argv) => reply.integer(ctx.host.engine.setrange(client.dbIndex, argv[1]!, integerArg(argv[2]!), argv[3]!))),
  define('incr', 2, ['write', 'denyoom', 'fast'], oneKey, 'string', '1.0.0', 'Increment the integer value of a key by one',
    (ctx, client, argv) => reply.integer(narrow(ctx.host.engine.incr(client.dbIndex, argv[1]!)))),
  define('decr', 2, ['write', 'denyoom', 'fast'], oneKey, 'string', '1.0.0', 'Decrement the integer value of a key by one',
    (ctx, client, argv) => reply.integer(narrow(ctx.host.engine.decr(client.dbIndex, argv[1]!)))),
  define('incrby', 3, ['write', 'denyoom', 'fast'], oneKey, 'string', '1.0.0', 'Increment the integer value of a key by the given amount',
    (ctx, client, argv) => reply.integer(narrow(ctx.host.engine.incrby(client.dbIndex, argv[1]!, int64Arg(argv[2]!))))),
  define('decrby', 3, ['write', 'denyoom', 'fast'], oneKey, 'string', '1.0.0', 'Decrement the integer value of a key by the given number',
    (ctx, client, argv) => reply.integer(narrow(ctx.host.engine.decrby(client.dbIndex, argv[1]!, int64Arg(argv[2]!))))),
  define('incrbyfloat', 3, ['write', 'denyoom', 'fast'], oneKey, 'string', '2.6.0', 'Increment the float value of a key by the given amount',
    (ctx, client, argv) => {
      // Redis checks the key's type before it reads the increment.
      const type = ctx.host.engine.type(client.dbIndex, argv[1]!);
      if (type !== 'none' && type !== 'string') throw new CommandError('WRONGTYPE Operation against a key holding the wrong kind of value');
      // ...and then the current value, before the increment.
      const current = type === 'none' ? null : ctx.host.engine.get(client.dbIndex, argv[1]!);
      if (current !== null && parseDouble(current) === null) throw new CommandError(Texts.notFloat);
      return reply.bulk(ctx.host.engine.incrbyfloat(client.dbIndex, argv[1]!, floatArg(argv[2]!)));
    }),
];

function setWithTtl(engine: import('../engine/engine.ts').Engine, db: number, argv: Buffer[], unit: 'EX' | 'PX', command: string): Reply {
  const amount = integerArg(argv[2]!);
  // SETEX/PSETEX name themselves in the error, and refuse 0 and negatives as SET EX does.
  if (amount <= 0) throw new CommandError(`ERR invalid expire time in '${command}' command`);
  engine.set(db, argv[1]!, argv[3]!, { expire: { unit, amount } });
  return reply.ok();
}

/** Integer replies as numbers when exact (the shared small-integer replies), bigint otherwise. */
export function narrow(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}
