/**
 * One fast-check command per spec action (spec/Sabre.tla), named after it. Each runs the engine
 * operation the action stands for (docs/action-map.md) through PairedRun.step and then compares
 * (observe.ts). The fast-check "model" and "real" objects are the same PairedRun: the model state
 * lives in it beside the engine.
 */
import fc from 'fast-check';
import { dirty, todo } from '../../src/model/derived.ts';
import type { Key, Val } from '../../src/model/types.ts';
import { observe, type ObserveOptions } from './observe.ts';
import { Divergence, hashField, keyBytes, keyDb, modelKey, type PairedRun } from './paired-run.ts';

type Cmd = fc.Command<PairedRun, PairedRun>;
const blocksOf = (run: Readonly<PairedRun>, key: Key) => run.model.ks.get(key)!.length;

abstract class PairedCommand implements Cmd {
  static observeOptions: ObserveOptions = { engineCheck: true };
  abstract check(run: Readonly<PairedRun>): boolean;
  protected abstract exec(run: PairedRun): void;
  run(_model: PairedRun, run: PairedRun): void {
    this.exec(run);
    observe(run, this.toString(), PairedCommand.observeOptions);
  }
  abstract toString(): string;
}
export const setObserveOptions = (options: ObserveOptions): void => {
  PairedCommand.observeOptions = options;
};

/** Set(k, v) = SET k <one chunk>. */
export class SetCommand extends PairedCommand {
  constructor(readonly key: Key, readonly val: Val) { super(); }
  check(_run: Readonly<PairedRun>) { return true; }
  exec(run: PairedRun) {
    run.step({ name: 'Set', key: this.key, val: this.val }, (e) => {
      const db = keyDb(this.key);
      if (!run.lists && !run.hashes) return void e.set(db, keyBytes(this.key), run.codec.encode([this.val]));
      // A list or hash is replaced by DEL + RPUSH/HSET in one step: no dump step can run between them (DEVIATION in docs).
      e.del(db, [keyBytes(this.key)]);
      if (run.lists) e.rpush(db, keyBytes(this.key), [run.codec.chunk(this.val)]);
      else e.hset(db, keyBytes(this.key), [[hashField(1), run.codec.chunk(this.val)]]);
    }, this.toString());
  }
  override toString() { return `Set(${this.key},${this.val})`; }
}

/** WriteBlock(k, i, v) = SETRANGE k pad+(i-1)*C <chunk>: changes chain block i only. */
export class WriteBlockCommand extends PairedCommand {
  constructor(readonly key: Key, readonly index: number, readonly val: Val) { super(); }
  // The spec's WriteBlock needs a change; the engine would copy for an equal write too (it does not compare).
  check(run: Readonly<PairedRun>) { return this.index <= blocksOf(run, this.key) && run.valueOf(this.key)[this.index - 1] !== this.val; }
  exec(run: PairedRun) {
    const offset = run.codec.padBytes + (this.index - 1) * run.codec.chunkBytes;
    run.step({ name: 'WriteBlock', key: this.key, index: this.index, val: this.val }, (e) => (run.lists ? e.lset(keyDb(this.key), keyBytes(this.key), this.index - 1, run.codec.chunk(this.val)) : run.hashes ? e.hset(keyDb(this.key), keyBytes(this.key), [[hashField(this.index), run.codec.chunk(this.val)]]) : e.setrange(keyDb(this.key), keyBytes(this.key), offset, run.codec.chunk(this.val))), this.toString());
  }
  override toString() { return `WriteBlock(${this.key},${this.index},${this.val})`; }
}

/** AppendBlock(k, v) = APPEND k <chunk> on an existing key shorter than MaxLen. */
export class AppendBlockCommand extends PairedCommand {
  constructor(readonly key: Key, readonly val: Val) { super(); }
  check(run: Readonly<PairedRun>) { return blocksOf(run, this.key) >= 1 && blocksOf(run, this.key) < run.config.model.maxLen; }
  exec(run: PairedRun) {
    run.step({ name: 'AppendBlock', key: this.key, val: this.val }, (e) => (run.lists ? e.rpush(keyDb(this.key), keyBytes(this.key), [run.codec.chunk(this.val)]) : run.hashes ? e.hset(keyDb(this.key), keyBytes(this.key), [[hashField(blocksOf(run, this.key) + 1), run.codec.chunk(this.val)]]) : e.append(keyDb(this.key), keyBytes(this.key), run.codec.chunk(this.val))), this.toString());
  }
  override toString() { return `AppendBlock(${this.key},${this.val})`; }
}

