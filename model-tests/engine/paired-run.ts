/**
 * The engine and the model side by side. Each model-based command runs one engine operation through
 * `step`, which then turns what the engine did (its trace events) into model transitions, each checked
 * as enabled in the model, and finally compares everything observable (`observe.ts`).
 *
 * Order inside one engine command: the engine's own events come first (a FreeStep while reclaiming for
 * an allocation, forced DumpSteps when the write meets the copy bound, a DumpEnd those may reach), then
 * the command's own model action. That is the linearization the spec allows: the writer "waits" for a
 * DumpStep at CopyBound (docs/spec.md, the rule at the copy bound).
 */
import { ManualClock } from '../../src/engine/clock.ts';
import { Engine } from '../../src/engine/engine.ts';
import { readEntryKey } from '../../src/engine/entry.ts';
import { OutOfMemoryError } from '../../src/engine/errors.ts';
import type { BlockIndex } from '../../src/engine/ids.ts';
import type { TraceEvent as EngineEvent } from '../../src/engine/trace.ts';
import { type Action, type ActionName, ACTION_NAMES, apply } from '../../src/model/actions.ts';
import { dirty, todo } from '../../src/model/derived.ts';
import { CopyOnlyWhatChanges, DirtyFirst } from '../../src/model/invariants.ts';
import { initialState, type Key, type ModelConfig, type ModelState, type Val } from '../../src/model/types.ts';
import type { TraceEvent } from '../trace/trace-event.ts';
import { type ChunkCodec, chunkCodec } from './chunk-codec.ts';

export interface PairedConfig {
  readonly model: ModelConfig;
  readonly blockSizeBytes: number;
  /** Engine memory limit in blocks (rounded up to 64 by the arena); absent = grows freely. */
  readonly maxBlocks?: number;
  /** Trace tracing of every model step (for replay and TLC); off for long campaigns. */
  readonly keepTrace: boolean;
  /** 'string' (default): a model block is a chain block; 'list': one list element; 'hash': field i (f01, f02, ...). */
  readonly valueType?: 'string' | 'list' | 'hash';
  /** The engine's copy bound when it differs from the model's (lists: see campaign.ts). */
  readonly engineCopyBound?: number;
  /** The model's step properties (CopyOnlyWhatChanges, DirtyFirst); off only to test the comparison alone. */
  readonly stepProperties?: boolean;
}

/** Hash field i of a model value (1-based); zero-padded so that field order is index order. */
export const hashField = (index: number): Uint8Array => new TextEncoder().encode(`f${String(index).padStart(2, '0')}`);

/** The values of fields f01..fNN in order, or an error text when the fields are not exactly those. */
export function hashFieldValues(fields: readonly (readonly [Uint8Array, Uint8Array])[]): Uint8Array[] | string {
  const byName = new Map(fields.map(([field, value]) => [new TextDecoder('latin1').decode(field), value]));
  const values: Uint8Array[] = [];
  for (let i = 1; i <= byName.size; i++) {
    const value = byName.get(new TextDecoder('latin1').decode(hashField(i)));
    if (value === undefined) return `fields ${[...byName.keys()].sort().join(',')} are not f01..f${String(byName.size).padStart(2, '0')}`;
    values.push(value);
  }
  return values;
}

export class Divergence extends Error {
  override readonly name = 'Divergence';
}

/** Engine key bytes for a model key: "3/name" is `name` in database 3, a key without "/" is in database 0. */
export const keyBytes = (key: Key): Uint8Array => new TextEncoder().encode(key.includes('/') ? key.slice(key.indexOf('/') + 1) : key);
export const keyDb = (key: Key): number => (key.includes('/') ? Number(key.slice(0, key.indexOf('/'))) : 0);
/** The model key of an engine key in a database (the inverse of keyBytes/keyDb). */
export const modelKey = (db: number, bytes: Uint8Array): Key => {
  const name = new TextDecoder('latin1').decode(bytes);
  return db === 0 && !name.includes('/') ? name : `${db}/${name}`;
};

