/** Reads a key back from a live Redis as an RdbValue, binary-safe (test helper). */
import type { Redis } from 'ioredis';
import type { RdbValue } from '../../src/rdb/value.ts';

export async function readBack(redis: Redis, key: Buffer, type: RdbValue['type']): Promise<RdbValue> {
  switch (type) {
    case 'string':
      return { type, bytes: (await redis.getBuffer(key))! };
    case 'list':
      return { type, items: await redis.lrangeBuffer(key, 0, -1) };
    case 'set':
      return { type, members: await redis.smembersBuffer(key) };
    case 'zset': {
      const flat = (await redis.callBuffer('ZRANGE', key, '0', '-1', 'WITHSCORES')) as Buffer[];
      const out: { member: Uint8Array; score: number }[] = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ member: flat[i]!, score: Number.parseFloat(flat[i + 1]!.toString().replace(/^(-?)inf$/, '$1Infinity')) });
      return { type, entries: out };
    }
    case 'hash': {
      const flat = (await redis.callBuffer('HGETALL', key)) as Buffer[];
      const out: { field: Uint8Array; value: Uint8Array }[] = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ field: flat[i]!, value: flat[i + 1]! });
      return { type, fields: out };
    }
  }
}
