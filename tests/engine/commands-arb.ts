import fc from 'fast-check';
import type { Engine } from '../../src/engine/engine.ts';
import { b, bytesArb } from './helpers.ts';

/** A random command of any family, as a function of the engine (shared by the hook and block-size tests). */
export type Command = (engine: Engine) => unknown;

// Each family has its own keys so that commands mostly meet a value of their type; RENAME and DEL mix them.
const stringKey = fc.constantFrom('s1', 's2').map(b);
const hashKey = fc.constantFrom('h1', 'h2').map(b);
const zsetKey = fc.constantFrom('z1', 'z2').map(b);
const setKey = fc.constantFrom('t1', 't2').map(b);
const listKey = fc.constantFrom('l1', 'l2').map(b);
const anyKey = fc.oneof(stringKey, hashKey, zsetKey, setKey, listKey);
const part = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('a', 'b', 'c', 'x'.repeat(40)).map(b) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) });
export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.tuple(stringKey, bytesArb(200)).map(([k, v]) => (e: Engine) => e.set(0, k, v)),
  fc.tuple(stringKey, bytesArb(100)).map(([k, v]) => (e: Engine) => e.append(0, k, v)),
  fc.tuple(stringKey, fc.nat(300), bytesArb(80)).map(([k, o, v]) => (e: Engine) => e.setrange(0, k, o, v)),
  fc.tuple(stringKey).map(([k]) => (e: Engine) => e.incr(0, k)),
  fc.tuple(hashKey, part, bytesArb(120)).map(([k, f, v]) => (e: Engine) => e.hset(0, k, [[f, v]])),
  fc.tuple(hashKey, part).map(([k, f]) => (e: Engine) => e.hdel(0, k, [f])),
  fc.tuple(zsetKey, part, fc.integer({ min: -3, max: 3 })).map(([k, m, s]) => (e: Engine) => e.zadd(0, k, [{ member: m, score: s }])),
  fc.tuple(zsetKey, part).map(([k, m]) => (e: Engine) => e.zrem(0, k, [m])),
  fc.tuple(setKey, part).map(([k, m]) => (e: Engine) => e.sadd(0, k, [m])),
  fc.tuple(setKey, part).map(([k, m]) => (e: Engine) => e.srem(0, k, [m])),
  fc.tuple(listKey, bytesArb(90), fc.boolean()).map(([k, v, left]) => (e: Engine) => (left ? e.lpush(0, k, [v]) : e.rpush(0, k, [v]))),
  fc.tuple(listKey, fc.boolean()).map(([k, left]) => (e: Engine) => (left ? e.lpop(0, k, 2) : e.rpop(0, k, 2))),
  fc.tuple(listKey, fc.integer({ min: -4, max: 4 }), bytesArb(90)).map(([k, i, v]) => (e: Engine) => e.lset(0, k, i, v)),
  fc.tuple(anyKey, fc.integer({ min: 1, max: 10 })).map(([k, s]) => (e: Engine) => e.expire(0, k, s)),
  fc.tuple(anyKey).map(([k]) => (e: Engine) => e.persist(0, k)),
  fc.tuple(anyKey, anyKey).map(([from, to]) => (e: Engine) => e.rename(0, from, to)),
  fc.tuple(anyKey).map(([k]) => (e: Engine) => e.del(0, [k])),
);

export function run(engine: Engine, command: Command): void {
  try {
    command(engine);
  } catch (error) {
    if (!(error instanceof Error) || !/^(WRONGTYPE|ERR)/.test(error.message)) throw error;
  } finally {
    engine.endCommand();
  }
}

