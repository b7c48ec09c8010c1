import { Errors } from './errors.ts';

/**
 * SCAN cursors. A cursor names the last element a call examined; the next call resumes at the first
 * element strictly after it in the tree's order. Elements are visited in increasing order and each
 * call starts after the previous call's last, so every element present for the whole iteration is
 * returned, whatever is inserted or deleted between calls (a rank cursor would skip one element per
 * deletion before it).
 *
 * The cursor is an unsigned 64-bit integer string as Redis requires; it is an id in this table
 * (ids count up from 1; "0" starts and ends an iteration). The table keeps the most recent
 * `capacity` cursors; an id that is unknown (evicted, or made up) is read as a rank, which still
 * terminates but loses the guarantee (documented in docs/engine.md).
 */
export type CursorKind = 'keys' | 'hash' | 'set' | 'zset';

export interface CursorPosition {
  kind: CursorKind;
  last: Uint8Array;
  /** Rank of the element after `last` when issued; read only by the seeded bug scan-skips-after-delete. */
  nextRank: number;
}

export type ParsedCursor = { start: true } | { start: false; position: CursorPosition } | { start: false; rank: number };

const UINT64_MAX = 2n ** 64n - 1n;

export class ScanCursors {
  private readonly positions = new Map<bigint, CursorPosition>();
  private nextId = 1n;

  constructor(private readonly capacity = 65_536) {}

  parse(cursor: string, kind: CursorKind): ParsedCursor {
    if (!/^[0-9]{1,20}$/.test(cursor)) throw Errors.invalidCursor();
    const id = BigInt(cursor);
    if (id > UINT64_MAX) throw Errors.invalidCursor();
    if (id === 0n) return { start: true };
    const position = this.positions.get(id);
    if (position !== undefined && position.kind === kind) return { start: false, position };
    return { start: false, rank: Number(id > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : id) };
  }

  /** Issues the cursor for a call that stopped after `last`. */
  issue(kind: CursorKind, last: Uint8Array, nextRank: number): string {
    const id = this.nextId;
    this.nextId = this.nextId === UINT64_MAX ? 1n : this.nextId + 1n;
    this.positions.set(id, { kind, last, nextRank });
    if (this.positions.size > this.capacity) {
      const oldest = this.positions.keys().next().value as bigint;
      this.positions.delete(oldest);
    }
    return id.toString();
  }
}