export class DelCommand extends PairedCommand {
  constructor(readonly key: Key) { super(); }
  check(run: Readonly<PairedRun>) { return blocksOf(run, this.key) > 0; }
  exec(run: PairedRun) {
    run.step({ name: 'Del', key: this.key }, (e) => expectCount(e.del(keyDb(this.key), [keyBytes(this.key)]), 1, this.toString()), this.toString());
  }
  override toString() { return `Del(${this.key})`; }
}

/**
 * Del(k) reached through expiry: PEXPIRE k 1, the clock passes it, and either a lookup (EXISTS, lazy
 * expiry) or the active expire cycle deletes the key, both through the same delete path as DEL.
 */
export class ExpireDelCommand extends PairedCommand {
  constructor(readonly key: Key, readonly active: boolean) { super(); }
  check(run: Readonly<PairedRun>) { return blocksOf(run, this.key) > 0; }
  exec(run: PairedRun) {
    run.step({ name: 'Del', key: this.key }, (e) => {
      const db = keyDb(this.key);
      expectCount(e.pexpire(db, keyBytes(this.key), 1), 1, this.toString());
      run.clock.advance(5);
      if (!this.active) return void expectCount(e.exists(db, [keyBytes(this.key)]), 0, this.toString());
      const result = e.activeExpireCycle();
      if (e.dbsize(db) !== run.keys.filter((k) => keyDb(k) === db && blocksOf(run, k) > 0).length - 1) {
        throw new Divergence(`${this.toString()}: the active expire cycle left the key (${JSON.stringify(result)})`);
      }
    }, this.toString(), 1); // PEXPIRE writes the expiry into the value header: one copy the spec has no block for
  }
  override toString() { return `ExpireDel(${this.key},${this.active ? 'active' : 'lazy'})`; }
}

export class UnlinkCommand extends PairedCommand {
  constructor(readonly key: Key) { super(); }
  check(run: Readonly<PairedRun>) { return blocksOf(run, this.key) > 0; }
  exec(run: PairedRun) {
    run.step({ name: 'Unlink', key: this.key }, (e) => expectCount(e.unlink(keyDb(this.key), [keyBytes(this.key)]), 1, this.toString()), this.toString());
  }
  override toString() { return `Unlink(${this.key})`; }
}

/** FlushAsync = FLUSHALL ASYNC. */
export class FlushAsyncCommand extends PairedCommand {
  check(run: Readonly<PairedRun>) { return run.keys.some((key) => blocksOf(run, key) > 0); }
  exec(run: PairedRun) {
    run.step({ name: 'FlushAsync' }, (e) => e.flushallAsync(), this.toString());
  }
  override toString() { return 'FlushAsync'; }
}

/** FreeStep = engine.freeStep(budget); the model frees as many queued blocks as the engine reports. */
export class FreeStepCommand extends PairedCommand {
  constructor(readonly budgetBlocks: number) { super(); }
  check(_run: Readonly<PairedRun>) { return true; }
  exec(run: PairedRun) {
    run.step(null, (e) => e.freeStep(this.budgetBlocks), this.toString());
  }
  override toString() { return `FreeStep(${this.budgetBlocks})`; }
}

/** DumpBegin = engine.dumpBegin(sink) with every chunk flushed at once (minChunkBytes 0). */
export class DumpBeginCommand extends PairedCommand {
  check(run: Readonly<PairedRun>) { return !run.model.dumping; }
  exec(run: PairedRun) {
    run.dumpChunks.length = 0;
    run.step(null, (e) => e.dumpBegin((chunk) => run.dumpChunks.push(chunk.slice()), 0), this.toString());
    if (!run.model.dumping) throw new Divergence('DumpBegin: the engine traced no DumpBegin');
  }
  override toString() { return 'DumpBegin'; }
}

