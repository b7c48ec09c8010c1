/**
 * The state of spec/Sabre.tla as plain TypeScript data. Every field is the spec variable of the same
 * name; read docs/spec.md for what each one means. States are treated as immutable: actions return new
 * states and never change the one they are given.
 */
export type Key = string;
/** A chunk value: small naturals at the TLC bounds, any string (e.g. bytes as latin1) at engine scale. */
export type Val = number | string;
/** 1-based, as in the spec; 0 is never a block. */
export type BlockIndex = number;

/** The content of a block on the free list: the abstraction scrubs freed blocks (docs/spec.md). */
export const NO_VAL = 0;

export const BUG_NAMES = [
  'none', 'SkipCopy', 'CopyWhole', 'FreeNeeded', 'ReleaseCopyEarly', 'ReuseQueued', 'LeakOnSet',
  'FreeTwice', 'NoBound', 'CleanFirst', 'FalseOom',
] as const;
export type BugName = (typeof BUG_NAMES)[number];

/** The spec's CONSTANTS. */
export interface ModelConfig {
  readonly keys: readonly Key[];
  readonly vals: readonly Val[];
  readonly blockCount: number;
  readonly maxLen: number;
  readonly copyBound: number;
  readonly lazyFreeThreshold: number;
  readonly bug: BugName;
}

export interface ModelState {
  /** Every key of the config is present; [] means the key does not exist. */
  readonly ks: ReadonlyMap<Key, readonly BlockIndex[]>;
  /** mem[b - 1] is the content of block b. */
  readonly mem: readonly Val[];
  readonly freeList: readonly BlockIndex[];
  readonly queue: ReadonlySet<BlockIndex>;
  readonly dumping: boolean;
  readonly snap: ReadonlyMap<Key, readonly Val[]>;
  readonly view: ReadonlyMap<Key, readonly BlockIndex[]>;
  readonly copies: ReadonlySet<BlockIndex>;
  readonly out: readonly (readonly [Key, readonly Val[]])[];
  readonly oomFalse: boolean;
}

/** spec: Sabre.tla Init */
export function initialState(config: ModelConfig): ModelState {
  const empty = new Map(config.keys.map((key) => [key, [] as readonly never[]]));
  return {
    ks: empty,
    mem: Array.from({ length: config.blockCount }, () => NO_VAL),
    freeList: Array.from({ length: config.blockCount }, (_, i) => i + 1),
    queue: new Set(),
    dumping: false,
    snap: empty,
    view: empty,
    copies: new Set(),
    out: [],
    oomFalse: false,
  };
}
