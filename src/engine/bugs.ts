/**
 * Seeded engine bugs for the model-based suite (docs/model-based-tests.md, "Seeded bugs"): each name
 * switches one deliberate fault on in one place of the engine, so that the suite can show it finds
 * it. All are off unless a test turns one on; a worker thread gets the switch through its workerData.
 * The check at each site is one Set lookup on a set that is empty in production.
 */
export const ENGINE_BUG_NAMES = [
  /** SETRANGE/APPEND write a snapshot chain block without copying it first. */
  'skip-copy-setrange',
  /** The dump frees a block's copy as soon as the copy is made, before the key is written. */
  'release-copy-early',
  /** A block the writer lets go of is freed at once even when the dump has not read it yet. */
  'free-needed-block',
  /** UNLINK puts a value's first block on the free list while the value is also queued for lazy free. */
  'reuse-queued-block',
  /** A copy is made but not counted among the dump's copies (nor its block among dump copies). */
  'forget-copy-accounting',
  /** The dump's walk resumes by rank instead of by the last key written, so a delete before it skips a key. */
  'lose-dump-place',
  /** SCAN resumes by rank instead of after the last key returned, so deletes before the cursor skip keys. */
  'scan-skips-after-delete',
] as const;

export type EngineBug = (typeof ENGINE_BUG_NAMES)[number];

const enabled = new Set<EngineBug>();

/** True when the bug is switched on (tests only). */
export function engineBug(name: EngineBug): boolean {
  return enabled.size !== 0 && enabled.has(name);
}

/** Switches exactly these bugs on (an empty list switches all off). */
export function setEngineBugs(names: readonly EngineBug[]): void {
  enabled.clear();
  for (const name of names) enabled.add(name);
}

export function enabledEngineBugs(): EngineBug[] {
  return [...enabled];
}