/** DumpStep = engine.dumpStep(budget): each key it finishes is the model's DumpStep(k), dirty first. */
export class DumpStepCommand extends PairedCommand {
  constructor(readonly budgetBlocks: number) { super(); }
  check(run: Readonly<PairedRun>) { return run.model.dumping; }
  exec(run: PairedRun) {
    run.step(null, (e) => e.dumpStep(this.budgetBlocks), this.toString());
  }
  override toString() { return `DumpStep(${this.budgetBlocks})`; }
}

/** DumpEnd = dumpStep until the engine reports the end; the model must reach DumpEnd with it. */
export class DumpEndCommand extends PairedCommand {
  check(run: Readonly<PairedRun>) { return run.model.dumping; }
  exec(run: PairedRun) {
    const bound = 4 * run.engine.memoryUsage().blockCount + 16;
    for (let steps = 0; run.engine.dumping; steps++) {
      if (steps > bound) throw new Divergence(`DumpEnd: the dump did not end within ${bound} steps (DumpTerminates)`);
      run.step(null, (e) => e.dumpStep(8), this.toString());
    }
    if (run.model.dumping || todo(run.model).length > 0) throw new Divergence('DumpEnd: the engine ended the dump, the model did not');
  }
  override toString() { return 'DumpEnd'; }
}

/**
 * Not a spec action: BGSAVE stopped half-way (write error, worker crash). The engine frees its copies
 * and held blocks and leaves the dataset alone. DEVIATION: the spec has no abort; the model finishes
 * the dump instead (every remaining DumpStep, dirty first, then DumpEnd), which frees the same blocks;
 * its `out` is a ghost no file will hold, so the partial output is dropped from the comparison.
 */
export class DumpAbortCommand extends PairedCommand {
  check(run: Readonly<PairedRun>) { return run.model.dumping; }
  exec(run: PairedRun) {
    run.step(null, (e) => e.dumpAbort(), this.toString());
    if (run.engine.dumping) throw new Divergence('DumpAbort: the engine still dumps');
    for (let key = nextKeyToDump(run); key !== undefined; key = nextKeyToDump(run)) run.take({ name: 'DumpStep', key }, this.toString(), run.relaxedForAbort(key));
    run.take({ name: 'DumpEnd' }, this.toString());
    run.dumpChunks.length = 0;
  }
  override toString() { return 'DumpAbort'; }
}

const nextKeyToDump = (run: PairedRun): Key | undefined => dirty(run.model)[0] ?? todo(run.model)[0];

/**
 * Not a spec action: one whole SCAN iteration of a database with a small COUNT, deleting between calls
 * (where `deletes` says so) a key the iteration has already returned, through DelCommand so that the
 * model deletes it too. Checks Redis's guarantee, which a cursor that resumes by rank breaks: every
 * key present for the whole iteration is returned, and no key returned was absent for all of it.
 */
export class ScanCommand extends PairedCommand {
  constructor(readonly db: number, readonly count: number, readonly deletes: readonly boolean[]) { super(); }
  check(run: Readonly<PairedRun>) { return run.keys.some((key) => keyDb(key) === this.db && blocksOf(run, key) > 0); }
  exec(run: PairedRun) {
    const present = (key: Key) => blocksOf(run, key) > 0;
    const everPresent = new Set(run.keys.filter((key) => keyDb(key) === this.db && present(key)));
    const presentThroughout = new Set(everPresent);
    const returned = new Set<Key>();
    const callBound = 2 * run.keys.length + 4; // COUNT >= 1 and keys only leave: one call per key and the last
    let cursor = '0';
    for (let calls = 0; cursor !== '0' || calls === 0; calls++) {
      if (calls > callBound) throw new Divergence(`${this.toString()}: the iteration did not end within ${callBound} calls`);
      run.engineCommands++;
      const reply = run.engine.scan(this.db, cursor, { count: this.count });
      run.engine.endCommand();
      for (const bytes of reply.elements) returned.add(modelKey(this.db, bytes));
      cursor = reply.cursor;
      const victim = [...returned].find(present);
      if (cursor === '0' || !this.deletes[calls % this.deletes.length] || victim === undefined) continue;
      new DelCommand(victim).exec(run);
      presentThroughout.delete(victim);
    }
    const missed = [...presentThroughout].filter((key) => !returned.has(key));
    const strays = [...returned].filter((key) => !everPresent.has(key));
    if (missed.length > 0 || strays.length > 0) {
      throw new Divergence(`${this.toString()}: SCAN returned [${[...returned].join(',')}]; missed ${missed.join(',') || 'none'} (present throughout), returned ${strays.join(',') || 'none'} never present`);
    }
  }
  override toString() { return `Scan(db ${this.db},count ${this.count},deletes ${this.deletes.map(Number).join('')})`; }
}