export class PairedRun {
  readonly engine: Engine;
  readonly codec: ChunkCodec;
  /** The engine's clock: ExpireDelCommand moves it past a key's expiry. */
  readonly clock = new ManualClock(1_700_000_000_000);
  model: ModelState;
  readonly trace: TraceEvent[] = [];
  readonly dumpChunks: Uint8Array[] = [];
  /** Model steps taken per action, for the figures in docs/model-based-tests.md. */
  readonly actionCounts = Object.fromEntries(ACTION_NAMES.map((name) => [name, 0])) as Record<ActionName, number>;
  /** DEVIATION (docs/model-based-tests.md): keys made dirty in the engine by an APPEND's copies only. */
  readonly appendDirty = new Set<Key>();
  deviations = { appendDirtyFirst: 0, engineOom: 0, engineAllocFail: 0, modelQueueDrained: 0 };
  engineCommands = 0;
  /** This dump's DumpStep events in order; observe.ts fills in `written` from the engine's RDB output. */
  readonly dumpStepEvents: { -readonly [F in keyof TraceEvent]: TraceEvent[F] }[] = [];
  private readonly events: (EngineEvent & { dumpedKey?: Key })[] = [];
  private readonly relaxedDirtyFirst: ModelConfig;

  constructor(readonly config: PairedConfig) {
    const { model } = config;
    this.codec = chunkCodec(config.blockSizeBytes, model.vals);
    this.model = initialState(model);
    this.relaxedDirtyFirst = { ...model, bug: 'CleanFirst' };
    const keyOfNode = (node: BlockIndex): Key => this.keyOfNode(node);
    this.engine = new Engine({
      blockSizeBytes: config.blockSizeBytes,
      initialBlocks: 64,
      ...(config.maxBlocks !== undefined ? { maxBlocks: config.maxBlocks } : {}),
      clock: this.clock,
      copyBound: this.engineCopyBound,
      // Model LazyFreeThreshold counts chain blocks; the engine's estimate adds the value header.
      lazyFreeThresholdBlocks: model.lazyFreeThreshold + 1,
      // The engine names the key it wrote; the node must be the key's (its key chain may be freed right after).
      tracer: (event) => this.events.push(event.action === 'DumpStep' ? { ...event, dumpedKey: dumpedKeyOf(event, keyOfNode) } : event),
    });
  }

  /** Keyspace node -> model key, refreshed after every command: a held node's key chain may already be freed. */
  private readonly nodeKeys = new Map<number, Key>();
  private readonly sideEffectFreeResolve = (block: BlockIndex): BlockIndex => block;

  private refreshNodeKeys(): void {
    for (const key of this.keys) {
      // A resolver other than identityResolver takes the keyspace's search without its caches.
      const node = this.engine.core.keyspace.find(keyDb(key), keyBytes(key), this.sideEffectFreeResolve);
      if (node !== 0) this.nodeKeys.set(node, key);
    }
  }

  private keyOfNode(node: BlockIndex): Key {
    return this.nodeKeys.get(node) ?? `?/${new TextDecoder('latin1').decode(readEntryKey(this.engine.store, node))}`;
  }

  get keys(): readonly Key[] {
    return this.config.model.keys;
  }

  get engineCopyBound(): number {
    return this.config.engineCopyBound ?? this.config.model.copyBound;
  }

  get lists(): boolean {
    return this.config.valueType === 'list';
  }

  get hashes(): boolean {
    return this.config.valueType === 'hash';
  }

  /** Chunks of list elements or hash field values (in field order) as one model value, or an error text. */
  chunksOf(elements: readonly Uint8Array[]): Val[] | string {
    const vals = elements.map((element) => this.codec.decodeChunk(element));
    return vals.find((val) => typeof val === 'string' && !this.config.model.vals.includes(val)) as string | undefined ?? (vals as Val[]);
  }

  /** What the engine holds for a key, as model chunks (null for an absent key), or an error text. */
  engineValue(key: Key): Val[] | null | string {
    const db = keyDb(key);
    if (this.lists || this.hashes) {
      const elements = this.lists ? this.engine.lrange(db, keyBytes(key), 0, -1) : hashFieldValues(this.engine.hgetall(db, keyBytes(key)));
      this.engine.endCommand();
      return typeof elements === 'string' ? elements : elements.length === 0 ? null : this.chunksOf(elements);
    }
    const bytes = this.engine.get(db, keyBytes(key));
    this.engine.endCommand();
    return bytes === null ? null : this.codec.decode(bytes);
  }

