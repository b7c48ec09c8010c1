import { match } from 'ts-pattern';
import type { ScoredMember, ZAddOptions, ZRangeQuery } from '../engine/engine.ts';
import { CommandError, reply, type ClientState, type Reply } from '../server/index.ts';
import { asBuffer, floatArg, integerArg, option, scoreBoundArg, Texts } from './args.ts';
import { define, oneKey, type CommandDefinition } from './spec.ts';

const syntaxError = () => new CommandError(Texts.syntax);

/** ZADD's flags then score/member pairs, checked in the order Redis 7.0's zaddGenericCommand checks them. */
export function parseZadd(argv: readonly Buffer[]): { options: ZAddOptions; entries: ScoredMember[] } {
  const flags = new Set<string>();
  let index = 2;
  for (; index < argv.length; index++) {
    const word = option(argv[index]);
    if (!['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'].includes(word)) break;
    flags.add(word);
  }
  const elementCount = argv.length - index;
  if (elementCount === 0 || elementCount % 2 !== 0) throw syntaxError();
  if (flags.has('NX') && flags.has('XX')) throw new CommandError('ERR XX and NX options at the same time are not compatible');
  const comparisons = ['GT', 'LT', 'NX'].filter((flag) => flags.has(flag)).length;
  if (comparisons > 1) throw new CommandError('ERR GT, LT, and/or NX options at the same time are not compatible');
  if (flags.has('INCR') && elementCount > 2) throw new CommandError('ERR INCR option supports a single increment-element pair');
  const entries: ScoredMember[] = [];
  for (let i = index; i < argv.length; i += 2) entries.push({ score: floatArg(argv[i]!), member: argv[i + 1]! });
  const options: ZAddOptions = {};
  if (flags.has('NX')) options.condition = 'NX';
  if (flags.has('XX')) options.condition = 'XX';
  if (flags.has('GT')) options.comparison = 'GT';
  if (flags.has('LT')) options.comparison = 'LT';
  if (flags.has('CH')) options.ch = true;
  if (flags.has('INCR')) options.incr = true;
  return { options, entries };
}

interface RangeRequest {
  query: ZRangeQuery;
  withScores: boolean;
}

type RangeStyle = 'zrange' | 'zrangebyscore' | 'zrevrangebyscore' | 'zrevrange';

/**
 * ZRANGE and its older forms. BYLEX is not supported (no lexicographic ranges in the engine) and is
 * answered with an error that says so rather than a wrong result.
 */
