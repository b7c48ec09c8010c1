import fc from 'fast-check';
import { DATABASE_COUNT } from '../../../src/engine/arena.ts';
import type { Engine } from '../../../src/engine/engine.ts';
import { readEntryKey } from '../../../src/engine/entry.ts';
import { readValue, type PlainValue } from '../../../src/engine/read-value.ts';
import { concatBytes, decodeRdb, type RdbEntry, type RdbValue } from '../../../src/rdb/index.ts';
import { b, bytesArb } from '../helpers.ts';

/** One key as comparable text: db, key, type, elements in a canonical order, expiry. */
export type Canonical = Map<string, string>;

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function canonicalValue(value: PlainValue | RdbValue): string {
  switch (value.type) {
    case 'string': return `string:${hexOf('bytes' in value ? value.bytes : value.value)}`;
    case 'list': return `list:${('items' in value ? value.items : value.elements).map(hexOf).join(',')}`;
    case 'set': return `set:${value.members.map(hexOf).sort().join(',')}`;
    case 'zset': return `zset:${value.entries.map((e) => `${hexOf(e.member)}=${Object.is(e.score, -0) ? 0 : e.score}`).sort().join(',')}`;
    case 'hash': return `hash:${value.fields.map((f) => (Array.isArray(f) ? `${hexOf(f[0])}=${hexOf(f[1])}` : `${hexOf(f.field)}=${hexOf(f.value)}`)).sort().join(',')}`;
  }
}

/** Every key of every database, read straight from the keyspace (expired-but-present keys included, as a dump writes them). */
export function captureDataset(engine: Engine): Canonical {
  const out: Canonical = new Map();
  const core = engine.core;
  for (let db = 0; db < DATABASE_COUNT; db++) {
    core.keyspace.forEachFrom(db, 0, (node) => {
      const entry = readValue(core, core.keyspace.valueOf(node));
      out.set(`${db}/${hexOf(readEntryKey(core.store, node))}`, `${canonicalValue(entry.value)} ttl:${entry.expireAtMs}`);
      return true;
    });
  }
  return out;
}

export function canonicalFromRdb(entries: readonly RdbEntry[]): Canonical {
  const out: Canonical = new Map();
  for (const entry of entries) {
    const id = `${entry.dbIndex}/${hexOf(entry.key)}`;
    if (out.has(id)) throw new Error(`key ${id} written twice`);
    out.set(id, `${canonicalValue(entry.value)} ttl:${entry.expireAtMs ?? 0}`);
  }
  return out;
}

export function decodeChunks(chunks: Uint8Array[]): RdbEntry[] {
  return decodeRdb(concatBytes(chunks)).entries;
}

export type Command = { name: string; run: (engine: Engine) => unknown };

const stringKey = fc.constantFrom('s1', 's2', 's3').map(b);
const hashKey = fc.constantFrom('h1', 'h2').map(b);
const zsetKey = fc.constantFrom('z1', 'z2').map(b);
const setKey = fc.constantFrom('t1', 't2').map(b);
const listKey = fc.constantFrom('l1', 'l2').map(b);
const longKey = fc.constantFrom('k'.repeat(70), 'q'.repeat(140)).map(b);
const anyKey = fc.oneof(stringKey, hashKey, zsetKey, setKey, listKey, longKey);
const db = fc.constantFrom(0, 0, 0, 1);
const part = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'x'.repeat(40)).map(b) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) });
const cmd = <T extends unknown[]>(name: string, arb: fc.Arbitrary<T>, run: (engine: Engine, ...args: T) => unknown): fc.Arbitrary<Command> =>
  arb.map((args) => ({ name: `${name}(${args.map((a) => (a instanceof Uint8Array ? Buffer.from(a).toString('latin1').slice(0, 12) : String(a))).join(',')})`, run: (e: Engine) => run(e, ...args) }));

