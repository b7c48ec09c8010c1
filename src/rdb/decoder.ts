/**
 * RDB decoding, whole-buffer or streaming. Both yield RdbEvents in file order and verify the
 * CRC-64 at EOF (a stored zero means the writer disabled checksums, as Redis allows). Anything
 * malformed is an RdbError; bytes after the checksum are rejected too, since a file with a tail
 * is not one this codec or Redis produced.
 *
 * The iterators yield entries before the checksum at the end has been seen (as Redis loads): a
 * loader that applies events as they come must discard what it loaded if iteration throws.
 * decodeRdb/decodeRdbStream return only after the whole file, checksum included, is verified.
 */
import { ByteReader, NeedMoreInput } from './byte-reader.ts';
import { RDB_VERSION_FIRST_WITH_CHECKSUM } from './constants.ts';
import { Crc64 } from './crc64.ts';
import { RdbError, assert } from './errors.ts';
import { BatchDelivery, DONE, READ } from './batch-delivery.ts';
import { HEADER_BYTES, parseHeader, parseRecord, parseRecordStart, type RdbEvent, type RecordContext } from './record-parser.ts';
import type { RdbAuxField, RdbEntry } from './value.ts';

export type { RdbEvent } from './record-parser.ts';

export type RdbFile = {
  version: number;
  aux: RdbAuxField[];
  entries: RdbEntry[];
  functions: Uint8Array[];
  skippedEmptyKeys: number;
  checksum: bigint | null;
};

const CHECKSUM_BYTES = 8;
/** Events parsed but not yet handed over by the streaming decoder; bounds memory in batched mode. */
const MAX_PENDING_EVENTS = 256;

function checkChecksum(event: RdbEvent & { kind: 'eof' }, crc: Crc64, checksumAt: number): void {
  if (event.checksum === null) return;
  const computed = crc.digest();
  if (computed !== event.checksum) {
    throw new RdbError('bad-checksum', `checksum mismatch: file says 0x${event.checksum.toString(16)}, content gives 0x${computed.toString(16)}`, checksumAt);
  }
}

function apply(context: RecordContext, event: RdbEvent): void {
  if (event.kind === 'selectDb') context.dbIndex = event.dbIndex;
}

export type DecodeOptions = {
  /**
   * Deliver element-by-element values (plain list/set/zset/hash, quicklists) as valueBegin /
   * valueElements (batches of about this many elements) / valueEnd events instead of one entry,
   * so a loader never holds a whole huge value. Unset: whole entries.
   */
  elementBatch?: number;
};

/** Decode a complete file held in memory. */
export function* iterateRdb(bytes: Uint8Array, options: DecodeOptions = {}): Generator<RdbEvent, void, undefined> {
  const elementBatch = options.elementBatch;
  assert(elementBatch === undefined || elementBatch >= 1, 'elementBatch must be at least 1');
  const reader = new ByteReader(bytes, 0, true);
  const header = parseHeader(reader);
  yield header;
  const context: RecordContext = { version: header.version, dbIndex: 0 };
  for (;;) {
    const started = elementBatch === undefined ? parseRecord(reader, context) : parseRecordStart(reader, context);
    if (started.kind === 'pending') {
      const delivery = new BatchDelivery(started);
      for (let step = delivery.step(); step !== DONE; step = delivery.step()) {
        if (step === READ) started.cursor.resume(reader, elementBatch);
        else yield step;
      }
      continue;
    }
    const event = started;
    if (event.kind === 'eof') {
      const hasChecksum = header.version >= RDB_VERSION_FIRST_WITH_CHECKSUM;
      const checksumAt = reader.pos - (hasChecksum ? CHECKSUM_BYTES : 0);
      if (event.checksum !== null) checkChecksum(event, new Crc64().update(bytes.subarray(0, checksumAt)), checksumAt);
      if (reader.pos !== bytes.length) throw new RdbError('trailing-bytes', `${bytes.length - reader.pos} bytes follow the end of the RDB data`, reader.pos);
      yield event;
      return;
    }
    apply(context, event);
    yield event;
  }
}

export function decodeRdb(bytes: Uint8Array): RdbFile {
  const file = emptyFile();
  for (const event of iterateRdb(bytes)) addEvent(file, event);
  return file;
}

