import type { CheckWalk } from './check.ts';
import type { Clock } from './clock.ts';
import { releaseEntry, type SearchPath } from './entry.ts';
import { Errors } from './errors.ts';
import { NULL_BLOCK, type BlockIndex, type DbIndex } from './ids.ts';
import { Keyspace } from './keyspace.ts';
import { lruClockFor, valueExpireAtMs, valueType, ValueType, writeLru } from './object.ts';
import type { BlockStore } from './store.ts';
import type { Tracer } from './trace.ts';
import { BlockTree } from './tree.ts';
import { releaseHash } from './types/hash.ts';
import { releaseList } from './types/list.ts';
import { releaseSet } from './types/set.ts';
import { releaseString } from './types/string.ts';
import { releaseZset } from './types/zset.ts';

export type ValueReleaser = (core: Core, value: BlockIndex) => void;

export interface MemberSearch extends SearchPath {
  /** value block * 8 + root word of the tree searched, or -1. */
  holder: number;
  member: Uint8Array | null;
  /** Bumped by every structural change of any value tree. */
  version: number;
  recordedVersion: number;
}

/**
 * What every command needs: the block store, the keyspace, the tree used inside values (every write
 * hooked) and the clock. Lookups apply lazy expiry.
 */
export class Core {
  readonly keyspace: Keyspace;
  readonly valueTree: BlockTree;
  private readonly releasers = new Map<ValueType, ValueReleaser>();
  /** The last failed member lookup's descent, reused by the insert that usually follows it (types/members.ts). */
  readonly memberSearch: MemberSearch = { nodes: new Uint32Array(64), sides: new Uint8Array(64), depth: 0, holder: -1, member: null, version: 0, recordedVersion: -1 };
  /**
   * Receives the writer's spec actions (Set, WriteBlock, AppendBlock, Del) with the copies the dump
   * made for each (docs/action-map.md); null when nothing traces, and then no event is ever built.
   */
  tracer: Tracer | null = null;
  /** The copies made since the last writer event (the dump's hook records them only while tracing). */
  takeTracedCopies: () => readonly number[] = () => [];
  /** Walks that check() runs after the keyspace, for blocks held elsewhere (dump, lazy free). */
  readonly checkExtensions: ((walk: CheckWalk) => void)[] = [];
  /** Keys removed because their TTL passed (lazily or by the active cycle), for INFO expired_keys. */
  expiredKeyCount = 0;

  constructor(readonly store: BlockStore, readonly clock: Clock) {
    this.keyspace = new Keyspace(store);
    this.valueTree = new BlockTree(store, store.beforeBlockWrite);
    this.releasers.set(ValueType.String, (core, value) => releaseString(core.store, value));
    this.releasers.set(ValueType.Hash, releaseHash);
    this.releasers.set(ValueType.Set, releaseSet);
    this.releasers.set(ValueType.ZSet, releaseZset);
    this.releasers.set(ValueType.List, releaseList);
  }

  registerReleaser(type: ValueType, releaser: ValueReleaser): void {
    this.releasers.set(type, releaser);
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  /** Reserves the blocks a command may allocate before it mutates anything (throws OOM otherwise). */
  prepare(newBlocks: number, existingBlockWrites = 0): void {
    this.store.prepare(newBlocks, existingBlockWrites);
  }

  isExpired(value: BlockIndex, nowMs = this.nowMs()): boolean {
    const expireAtMs = valueExpireAtMs(this.store, value);
    return expireAtMs !== 0 && expireAtMs <= nowMs;
  }

  /** The keyspace node of a live key (an expired key is deleted first), or 0. Touches the LRU clock. */
  lookupNode(db: DbIndex, key: Uint8Array, touch = true): BlockIndex {
    Keyspace.checkDb(db);
    const node = this.keyspace.find(db, key);
    if (node === NULL_BLOCK) return NULL_BLOCK;
    const value = this.keyspace.valueOf(node);
    const nowMs = this.nowMs();
    if (this.isExpired(value, nowMs)) {
      this.deleteKey(db, key);
      this.expiredKeyCount++;
      return NULL_BLOCK;
    }
    if (touch) writeLru(this.store, value, lruClockFor(nowMs));
    return node;
  }

  lookupValue(db: DbIndex, key: Uint8Array): BlockIndex {
    const node = this.lookupNode(db, key);
    return node === NULL_BLOCK ? NULL_BLOCK : this.keyspace.valueOf(node);
  }

  /** The live value of `key` if it has `type`; 0 if absent; WRONGTYPE otherwise. */
  lookupTyped(db: DbIndex, key: Uint8Array, type: ValueType): BlockIndex {
    const value = this.lookupValue(db, key);
    if (value !== NULL_BLOCK && valueType(this.store, value) !== type) throw Errors.wrongType();
    return value;
  }

  /** Removes the key and releases its node and value. O(log n + value blocks). spec: Del. */
  deleteKey(db: DbIndex, key: Uint8Array): boolean {
    const node = this.keyspace.unlink(db, key);
    if (node === NULL_BLOCK) return false;
    const value = this.keyspace.valueOf(node);
    releaseEntry(this.store, node);
    this.releaseValue(value);
    if (this.tracer !== null) this.traceWrite('Del', db, key);
    return true;
  }

  /** One writer action of the spec, after it happened (only called when tracing). */
  traceWrite(action: 'Set' | 'WriteBlock' | 'AppendBlock' | 'Del', db: DbIndex, key: Uint8Array): void {
    this.tracer?.({ action, db, key: key.slice(), copies: this.takeTracedCopies() });
  }

  releaseValue(value: BlockIndex): void {
    this.memberSearch.version++; // the value's block may be reused: forget searches into it
    const releaser = this.releasers.get(valueType(this.store, value));
    if (releaser === undefined) throw new Error(`no releaser for value type ${valueType(this.store, value)}`);
    releaser(this, value);
  }

  /**
   * Adds a key known to be absent, or repoints an existing node, releasing the old value. spec: Set.
   * The key's expiry becomes the new value's (the expiry index follows).
   */
  storeValue(db: DbIndex, key: Uint8Array, node: BlockIndex, value: BlockIndex): void {
    if (node === NULL_BLOCK) {
      this.keyspace.insert(db, key, value);
    } else {
      const old = this.keyspace.valueOf(node);
      this.keyspace.setValue(db, node, value);
      this.releaseValue(old);
    }
    if (this.tracer !== null) this.traceWrite('Set', db, key);
  }
}
