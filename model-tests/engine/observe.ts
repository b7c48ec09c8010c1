/**
 * What is compared after every command (docs/model-based-tests.md, "What is compared"): every key's
 * GET against the model's chunks, DBSIZE, dumping, the dump's output so far against the model's `out`,
 * the engine's check() and the model's invariants, the copy bound, and at quiescence the block counts.
 */
import { iterateRdb, RdbError, type RdbEntry } from '../../src/rdb/index.ts';
import { concatBytes } from '../../src/rdb/index.ts';
import { STATE_INVARIANTS } from '../../src/model/invariants.ts';
import type { Val } from '../../src/model/types.ts';
import { DATABASE_COUNT } from '../../src/engine/arena.ts';
import { Divergence, hashFieldValues, keyBytes, keyDb, modelKey, type PairedRun } from './paired-run.ts';

const sameVals = (a: readonly Val[], b: readonly Val[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const show = (vals: readonly Val[] | string) => (typeof vals === 'string' ? vals : `[${vals.join(',')}]`);

export interface ObserveOptions {
  /** check() walks the lazy-free queue, which a freer worker may be changing: only when it is idle. */
  readonly engineCheck: boolean;
  /** Off only in model-bugs.test.ts, to show that the engine comparison alone finds a wrong model. */
  readonly modelInvariants?: boolean;
  /** Off when the dump writes to a file by itself (dump-file.ts): the file is compared at its end instead. */
  readonly dumpOutput?: boolean;
}

export function observe(run: PairedRun, label: string, options: ObserveOptions = { engineCheck: true }): void {
  const { engine, model, codec } = run;
  const fail = (what: string) => {
    throw new Divergence(`${label}: ${what}`);
  };
  const read = run.lists ? 'LRANGE' : run.hashes ? 'HGETALL' : 'GET';
  for (const key of run.keys) {
    const got = run.engineValue(key);
    const expected = run.valueOf(key);
    if (got === null) {
      if (expected.length > 0) fail(`${read} ${key} is nil, model ${show(expected)}`);
      continue;
    }
    if (typeof got === 'string' || !sameVals(got, expected)) fail(`${read} ${key} is ${show(got)}, model ${show(expected)}`);
  }
  for (let db = 0; db < DATABASE_COUNT; db++) {
    const modelKeys = run.keys.filter((key) => keyDb(key) === db && model.ks.get(key)!.length > 0).length;
    if (engine.dbsize(db) !== modelKeys) fail(`DBSIZE of db ${db} is ${engine.dbsize(db)}, model ${modelKeys}`);
  }
  // The spec's `dumping` is the snapshot being read (a worker dump may still be finishing its file).
  const engineDumping = engine.dumper?.snapshotActive ?? false;
  if (engineDumping !== model.dumping) fail(`engine dumping=${engineDumping}, model dumping=${model.dumping}`);
  if (options.dumpOutput !== false && (model.dumping || run.dumpChunks.length > 0)) compareDumpOutput(run, fail);
  if (model.dumping && engine.dumpCounters().copiesHeld > run.engineCopyBound) {
    fail(`engine holds ${engine.dumpCounters().copiesHeld} copies, CopyBound ${run.engineCopyBound}`);
  }
  if (options.modelInvariants !== false) {
    for (const [name, holds] of Object.entries(STATE_INVARIANTS)) if (!holds(model, run.config.model)) fail(`model invariant ${name} violated`);
  }
  if (options.engineCheck) {
    const violations = engine.check();
    if (violations.length > 0) fail(`engine check(): ${violations.slice(0, 3).map((v) => JSON.stringify(v)).join('; ')}`);
    compareAtQuiescence(run, fail);
  }
}

/** Entries fully written so far, in order (a partial record at the end is not yet an entry). */
export function decodedSoFar(chunks: readonly Uint8Array[]): { entries: RdbEntry[]; complete: boolean } {
  const entries: RdbEntry[] = [];
  try {
    for (const event of iterateRdb(concatBytes([...chunks]))) {
      if (event.kind === 'entry') entries.push(event.entry);
      if (event.kind === 'eof') return { entries, complete: true };
    }
  } catch (error) {
    if (!(error instanceof RdbError)) throw error;
  }
  return { entries, complete: false };
}

/** The dump's output so far = the model's out, key by key in the same order; a finished dump is a whole file. */
function compareDumpOutput(run: PairedRun, fail: (what: string) => never): void {
  const { entries, complete } = decodedSoFar(run.dumpChunks);
  const out = run.model.out;
  if (complete === run.model.dumping) fail(`RDB output ${complete ? 'is finished' : 'is not finished'} but the model is ${run.model.dumping ? '' : 'not '}dumping`);
  // A key the engine has started is in the model's out already (linearized at its start), not yet in the file.
  const started = run.model.dumping && run.keyInProgressNode() !== null ? 1 : 0;
  if (entries.length !== out.length - started) fail(`the dump wrote ${entries.length} whole keys, model out has ${out.length} (${started} in progress)`);
  for (const [i, entry] of entries.entries()) {
    const key = modelKey(entry.dbIndex, entry.key);
    const written = writtenVals(run, entry);
    const [outKey, modelVals] = out[i]!;
    if (key !== outKey || typeof written === 'string' || !sameVals(written, modelVals)) {
      fail(`dump entry ${i} is ${key}=${show(written)}, model out ${outKey}=${show(modelVals)}`);
    }
    const event = run.dumpStepEvents[i];
    if (event !== undefined && event.written === undefined) event.written = written;
  }
}

/** A dump entry as model chunks: a string spells pad + chunks, a list one chunk per element. */
export function writtenVals(run: PairedRun, entry: RdbEntry): Val[] | string {
  const value = entry.value;
  if (value.type === 'string' && !run.lists) return run.codec.decode(value.bytes);
  if (value.type === 'list' && run.lists) return run.chunksOf(value.items);
  if (value.type === 'hash' && run.hashes) {
    const values = hashFieldValues(value.fields.map((f) => [f.field, f.value] as const));
    return typeof values === 'string' ? values : run.chunksOf(values);
  }
  return `a ${value.type}`;
}

/**
 * No dump and nothing queued: every engine block is free or live, and the live ones are exactly one
 * entry block, one value header and one chain block per model block of each key (spec NoLeak, counted).
 */
function compareAtQuiescence(run: PairedRun, fail: (what: string) => never): void {
  const { engine, model } = run;
  const lazy = engine.lazyFreeCounters();
  if (model.dumping || lazy.pendingObjects + lazy.inProgress > 0) return;
  const usage = engine.memoryUsage();
  if (usage.dumpCopyBlocks !== 0 || usage.lazyPendingBlocksEstimate !== 0) fail(`at quiescence ${usage.dumpCopyBlocks} copies and ${usage.lazyPendingBlocksEstimate} queued blocks remain`);
  if (run.lists || run.hashes) return; // list nodes hold several elements, hash fields a node and a value: no block-per-chunk count
  let expected = 0;
  for (const [key, blocks] of model.ks) if (blocks.length > 0) expected += engine.core.keyspace.entryBlocksFor(keyBytes(key)) + 1 + blocks.length;
  if (usage.liveBlocks !== expected) fail(`engine has ${usage.liveBlocks} live blocks at quiescence, the model's keys need ${expected}`);
  if (usage.dumpCopyBlocks !== 0 || usage.lazyPendingBlocksEstimate !== 0) fail(`at quiescence ${usage.dumpCopyBlocks} copies and ${usage.lazyPendingBlocksEstimate} queued blocks remain`);
}
