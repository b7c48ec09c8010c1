import { CommandError, reply, type Reply } from '../server/index.ts';
import type { Engine } from '../engine/engine.ts';
import { asBuffer, integerArg, Texts } from './args.ts';
import { define, oneKey, type CommandDefinition } from './spec.ts';

type PushMethod = 'lpush' | 'rpush' | 'lpushx' | 'rpushx';

function pushCommand(name: PushMethod, arity: number, since: string, summary: string): CommandDefinition {
  return define(name, arity, ['write', 'denyoom', 'fast'], oneKey, 'list', since, summary,
    (ctx, client, argv) => reply.integer(ctx.host.engine[name](client.dbIndex, argv[1]!, argv.slice(2))));
}

/** LPOP/RPOP key [count]: the count may be 0 (an empty array); a non-integer or negative one gets Redis's "must be positive". */
function popCommand(name: 'lpop' | 'rpop', summary: string): CommandDefinition {
  return define(name, -2, ['write', 'fast'], oneKey, 'list', '1.0.0', summary, (ctx, client, argv) => {
    if (argv.length > 3) throw new CommandError(`ERR wrong number of arguments for '${name}' command`);
    const engine: Engine = ctx.host.engine;
    if (argv.length === 2) {
      const element = engine[name](client.dbIndex, argv[1]!);
      return element === null ? reply.null() : reply.bulk(asBuffer(element));
    }
    const count = integerArg(argv[2]!, Texts.outOfRangePositive);
    if (count < 0) throw new CommandError(Texts.outOfRangePositive);
    const elements = engine[name](client.dbIndex, argv[1]!, count);
    return elements === null ? reply.nullArray() : bulkArray(elements);
  });
}

function bulkArray(values: readonly Uint8Array[]): Reply {
  return reply.array(values.map((value) => reply.bulk(asBuffer(value))));
}

export const listCommands: CommandDefinition[] = [
  pushCommand('lpush', -3, '1.0.0', 'Prepend one or multiple elements to a list'),
  pushCommand('rpush', -3, '1.0.0', 'Append one or multiple elements to a list'),
  pushCommand('lpushx', -3, '2.2.0', 'Prepend an element to a list, only if the list exists'),
  pushCommand('rpushx', -3, '2.2.0', 'Append an element to a list, only if the list exists'),
  popCommand('lpop', 'Remove and get the first elements in a list'),
  popCommand('rpop', 'Remove and get the last elements in a list'),
  define('llen', 2, ['readonly', 'fast'], oneKey, 'list', '1.0.0', 'Get the length of a list',
    (ctx, client, argv) => reply.integer(ctx.host.engine.llen(client.dbIndex, argv[1]!))),
  define('lrange', 4, ['readonly'], oneKey, 'list', '1.0.0', 'Get a range of elements from a list',
    (ctx, client, argv) => bulkArray(ctx.host.engine.lrange(client.dbIndex, argv[1]!, integerArg(argv[2]!), integerArg(argv[3]!)))),
  define('lindex', 3, ['readonly'], oneKey, 'list', '1.0.0', 'Get an element from a list by its index',
    (ctx, client, argv) => {
      // Redis looks the key up before it reads the index: a missing key answers nil even for "x".
      const type = ctx.host.engine.type(client.dbIndex, argv[1]!);
      if (type === 'none') return reply.null();
      if (type !== 'list') throw new CommandError('WRONGTYPE Operation against a key holding the wrong kind of value');
      const element = ctx.host.engine.lindex(client.dbIndex, argv[1]!, integerArg(argv[2]!));
      return element === null ? reply.null() : reply.bulk(asBuffer(element));
    }),
  define('lset', 4, ['write', 'denyoom'], oneKey, 'list', '1.0.0', 'Set the value of an element in a list by its index',
    (ctx, client, argv) => {
      const engine = ctx.host.engine;
      // Redis looks the key up (no such key, WRONGTYPE) before it reads the index.
      const type = engine.type(client.dbIndex, argv[1]!);
      if (type === 'none') throw new CommandError('ERR no such key');
      if (type !== 'list') throw new CommandError('WRONGTYPE Operation against a key holding the wrong kind of value');
      engine.lset(client.dbIndex, argv[1]!, integerArg(argv[2]!), argv[3]!);
      return reply.ok();
    }),
];