/**
 * AllocFail: SET of a value bigger than the engine's memory limit must fail with out-of-memory and
 * change nothing, and only after lazy free has been helped (NoFalseOOM, checked in PairedRun.step).
 * DEVIATION: the model's blocks are a generous pool, so the model's AllocFail is never enabled; the
 * engine's failure is compared as "no effect" (docs/model-based-tests.md).
 */
export class AllocFailCommand extends PairedCommand {
  constructor(readonly key: Key) { super(); }
  check(run: Readonly<PairedRun>) { return run.config.maxBlocks !== undefined; }
  exec(run: PairedRun) {
    const chunks = Math.ceil((run.config.maxBlocks! + 64) * 1.0);
    const tooBig = run.codec.encode(Array.from({ length: chunks }, () => run.config.model.vals[0]!));
    const done = run.step(null, (e) => e.set(keyDb(this.key), keyBytes(this.key), tooBig), this.toString());
    if (done) throw new Divergence(`${this.toString()}: SET of ${chunks} chunks succeeded within ${run.config.maxBlocks} blocks`);
  }
  override toString() { return `AllocFail(${this.key})`; }
}

function expectCount(got: number, expected: number, label: string): void {
  if (got !== expected) throw new Divergence(`${label}: the engine reports ${got} keys, expected ${expected}`);
}

export interface CommandWeights {
  readonly write: number;
  readonly dump: number;
  readonly free: number;
  readonly allocFail: number;
  /** ScanCommand: not a spec action, so absent (0) unless a profile asks for it. */
  readonly scan?: number;
}

/** Weighted so that dumps run with copies held, values grow to MaxLen and get written partially, and unlinks and flushes meet dumps. */
export function commandArb(keys: readonly Key[], vals: readonly Val[], maxLen: number, weights: CommandWeights): fc.Arbitrary<Cmd> {
  const key = fc.constantFrom(...keys);
  const val = fc.constantFrom(...vals);
  const dbs = [...new Set(keys.map(keyDb))];
  const w = (weight: number, arbitrary: fc.Arbitrary<Cmd>) => ({ weight, arbitrary });
  return fc.oneof(...[
    w(3 * weights.write, fc.tuple(key, val).map(([k, v]) => new SetCommand(k, v))),
    w(4 * weights.write, fc.tuple(key, fc.integer({ min: 1, max: maxLen }), val).map(([k, i, v]) => new WriteBlockCommand(k, i, v))),
    w(3 * weights.write, fc.tuple(key, val).map(([k, v]) => new AppendBlockCommand(k, v))),
    w(weights.write, key.map((k) => new DelCommand(k))),
    w(weights.write, key.map((k) => new UnlinkCommand(k))),
    w(Math.max(1, weights.write / 2) | 0, fc.tuple(key, fc.boolean()).map(([k, active]) => new ExpireDelCommand(k, active))),
    w(Math.max(1, weights.write / 3) | 0, fc.constant(new FlushAsyncCommand())),
    w(weights.free, fc.integer({ min: 1, max: 6 }).map((n) => new FreeStepCommand(n))),
    w(weights.dump, fc.constant(new DumpBeginCommand())),
    w(3 * weights.dump, fc.integer({ min: 1, max: 5 }).map((n) => new DumpStepCommand(n))),
    w(weights.dump, fc.constant(new DumpEndCommand())),
    w(weights.dump > 0 ? 1 : 0, fc.constant(new DumpAbortCommand())),
    w(weights.allocFail, key.map((k) => new AllocFailCommand(k))),
    w(weights.scan ?? 0, fc.tuple(fc.constantFrom(...dbs), fc.integer({ min: 1, max: 2 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 4 })).map(([db, count, deletes]) => new ScanCommand(db, count, deletes))),
  ].filter((entry) => entry.weight > 0));
}