export async function decodeRdbStream(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<RdbFile> {
  const file = emptyFile();
  for await (const events of eventArrays(chunks, undefined)) {
    for (const event of events) addEvent(file, event);
  }
  return file;
}

function emptyFile(): RdbFile {
  return { version: 0, aux: [], entries: [], functions: [], skippedEmptyKeys: 0, checksum: null };
}

function addEvent(file: RdbFile, event: RdbEvent): void {
  switch (event.kind) {
    case 'header':
      file.version = event.version;
      break;
    case 'aux':
      file.aux.push({ key: event.key, value: event.value });
      break;
    case 'entry':
      file.entries.push(event.entry);
      break;
    case 'function':
      file.functions.push(event.code);
      break;
    case 'emptyKeySkipped':
      file.skippedEmptyKeys++;
      break;
    case 'eof':
      file.checksum = event.checksum;
      break;
    case 'selectDb':
    case 'resizeDb':
    case 'valueBegin':
    case 'valueElements':
    case 'valueEnd':
      break;
  }
}

/**
 * Decode from chunks as they arrive (a file read stream, a socket). Element-by-element values
 * resume at the element where input ran out; other records that span chunks are retried from
 * their start once the buffer has at least doubled, which keeps retries linear in record size.
 * Memory holds the unconsumed bytes and, without `elementBatch`, the value being read.
 */
export async function* iterateRdbStream(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: DecodeOptions = {}): AsyncGenerator<RdbEvent, void, undefined> {
  assert(options.elementBatch === undefined || options.elementBatch >= 1, 'elementBatch must be at least 1');
  for await (const events of eventArrays(chunks, options.elementBatch)) {
    for (const event of events) yield event;
  }
}

async function* eventArrays(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, elementBatch: number | undefined): AsyncGenerator<RdbEvent[], void, undefined> {
  const source = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : toAsync(chunks[Symbol.iterator]());
  try {
    yield* decodeFrom(source, elementBatch);
  } finally {
    // Stops a file read stream (closing its descriptor) when decoding fails or the consumer stops.
    await source.return?.();
  }
}

/**
 * The streaming decoder proper. It yields events in arrays, one per buffer refill, so that a
 * file of many small keys costs one await per refill rather than several per key.
 */
async function* decodeFrom(source: AsyncIterator<Uint8Array>, elementBatch: number | undefined): AsyncGenerator<RdbEvent[], void, undefined> {
  const buffer = new StreamBuffer();
  let exhausted = false;
  const fill = async (byteLength: number): Promise<void> => {
    while (buffer.length < byteLength && !exhausted) {
      const next = await source.next();
      if (next.done) exhausted = true;
      else buffer.append(next.value);
    }
  };
  const crc = new Crc64();
  let out: RdbEvent[] = [];
  // One reader serves every record until the buffer must grow; bytes before reader.pos are
  // parsed, and are checksummed and released only when the buffer is refilled.
  let reader = new ByteReader(buffer.view(), buffer.fileOffset, exhausted);
  /** Hands out the events so far, then refills; parsing restarts at `resumeAt`. */
  async function* refill(resumeAt: number, needed: NeedMoreInput, minimumByteLength: number): AsyncGenerator<RdbEvent[], void, undefined> {
    assert(!exhausted, 'a final reader never asks for more input');
    if (out.length > 0) {
      yield out;
      out = [];
    }
    crc.update(buffer.view().subarray(0, resumeAt));
    buffer.consume(resumeAt);
    await fill(Math.max(needed.neededByteLength - resumeAt, minimumByteLength, 64 * 1024));
    reader = new ByteReader(buffer.view(), buffer.fileOffset, exhausted);
  }
  /**
   * Runs `parse`; on running out of input, says what it needed and leaves the reader where parsing
   * must restart: where it started, or (`rewind` false) wherever `parse` left it.
   */
  const attempt = <T>(parse: (r: ByteReader) => T, rewind = true): T | NeedMoreInput => {
    const start = reader.pos;
    try {
      return parse(reader);
    } catch (error) {
      if (!(error instanceof NeedMoreInput)) throw error;
      if (rewind) reader.pos = start;
      return error;
    }
  };
  // A record cut by the end of the buffer is parsed again from its start once the buffer has at
  // least doubled, which keeps the re-parsing linear in the record size.
  const doubling = (recordStart: number): number => 2 * (reader.pos + reader.remaining - recordStart);

  await fill(HEADER_BYTES);
  reader = new ByteReader(buffer.view(), buffer.fileOffset, exhausted);
  let header = attempt(parseHeader);
  while (header instanceof NeedMoreInput) {
    yield* refill(reader.pos, header, doubling(reader.pos));
    header = attempt(parseHeader);
  }
  out.push(header);
  const context: RecordContext = { version: header.version, dbIndex: 0 };
  for (;;) {
    const recordStart = reader.pos;
    const started = attempt((r) => parseRecordStart(r, context));
    if (started instanceof NeedMoreInput) {
      yield* refill(recordStart, started, doubling(recordStart));
      continue;
    }
    if (started.kind === 'pending') {
      // Elements are read as bytes arrive, never re-parsed; a cut element restarts on its own.
      const cursor = started.cursor;
      // The cursor itself rewinds to the start of the element it could not finish.
      const resume = (stopAtPending: number | undefined): void | NeedMoreInput => attempt((r) => cursor.resume(r, stopAtPending), false);
      const readMore = async function* (stopAtPending: number | undefined): AsyncGenerator<RdbEvent[], void, undefined> {
        for (let more = resume(stopAtPending); more instanceof NeedMoreInput; more = resume(stopAtPending)) {
          yield* refill(reader.pos, more, 0);
        }
      };
      if (elementBatch === undefined) {
        yield* readMore(undefined);
        out.push(started.complete(cursor.finish()));
        continue;
      }
      const delivery = new BatchDelivery(started);
      for (let step = delivery.step(); step !== DONE; step = delivery.step()) {
        if (step === READ) {
          yield* readMore(elementBatch);
        } else {
          out.push(step);
          // A huge chunk may hold a whole huge value: hand batches over as they are made.
          if (out.length >= MAX_PENDING_EVENTS) {
            yield out;
            out = [];
          }
        }
      }
      continue;
    }
    const event = started;
    if (event.kind === 'eof') {
      const checksumBytes = header.version >= RDB_VERSION_FIRST_WITH_CHECKSUM ? CHECKSUM_BYTES : 0;
      const checksumAt = reader.pos - checksumBytes;
      crc.update(buffer.view().subarray(0, checksumAt));
      checkChecksum(event, crc, buffer.fileOffset + checksumAt);
      buffer.consume(reader.pos);
      await fill(1);
      if (buffer.length > 0) throw new RdbError('trailing-bytes', 'bytes follow the end of the RDB data', buffer.fileOffset);
      out.push(event);
      yield out;
      return;
    }
    apply(context, event);
    out.push(event);
    if (out.length >= MAX_PENDING_EVENTS) {
      yield out;
      out = [];
    }
  }
}

async function* toAsync<T>(iterator: Iterator<T>): AsyncGenerator<T> {
  for (let next = iterator.next(); !next.done; next = iterator.next()) yield next.value;
}

/** Unconsumed input bytes, compacted on growth so consumed records are not kept alive. */
class StreamBuffer {
  private bytes = new Uint8Array(64 * 1024);
  private start = 0;
  private end = 0;
  /** File offset of the first unconsumed byte. */
  fileOffset = 0;

  get length(): number {
    return this.end - this.start;
  }

  view(): Uint8Array {
    return this.bytes.subarray(this.start, this.end);
  }

  append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.bytes.length) {
      const live = this.end - this.start;
      let capacity = this.bytes.length;
      while (capacity < live + chunk.length) capacity *= 2;
      const target = capacity === this.bytes.length ? this.bytes : new Uint8Array(capacity);
      if (target === this.bytes) this.bytes.copyWithin(0, this.start, this.end);
      else target.set(this.bytes.subarray(this.start, this.end), 0);
      this.bytes = target;
      this.start = 0;
      this.end = live;
    }
    this.bytes.set(chunk, this.end);
    this.end += chunk.length;
  }

  consume(byteCount: number): void {
    assert(byteCount <= this.length, 'consumed more than buffered');
    this.start += byteCount;
    this.fileOffset += byteCount;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
  }
}