  valueOf(key: Key): Val[] {
    return this.model.ks.get(key)!.map((block) => this.model.mem[block - 1]!);
  }

  /**
   * Runs one engine operation and mirrors it: `own` is the command's model action (null for dump and
   * free commands, whose model steps come from the engine's events). Returns false when the engine
   * reported out-of-memory (the model is then left unchanged, as the spec's AllocFail leaves it).
   */
  step(own: Action | null, operation: (engine: Engine) => void, label: string, metadataCopies = 0): boolean {
    // The model's blocks are a generous fixed pool; give it back what its queue holds before it runs dry.
    if (this.model.freeList.length < this.config.model.maxLen + this.config.model.copyBound + 2) this.drainModelQueue();
    this.mirrorBackground(`before ${label}`);
    const lengthBefore = own !== null && 'key' in own ? this.model.ks.get(own.key)!.length : 0;
    const copiesBefore = this.engine.dumper?.counters().copiesMade ?? 0;
    this.engineCommands++;
    let oom = false;
    try {
      operation(this.engine);
    } catch (error) {
      if (!(error instanceof OutOfMemoryError)) throw error;
      oom = true;
    } finally {
      this.engine.endCommand();
    }
    this.checkWriterEvents(own, lengthBefore, oom, label);
    for (const event of this.events) this.mirror(event, own, label);
    this.linearizeKeyInProgress(label);
    if (oom) {
      this.deviations.engineOom++;
      // spec NoFalseOOM: an allocation fails only when nothing is queued for lazy free.
      const lazy = this.engine.lazyFreeCounters();
      if (lazy.pendingObjects + lazy.inProgress > 0) throw new Divergence(`${label}: out-of-memory while ${lazy.pendingObjects} objects were queued for lazy free (NoFalseOOM)`);
    } else if (own !== null) {
      this.take(own, label);
      if (own.name === 'AppendBlock' && this.copiesSince(copiesBefore) > 0 && todo(this.model).includes(own.key)) this.appendDirty.add(own.key);
    }
    this.checkEngineCopies(own, label, lengthBefore, metadataCopies, this.copiesSince(copiesBefore));
    this.events.length = 0;
    this.refreshNodeKeys();
    if (this.engine.lazyFreeCounters().pendingObjects === 0) this.drainModelQueue();
    return !oom;
  }

  /**
   * spec CopyOnlyWhatChanges on the engine's side: one command copies at most the blocks it changes.
   * DEVIATION: the engine's blocks are finer than the spec's, so the bound counts them: SETRANGE of
   * one chunk changes the value header (length, encoding) and one chain block; APPEND the header and
   * the last chain block's next link; SET over an existing key the keyspace entry (its value link).
   */
  private copiesSince(copiesBefore: number): number {
    const now = this.engine.dumper?.counters().copiesMade ?? 0;
    return now >= copiesBefore ? now - copiesBefore : now; // a new dump began in between: its counter starts at 0
  }

  /**
   * The engine's own trace names the writer's spec action of each command (docs/action-map.md): the
   * same action on the same key. The list and hash profiles spell the model's Set as DEL + RPUSH/HSET
   * to a new key, which the engine traces as Del (if the key was there) and Set.
   */
  private checkWriterEvents(own: Action | null, lengthBefore: number, oom: boolean, label: string): void {
    const writes = this.events.filter((event) => WRITER_ACTIONS.has(event.action));
    const traced = writes.map((event) => `${event.action}(${modelKey(Number(event.db), event.key as Uint8Array)})`);
    let expected: string[] = [];
    if (!oom && own !== null && 'key' in own && own.name !== 'Unlink') {
      expected = own.name === 'Set' && (this.lists || this.hashes) && lengthBefore > 0 ? [`Del(${own.key})`, `Set(${own.key})`] : [`${own.name}(${own.key})`];
    }
    if (JSON.stringify(traced) !== JSON.stringify(expected)) throw new Divergence(`${label}: the engine traced ${JSON.stringify(traced)} for the model's ${own === null ? 'no writer action' : describe(own)}, expected ${JSON.stringify(expected)}`);
  }