/** Every write path the dump must copy or hold for, on several types and two databases. */
export const writeArb: fc.Arbitrary<Command> = fc.oneof(
  cmd('SET', fc.tuple(db, fc.oneof(stringKey, longKey), bytesArb(300)), (e, d, k, v) => e.set(d, k, v)),
  cmd('APPEND', fc.tuple(db, stringKey, bytesArb(150)), (e, d, k, v) => e.append(d, k, v)),
  cmd('SETRANGE', fc.tuple(db, stringKey, fc.nat(400), bytesArb(80)), (e, d, k, o, v) => e.setrange(d, k, o, v)),
  cmd('INCR', fc.tuple(db, stringKey), (e, d, k) => e.incr(d, k)),
  cmd('HSET', fc.tuple(db, hashKey, part, bytesArb(150)), (e, d, k, f, v) => e.hset(d, k, [[f, v]])),
  cmd('HDEL', fc.tuple(db, hashKey, part), (e, d, k, f) => e.hdel(d, k, [f])),
  cmd('ZADD', fc.tuple(db, zsetKey, part, fc.integer({ min: -3, max: 3 })), (e, d, k, m, s) => e.zadd(d, k, [{ member: m, score: s }])),
  cmd('ZREM', fc.tuple(db, zsetKey, part), (e, d, k, m) => e.zrem(d, k, [m])),
  cmd('SADD', fc.tuple(db, setKey, part), (e, d, k, m) => e.sadd(d, k, [m])),
  cmd('SREM', fc.tuple(db, setKey, part), (e, d, k, m) => e.srem(d, k, [m])),
  cmd('PUSH', fc.tuple(db, listKey, bytesArb(300), fc.boolean()), (e, d, k, v, left) => (left ? e.lpush(d, k, [v]) : e.rpush(d, k, [v]))),
  cmd('POP', fc.tuple(db, listKey, fc.boolean()), (e, d, k, left) => (left ? e.lpop(d, k, 2) : e.rpop(d, k, 2))),
  cmd('LSET', fc.tuple(db, listKey, fc.integer({ min: -4, max: 4 }), bytesArb(90)), (e, d, k, i, v) => e.lset(d, k, i, v)),
  cmd('EXPIRE', fc.tuple(db, anyKey, fc.integer({ min: 1, max: 5 })), (e, d, k, s) => e.expire(d, k, s)),
  cmd('PERSIST', fc.tuple(db, anyKey), (e, d, k) => e.persist(d, k)),
  cmd('RENAME', fc.tuple(db, anyKey, anyKey), (e, d, from, to) => e.rename(d, from, to)),
  cmd('DEL', fc.tuple(db, anyKey), (e, d, k) => e.del(d, [k])),
  cmd('UNLINK', fc.tuple(db, anyKey), (e, d, k) => e.unlink(d, [k])),
  cmd('GET', fc.tuple(db, anyKey), (e, d, k) => e.get(d, k)),
  // Active expiry: each key it removes is a Del, during a dump too.
  cmd('EXPIRE-CYCLE', fc.tuple(fc.integer({ min: 1, max: 10 })), (e, effort) => e.activeExpireCycle(effort)),
  { weight: 1, arbitrary: cmd('FLUSHDB', fc.tuple(db), (e, d) => e.flushdb(d)) },
  { weight: 1, arbitrary: cmd('FLUSHALL ASYNC', fc.tuple(fc.constant(0)), (e, _d) => e.flushallAsync()) },
  cmd('FreeStep', fc.tuple(fc.integer({ min: 1, max: 40 })), (e, n) => e.freeStep(n)),
);

/** Runs a command the way the server would: Redis errors are replies, anything else is a bug. */
export function runCommand(engine: Engine, command: Command): void {
  try {
    command.run(engine);
  } catch (error) {
    if (!(error instanceof Error) || !/^(WRONGTYPE|ERR)/.test(error.message)) throw error;
  } finally {
    engine.endCommand();
  }
}
