import { createReadStream } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Engine, type EngineOptions } from '../engine.ts';
import { EngineError } from '../errors.ts';
import type { DumpCounters } from './dumper.ts';
import { iterateRdbStream, saveRdbAtomically, type ChunkWriter, type RdbEntry } from '../../rdb/index.ts';

export interface DumpFileOptions {
  /** Blocks each DumpStep reads before the event loop gets a turn (writes run in between). */
  stepBlocks?: number;
  /** Injectable chunk writer (tests simulate a full disk with it). */
  writeChunk?: ChunkWriter;
  minChunkBytes?: number;
  /** LZF-compress strings (Redis's rdbcompression); default true. */
  compress?: boolean;
}

export interface DumpFileResult {
  bytesWritten: number;
  durationMs: number;
  /** From DumpBegin to the first bytes handed to the file. */
  firstByteMs: number;
  counters: DumpCounters;
}

/** A dump that did not complete: the previous file and the dataset are untouched. */
export class DumpFailedError extends Error {
  override readonly name = 'DumpFailedError';
  constructor(message: string, cause: unknown) {
    super(message, { cause });
  }
}

/**
 * BGSAVE without fork: DumpBegin, then DumpSteps between turns of the event loop while commands go
 * on, streamed through src/rdb/file.ts (temp file, fsync, rename). On a write error the generator is
 * closed, which aborts the dump: copies and held blocks are freed, the temp file removed.
 */
export async function dumpToFile(engine: Engine, targetPath: string, options: DumpFileOptions = {}): Promise<DumpFileResult> {
  if (engine.dumping) throw new EngineError('ERR Background save already in progress');
  const stepBlocks = options.stepBlocks ?? 512;
  const pending: Uint8Array[] = [];
  const startedMs = performance.now();
  let firstByteMs = -1;
  engine.dumpBegin((chunk) => pending.push(chunk), options.minChunkBytes ?? 256 * 1024, options.compress ?? true);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        while (pending.length > 0) {
          if (firstByteMs < 0) firstByteMs = performance.now() - startedMs;
          yield pending.shift()!;
        }
        if (!engine.dumping) return;
        engine.dumpStep(stepBlocks);
        if (pending.length === 0) await yieldToEventLoop();
      }
    } finally {
      if (engine.dumping) engine.dumpAbort();
    }
  }
  let counters: DumpCounters | null = null;
  try {
    const saved = await saveRdbAtomically(targetPath, chunks(), options.writeChunk ? { writeChunk: options.writeChunk } : {});
    counters = engine.dumpCounters();
    return { bytesWritten: saved.bytesWritten, durationMs: performance.now() - startedMs, firstByteMs, counters };
  } catch (error) {
    if (engine.dumping) engine.dumpAbort();
    throw new DumpFailedError(`dump to ${targetPath} failed: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}

/**
 * Loads an RDB file into a NEW engine, streaming; the engine is returned only when the whole file,
 * checksum included, was read. A corrupt or truncated file throws and leaves nothing half-loaded.
 */
export async function loadRdbFile(filePath: string, options: EngineOptions = {}): Promise<Engine> {
  const engine = new Engine(options);
  for await (const event of iterateRdbStream(createReadStream(filePath, { highWaterMark: 1 << 20 }))) {
    if (event.kind === 'entry') loadEntry(engine, event.entry);
  }
  return engine;
}

export function loadEntry(engine: Engine, entry: RdbEntry): void {
  const { dbIndex: db, key, value } = entry;
  const BATCH = 1024;
  try {
    if (engine.exists(db, [key]) > 0) throw new EngineError(`ERR duplicate key in RDB file (db ${db})`);
    switch (value.type) {
      case 'string': engine.set(db, key, value.bytes); break;
      case 'list': for (let i = 0; i < value.items.length; i += BATCH) engine.rpush(db, key, value.items.slice(i, i + BATCH)); break;
      case 'set': for (let i = 0; i < value.members.length; i += BATCH) engine.sadd(db, key, value.members.slice(i, i + BATCH)); break;
      case 'zset': for (let i = 0; i < value.entries.length; i += BATCH) engine.zadd(db, key, value.entries.slice(i, i + BATCH)); break;
      case 'hash': for (let i = 0; i < value.fields.length; i += BATCH) engine.hset(db, key, value.fields.slice(i, i + BATCH).map((f) => [f.field, f.value])); break;
    }
    if (entry.expireAtMs !== null) engine.pexpireat(db, key, entry.expireAtMs);
  } finally {
    engine.endCommand();
  }
}