  private checkEngineCopies(own: Action | null, label: string, lengthBefore: number, metadataCopies: number, copies: number): void {
    const changed = own === null ? 0 : own.name === 'WriteBlock' || own.name === 'AppendBlock' ? 2 : own.name === 'Set' ? 1 : 0;
    // A new hash field is a tree insert: every ancestor's count changes (and a rotation's links), so up to every existing node plus the header.
    const treeInsert = this.hashes && own?.name === 'AppendBlock' ? 1 + lengthBefore : 0;
    if (copies > Math.max(changed, treeInsert) + metadataCopies) throw new Divergence(`${label}: the engine made ${copies} copies for a command that changes ${changed} existing blocks (CopyOnlyWhatChanges)`);
    // Every copy the spec makes, the engine makes too (plus its headers and links): never fewer.
    if (!this.engine.dumping) return; // a dump that ended or aborted holds none; observe() compares `dumping`
    if (this.lists) return; // one list node holds several model blocks: one engine copy may stand for several
    const held = this.engine.dumpCounters().copiesHeld;
    if (held < this.model.copies.size) throw new Divergence(`${label}: the engine holds ${held} copies, fewer than the model's ${this.model.copies.size}`);
  }

  /**
   * Events the engine emitted outside step(): a dump run by src/engine/snapshot/dump-file.ts between
   * turns of the event loop (thread-run.ts). They are mirrored before the next command.
   */
  mirrorBackground(label: string): void {
    for (const event of this.events) this.mirror(event, null, label);
    this.events.length = 0;
    this.linearizeKeyInProgress(label);
  }

  /** One engine event as model transitions. */
  private mirror(event: EngineEvent & { dumpedKey?: Key }, own: Action | null, label: string): void {
    switch (event.action) {
      case 'DumpBegin': this.take({ name: 'DumpBegin' }, label); break;
      case 'DumpStep': this.takeDumpStep(event.dumpedKey!, label); break;
      case 'DumpEnd': this.take({ name: 'DumpEnd' }, label); break;
      case 'FreeStep': this.freeModelBlocks(Number(event.blocks)); break;
      // The writer's own actions: checked against the command's in step() (checkWriterEvents), taken there.
      case 'Set': case 'WriteBlock': case 'AppendBlock': case 'Del':
        if (own === null) throw new Divergence(`${label}: the engine traced ${event.action} outside a writer command`);
        break;
      // DEVIATION: the model's pool of blocks is generous, so its AllocFail is not enabled here; the
      // engine's is checked against NoFalseOOM (nothing queued) and must leave everything unchanged.
      case 'AllocFail':
        if (Number(event.queuedObjects ?? 0) > 0) throw new Divergence(`${label}: AllocFail with ${String(event.queuedObjects)} objects queued (NoFalseOOM)`);
        this.deviations.engineAllocFail++;
        break;
      case 'Unlink': case 'FlushAsync':
        if (own?.name !== event.action) throw new Divergence(`${label}: the engine traced ${event.action} during ${own?.name ?? 'a dump or free step'}`);
        break;
      default: throw new Divergence(`${label}: unexpected engine event ${JSON.stringify(event)}`);
    }
  }

  /**
   * DEVIATION: the spec's DumpStep(k) is atomic; the engine writes a key over several dumpStep calls
   * while the writer runs between them. A key's output is its snapshot whenever it is read (copies),
   * so its DumpStep is linearized when the engine STARTS it: here, before the command's own write.
   * The engine traces a key when it has written it, so the test asks the inline walk for the key in
   * progress (`inlineWalk.currentNode`). A worker dump has no such peek; the dump-worker runner's values
   * are small strings, which the walk writes whole within one step.
   */
  private linearizeKeyInProgress(label: string): void {
    const node = this.keyInProgressNode();
    if (node === null) return;
    const key = this.keyOfNode(node);
    if (!this.model.out.some(([written]) => written === key)) this.takeDumpStep(key, `${label} (key ${key} started)`);
  }

