/**
 * Test-side writers for the compact blobs that Sabre never writes but must read (ziplist, listpack,
 * intset, zipmap) and for raw RDB records of any type. Real Redis loads files built with these
 * (tests/rdb/legacy-encodings.test.ts), which is what makes them trustworthy fixtures.
 */
import { ByteWriter } from '../../src/rdb/byte-writer.ts';
import { Crc64 } from '../../src/rdb/crc64.ts';
import { concatBytes } from '../../src/rdb/encoder.ts';

export type BlobElement = Uint8Array | bigint;

const u32le = (value: number): number[] => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
const u32be = (value: number): number[] => u32le(value).reverse();
const intLE = (value: bigint, byteCount: number): number[] => {
  const out: number[] = [];
  let v = BigInt.asUintN(byteCount * 8, value);
  for (let i = 0; i < byteCount; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
};
const fits = (value: bigint, bits: number): boolean => value >= -(1n << BigInt(bits - 1)) && value < 1n << BigInt(bits - 1);

function ziplistEntryBody(element: BlobElement): number[] {
  if (element instanceof Uint8Array) {
    const n = element.length;
    const head = n <= 63 ? [n] : n <= 16383 ? [0x40 | (n >>> 8), n & 0xff] : [0x80, ...u32be(n)];
    return [...head, ...element];
  }
  if (element >= 0n && element <= 12n) return [0xf1 + Number(element)];
  if (fits(element, 8)) return [0xfe, ...intLE(element, 1)];
  if (fits(element, 16)) return [0xc0, ...intLE(element, 2)];
  if (fits(element, 24)) return [0xf0, ...intLE(element, 3)];
  if (fits(element, 32)) return [0xd0, ...intLE(element, 4)];
  return [0xe0, ...intLE(element, 8)];
}

export function buildZiplist(elements: BlobElement[]): Uint8Array {
  const body: number[] = [];
  let previousBytes = 0;
  let tailOffset = 10;
  for (const element of elements) {
    tailOffset = 10 + body.length;
    const prevlen = previousBytes < 254 ? [previousBytes] : [0xfe, ...u32le(previousBytes)];
    const entry = [...prevlen, ...ziplistEntryBody(element)];
    body.push(...entry);
    previousBytes = entry.length;
  }
  const total = 10 + body.length + 1;
  return Uint8Array.from([...u32le(total), ...u32le(tailOffset), ...intLE(BigInt(Math.min(elements.length, 0xffff)), 2), ...body, 0xff]);
}

function listpackEntryBody(element: BlobElement): number[] {
  if (element instanceof Uint8Array) {
    const n = element.length;
    const head = n < 64 ? [0x80 | n] : n < 4096 ? [0xe0 | (n >>> 8), n & 0xff] : [0xf0, ...u32le(n)];
    return [...head, ...element];
  }
  if (element >= 0n && element <= 127n) return [Number(element)];
  if (fits(element, 13)) {
    const raw = Number(BigInt.asUintN(13, element));
    return [0xc0 | (raw >>> 8), raw & 0xff];
  }
  if (fits(element, 16)) return [0xf1, ...intLE(element, 2)];
  if (fits(element, 24)) return [0xf2, ...intLE(element, 3)];
  if (fits(element, 32)) return [0xf3, ...intLE(element, 4)];
  return [0xf4, ...intLE(element, 8)];
}

export function encodeBacklen(entryBytes: number): number[] {
  const groups: number[] = [];
  let v = entryBytes;
  do {
    groups.unshift(v & 0x7f);
    v = Math.floor(v / 128);
  } while (v > 0);
  // Every byte except the leftmost carries the "more to the left" bit.
  return groups.map((g, i) => (i === 0 ? g : g | 0x80));
}

export function buildListpack(elements: BlobElement[]): Uint8Array {
  const body: number[] = [];
  for (const element of elements) {
    const entry = listpackEntryBody(element);
    body.push(...entry, ...encodeBacklen(entry.length));
  }
  const total = 6 + body.length + 1;
  return Uint8Array.from([...u32le(total), ...intLE(BigInt(Math.min(elements.length, 0xffff)), 2), ...body, 0xff]);
}

export function buildIntset(values: bigint[], widthBytes: 2 | 4 | 8): Uint8Array {
  return Uint8Array.from([...u32le(widthBytes), ...u32le(values.length), ...values.flatMap((v) => intLE(v, widthBytes))]);
}

export function buildZipmap(pairs: [Uint8Array, Uint8Array][]): Uint8Array {
  const len = (n: number): number[] => (n < 254 ? [n] : [254, ...u32le(n)]);
  const out: number[] = [Math.min(pairs.length, 254)];
  for (const [field, value] of pairs) out.push(...len(field.length), ...field, ...len(value.length), 0, ...value);
  out.push(0xff);
  return Uint8Array.from(out);
}

/** Builds an RDB file record by record; `string()` uses the real string encoding (int/LZF/raw). */
export class RawRdbBuilder {
  private readonly parts: Uint8Array[] = [];

  constructor(version: number) {
    this.parts.push(new TextEncoder().encode(`REDIS${String(version).padStart(4, '0')}`));
  }

  bytes(values: number[] | Uint8Array): this {
    this.parts.push(Uint8Array.from(values));
    return this;
  }

  length(value: number): this {
    const w = new ByteWriter(16);
    w.rdbLength(value);
    return this.bytes(w.take());
  }

  string(value: Uint8Array, compress = true): this {
    const w = new ByteWriter(value.length + 16);
    w.rdbString(value, { compress });
    return this.bytes(w.take());
  }

  /** EOF plus a correct checksum (or none / zero, for old versions and "checksum disabled"). */
  finish(checksum: 'correct' | 'zero' | 'none' = 'correct'): Uint8Array {
    this.bytes([0xff]);
    const body = concatBytes(this.parts);
    if (checksum === 'none') return body;
    const tail = checksum === 'zero' ? new Uint8Array(8) : new Crc64().update(body).digestLittleEndian();
    return concatBytes([body, tail]);
  }
}
