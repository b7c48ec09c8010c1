import type { BlockIndex } from '../ids.ts';
import type { DetachedReleaser, DumpInbox } from './dump-walker.ts';
import type { RecordRing } from './record-ring.ts';

/** Record kinds of the writer -> dump worker ring (one per DumpInbox method). */
const Inbox = { Copied: 1, EntryDetached: 2, EntryTakenWhole: 3, TreeDetached: 4, ValueKept: 5 } as const;
/** Release kinds a dump worker sends back (one per DetachedReleaser method). */
export const Release = { Entry: 1, Value: 2, Tree: 3 } as const;

/**
 * The writer's side of the ring to a dump worker. A full ring makes the writer wait for the walk to
 * read it (`waitForRoom`), as a full copy table does: nothing the writer did is ever dropped.
 */
export class RingInbox implements DumpInbox {
  constructor(private readonly ring: RecordRing, private readonly waitForRoom: () => void) {}

  private push(kind: number, a: number, b = 0, c = 0): void {
    while (!this.ring.push(kind, a, b, c)) this.waitForRoom();
  }

  copied(original: BlockIndex, ownerDb: number, ownerNode: BlockIndex): void { this.push(Inbox.Copied, original, ownerDb, ownerNode); }
  entryDetached(db: number, node: BlockIndex): void { this.push(Inbox.EntryDetached, db, node); }
  entryTakenWhole(node: BlockIndex): void { this.push(Inbox.EntryTakenWhole, node); }
  treeDetached(db: number, root: BlockIndex): void { this.push(Inbox.TreeDetached, db, root); }
  valueKept(value: BlockIndex): void { this.push(Inbox.ValueKept, value); }
}

/** The dump worker's side: everything the writer did since the last step, applied in order. */
export function drainInbox(ring: RecordRing, walk: DumpInbox): number {
  return ring.drain((kind, a, b, c) => {
    switch (kind) {
      case Inbox.Copied: walk.copied(a as BlockIndex, b, c as BlockIndex); break;
      case Inbox.EntryDetached: walk.entryDetached(a, b as BlockIndex); break;
      case Inbox.EntryTakenWhole: walk.entryTakenWhole(a as BlockIndex); break;
      case Inbox.TreeDetached: walk.treeDetached(a, b as BlockIndex); break;
      case Inbox.ValueKept: walk.valueKept(a as BlockIndex); break;
      default: throw new Error(`dump inbox: unknown record kind ${kind}`);
    }
  });
}

/** A dump worker's releases, collected during a step and posted after it as [kind, block] pairs. */
export class ReleaseBatch implements DetachedReleaser {
  records: number[] = [];
  releaseEntry(node: BlockIndex): void { this.records.push(Release.Entry, node); }
  releaseValue(value: BlockIndex): void { this.records.push(Release.Value, value); }
  releaseTree(root: BlockIndex): void { this.records.push(Release.Tree, root); }
  take(): number[] {
    const taken = this.records;
    this.records = [];
    return taken;
  }
}

export function applyReleases(records: readonly number[], releaser: DetachedReleaser): void {
  for (let i = 0; i < records.length; i += 2) {
    const block = records[i + 1]! as BlockIndex;
    switch (records[i]) {
      case Release.Entry: releaser.releaseEntry(block); break;
      case Release.Value: releaser.releaseValue(block); break;
      case Release.Tree: releaser.releaseTree(block); break;
      default: throw new Error(`dump release: unknown kind ${records[i]}`);
    }
  }
}