  /** The keyspace node the engine's dump is in the middle of writing, or null. */
  keyInProgressNode(): BlockIndex | null {
    return this.engine.dumper?.inlineWalk?.currentNode ?? null;
  }

  private takeDumpStep(key: Key, label: string): void {
    // Already taken when the engine started the key (linearizeKeyInProgress).
    if (this.model.out.some(([written]) => written === key) && todo(this.model).every((k) => k !== key)) return;
    const action: Action = { name: 'DumpStep', key };
    if (apply(this.model, this.config.model, action) !== null || !this.appendDirty.has(key) || !todo(this.model).includes(key)) {
      this.take(action, label);
      return;
    }
    // DEVIATION: an APPEND copied this key's header and last chain block, so the engine counts it as
    // dirty though the model does not. Allowed only for such keys; any other order breaks DirtyFirst.
    this.deviations.appendDirtyFirst++;
    this.take(action, label, this.relaxedDirtyFirst);
  }

  /** The model config for an abort's DumpStep(k): relaxed only for an APPEND-dirty key (see takeDumpStep). */
  relaxedForAbort(key: Key): ModelConfig {
    return this.appendDirty.has(key) ? this.relaxedDirtyFirst : this.config.model;
  }

  /** Applies a model action that the engine performed; it must be enabled. */
  take(action: Action, label: string, config = this.config.model): void {
    const before = this.model;
    const after = apply(before, config, action);
    if (after === null) {
      const why = action.name === 'DumpStep' ? ` (todo ${JSON.stringify(todo(before))}, dirty ${JSON.stringify(dirty(before))})` : '';
      throw new Divergence(`${label}: the engine did ${describe(action)} but the model does not allow it here${why}`);
    }
    const checked = this.config.stepProperties !== false;
    if (checked && !CopyOnlyWhatChanges(before, after)) throw new Divergence(`${label}: ${describe(action)} breaks CopyOnlyWhatChanges in the model`);
    if (checked && config === this.config.model && !DirtyFirst(before, after)) throw new Divergence(`${label}: ${describe(action)} breaks DirtyFirst`);
    this.model = after;
    this.actionCounts[action.name]++;
    if (action.name === 'DumpStep') this.appendDirty.delete(action.key);
    if (action.name === 'DumpEnd') this.appendDirty.clear();
    if (action.name === 'DumpBegin') this.dumpStepEvents.length = 0;
    const event = traceEventOf(action);
    if (action.name === 'DumpStep') this.dumpStepEvents.push(event);
    if (this.config.keepTrace) this.trace.push(event);
  }

  /** FreeStep(b) for up to `count` queued model blocks (any queued block is a legal choice). */
  freeModelBlocks(count: number): void {
    const queued = [...this.model.queue].sort((a, b) => a - b).slice(0, count);
    for (const block of queued) this.take({ name: 'FreeStep', block }, 'FreeStep');
  }

  /** The engine's queue is empty: the model's is emptied too (the engine queues objects, the model blocks). */
  drainModelQueue(): void {
    if (this.model.queue.size > 0) this.deviations.modelQueueDrained++;
    this.freeModelBlocks(this.model.queue.size);
  }
}

const WRITER_ACTIONS: ReadonlySet<string> = new Set(['Set', 'WriteBlock', 'AppendBlock', 'Del']);

/** The model key of a DumpStep event: the engine's key, which must be the key of the node it names. */
function dumpedKeyOf(event: EngineEvent, keyOfNode: (node: BlockIndex) => Key): Key {
  const key = modelKey(Number(event.db), event.key as Uint8Array);
  const byNode = keyOfNode(event.node as BlockIndex);
  if (byNode !== key && !byNode.startsWith('?/')) throw new Divergence(`DumpStep names key ${key} but node ${String(event.node)} holds ${byNode}`);
  return key;
}

function describe(action: Action): string {
  const { name, ...args } = action;
  return `${name}(${Object.values(args).map((a) => JSON.stringify(a)).join(', ')})`;
}

/** The spec-level trace event: the spec's argument names; FreeStep without the block, as the engine logs it. */
function traceEventOf(action: Action): TraceEvent {
  const { name, ...args } = action as Action & { block?: number };
  if (name === 'FreeStep') delete args.block;
  return { action: name, ...args };
}