export function parseRange(argv: readonly Buffer[], style: RangeStyle): RangeRequest {
  // Mirrors zrangeGenericCommand: REV/BYSCORE/BYLEX only in ZRANGE and only once; LIMIT's numbers are read at once.
  let byScore = style === 'zrangebyscore' || style === 'zrevrangebyscore';
  let rev = style === 'zrevrangebyscore' || style === 'zrevrange';
  const auto = style === 'zrange';
  let revGiven = false;
  let typeGiven = false;
  let byLex = false;
  let withScores = false;
  let parsedLimit: { offset: number; count: number } | null = null;
  for (let i = 4; i < argv.length; i++) {
    const word = option(argv[i]);
    const remaining = argv.length - i - 1;
    match(word)
      .with('WITHSCORES', () => { withScores = true; })
      .when((w) => w === 'LIMIT' && remaining >= 2, () => {
        parsedLimit = { offset: integerArg(argv[i + 1]!), count: integerArg(argv[i + 2]!) };
        i += 2;
      })
      .when((w) => w === 'REV' && auto && !revGiven, () => { rev = true; revGiven = true; })
      .when((w) => w === 'BYSCORE' && auto && !typeGiven, () => { byScore = true; typeGiven = true; })
      .when((w) => w === 'BYLEX' && auto && !typeGiven, () => { byLex = true; typeGiven = true; })
      .otherwise(() => { throw syntaxError(); });
  }
  const limit = parsedLimit as { offset: number; count: number } | null;
  const offset = limit === null ? 0 : limit.offset;
  const count = limit === null ? -1 : limit.count;
  if (limit !== null && !byScore && !byLex) {
    throw new CommandError('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (byLex && withScores) throw new CommandError('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  if (byLex) throw new CommandError('ERR BYLEX ranges are not supported by Sabre');
  if (!byScore) return { query: { by: 'rank', start: integerArg(argv[2]!), stop: integerArg(argv[3]!), rev }, withScores };
  // With REV the first bound given is the maximum.
  const first = scoreBoundArg(argv[2]!);
  const second = scoreBoundArg(argv[3]!);
  const [min, max] = rev ? [second, first] : [first, second];
  return { query: { by: 'score', min, max, rev, offset, count }, withScores };
}

/** RESP2: member, score, member, score...; RESP3: [member, score] pairs, as Redis 7.0. */
export function scoredReply(client: ClientState, members: readonly ScoredMember[], withScores: boolean): Reply {
  if (!withScores) return reply.array(members.map(({ member }) => reply.bulk(asBuffer(member))));
  if (client.protocol === 3) {
    return reply.array(members.map(({ member, score }) => reply.array([reply.bulk(asBuffer(member)), reply.double(score)])));
  }
  const items: Reply[] = [];
  for (const { member, score } of members) items.push(reply.bulk(asBuffer(member)), reply.double(score));
  return reply.array(items);
}

function rangeCommand(name: RangeStyle, arity: number, since: string, summary: string): CommandDefinition {
  return define(name, arity, ['readonly'], oneKey, 'sorted_set', since, summary, (ctx, client, argv) => {
    const { query, withScores } = parseRange(argv, name);
    return scoredReply(client, ctx.host.engine.zrange(client.dbIndex, argv[1]!, query), withScores);
  });
}

export const zsetCommands: CommandDefinition[] = [
  define('zadd', -4, ['write', 'denyoom', 'fast'], oneKey, 'sorted_set', '1.2.0', 'Add one or more members to a sorted set, or update its score if it already exists',
    (ctx, client, argv) => {
      const { options, entries } = parseZadd(argv);
      const result = ctx.host.engine.zadd(client.dbIndex, argv[1]!, entries, options);
      if (options.incr) return result === null ? reply.null() : reply.double(result);
      return reply.integer(result ?? 0);
    }),
  define('zincrby', 4, ['write', 'denyoom', 'fast'], oneKey, 'sorted_set', '1.2.0', 'Increment the score of a member in a sorted set',
    (ctx, client, argv) => {
      const result = ctx.host.engine.zadd(client.dbIndex, argv[1]!, [{ score: floatArg(argv[2]!), member: argv[3]! }], { incr: true });
      return result === null ? reply.null() : reply.double(result);
    }),
  define('zrem', -3, ['write', 'fast'], oneKey, 'sorted_set', '1.2.0', 'Remove one or more members from a sorted set',
    (ctx, client, argv) => reply.integer(ctx.host.engine.zrem(client.dbIndex, argv[1]!, argv.slice(2)))),
  define('zscore', 3, ['readonly', 'fast'], oneKey, 'sorted_set', '1.2.0', 'Get the score associated with the given member in a sorted set',
    (ctx, client, argv) => {
      const score = ctx.host.engine.zscore(client.dbIndex, argv[1]!, argv[2]!);
      return score === null ? reply.null() : reply.double(score);
    }),
  define('zmscore', -3, ['readonly', 'fast'], oneKey, 'sorted_set', '6.2.0', 'Get the score associated with the given members in a sorted set',
    (ctx, client, argv) => {
      const engine = ctx.host.engine;
      return reply.array(argv.slice(2).map((member) => {
        const score = engine.zscore(client.dbIndex, argv[1]!, member);
        return score === null ? reply.null() : reply.double(score);
      }));
    }),
  define('zcard', 2, ['readonly', 'fast'], oneKey, 'sorted_set', '1.2.0', 'Get the number of members in a sorted set',
    (ctx, client, argv) => reply.integer(ctx.host.engine.zcard(client.dbIndex, argv[1]!))),
  define('zcount', 4, ['readonly', 'fast'], oneKey, 'sorted_set', '2.0.0', 'Count the members in a sorted set with scores within the given values',
    (ctx, client, argv) => {
      const query: ZRangeQuery = { by: 'score', min: scoreBoundArg(argv[2]!), max: scoreBoundArg(argv[3]!) };
      return reply.integer(ctx.host.engine.zrange(client.dbIndex, argv[1]!, query).length);
    }),
  define('zrank', 3, ['readonly', 'fast'], oneKey, 'sorted_set', '2.0.0', 'Determine the index of a member in a sorted set',
    (ctx, client, argv) => {
      const rank = ctx.host.engine.zrank(client.dbIndex, argv[1]!, argv[2]!);
      return rank === null ? reply.null() : reply.integer(rank);
    }),
  define('zrevrank', 3, ['readonly', 'fast'], oneKey, 'sorted_set', '2.0.0', 'Determine the index of a member in a sorted set, with scores ordered from high to low',
    (ctx, client, argv) => {
      const rank = ctx.host.engine.zrevrank(client.dbIndex, argv[1]!, argv[2]!);
      return rank === null ? reply.null() : reply.integer(rank);
    }),
  rangeCommand('zrange', -4, '1.2.0', 'Return a range of members in a sorted set'),
  rangeCommand('zrevrange', -4, '1.2.0', 'Return a range of members in a sorted set, by index, with scores ordered from high to low'),
  rangeCommand('zrangebyscore', -4, '1.0.5', 'Return a range of members in a sorted set, by score'),
  rangeCommand('zrevrangebyscore', -4, '2.2.0', 'Return a range of members in a sorted set, by score, with scores ordered from high to low'),
];
