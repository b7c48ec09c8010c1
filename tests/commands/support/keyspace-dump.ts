/** Reads a whole keyspace through a client, in a form two servers can be compared by (test helper). */
import type { Redis } from 'ioredis';

export type DumpedValue =
  | { type: 'string'; value: string }
  | { type: 'list'; items: string[] }
  | { type: 'set'; members: string[] }
  | { type: 'zset'; entries: [string, string][] }
  | { type: 'hash'; fields: [string, string][] };

export interface DumpedKey {
  value: DumpedValue;
  /**
   * The absolute expiry time (now + PTTL) rounded to the minute, or -1 without expiry: stable while
   * a slow test runs, where a remaining TTL would shrink between two reads.
   */
  expiresAtMinute: number;
}

/** Keys and values as hex (binary-safe) per database, sorted where order is not part of the type. */
export async function dumpKeyspace(client: Redis, databases = 16): Promise<Record<string, Record<string, DumpedKey>>> {
  const out: Record<string, Record<string, DumpedKey>> = {};
  for (let db = 0; db < databases; db++) {
    await client.select(db);
    const keys = await client.keysBuffer('*');
    if (keys.length === 0) continue;
    const dumped: Record<string, DumpedKey> = {};
    for (const key of keys) {
      const type = await client.type(key);
      const hex = (buffer: Buffer) => buffer.toString('hex');
      let value: DumpedValue;
      switch (type) {
        case 'string': value = { type, value: hex((await client.getBuffer(key))!) }; break;
        case 'list': value = { type, items: (await client.lrangeBuffer(key, 0, -1)).map(hex) }; break;
        case 'set': value = { type, members: (await client.smembersBuffer(key)).map(hex).sort() }; break;
        case 'zset': {
          const flat = await client.zrangeBuffer(key, 0, -1, 'WITHSCORES');
          const entries: [string, string][] = [];
          for (let i = 0; i < flat.length; i += 2) entries.push([hex(flat[i]!), flat[i + 1]!.toString()]);
          value = { type, entries };
          break;
        }
        case 'hash': {
          const flat = (await client.callBuffer('HGETALL', key)) as Buffer[];
          const fields: [string, string][] = [];
          for (let i = 0; i < flat.length; i += 2) fields.push([hex(flat[i]!), hex(flat[i + 1]!)]);
          value = { type, fields: fields.sort() };
          break;
        }
        default: throw new Error(`unexpected type ${type}`);
      }
      const pttl = await client.pttl(key);
      dumped[key.toString('hex')] = { value, expiresAtMinute: pttl < 0 ? -1 : Math.round((Date.now() + pttl) / 60_000) };
    }
    out[`db${db}`] = dumped;
  }
  await client.select(0);
  return out;
}
