import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ClientState } from './client-state.ts';

/**
 * Client memory, counted and capped as Redis 7's client eviction does: every connection reports
 * the bytes it holds (receive buffer, argument bounds, big arguments, pending replies); when the
 * sum passes maxmemory-clients, the biggest clients are closed first until it is back under.
 * Clients that said CLIENT NO-EVICT ON are left alone, as in Redis.
 *
 * Sabre also has what Redis does not need: its JavaScript heap has a hard limit, and reaching it
 * aborts the process with the dataset. A timer samples heap use (one v8.getHeapStatistics() call,
 * every heapSampleIntervalMs, not per command) and, near the limit, closes the biggest client.
 */

/** What the ledger needs of a connection. */
export interface MemoryAccount {
  readonly client: ClientState;
  /** Bytes this account last reported (kept by the ledger; read-only outside it). */
  accountedByteLength: number;
  /** Whether the client was NO-EVICT at its last report (kept by the ledger). */
  accountedAsExempt: boolean;
  /** Closes the connection now; called at most once. */
  evict(): void;
}

export interface ClientMemoryOptions {
  /** maxmemory-clients in bytes, read at each check (CONFIG SET changes it); 0 = no total cap. */
  readonly totalByteLengthMax: () => number;
  /** Fraction of the V8 heap limit above which the biggest client is closed; 0 turns the watch off. */
  readonly heapUsedFractionMax?: number;
  readonly heapSampleIntervalMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * 85% of the heap limit: V8 spends its last tenths in ever longer full collections before it gives
 * up, so the watch has to act while a collection still frees memory in time.
 */
const defaultHeapUsedFractionMax = 0.85;
const defaultHeapSampleIntervalMs = 100;
/** After a heap eviction, the freed memory shows only after a collection: wait before the next. */
const heapEvictionPauseMs = 500;
/**
 * An evicted client's buffers are freed only when the collector finds them unreachable, and an idle
 * server may not collect for a long time: `bench/pending-requests.ts 64 1048576 -- --maxmemory-clients
 * 512mb` kept 1,068 MB resident after evicting 33 clients. So after evictions the ledger asks for one
 * full collection, at most this often (a full collection of a small heap pauses for milliseconds).
 */
const collectionIntervalMs = 1000;
const collectionDelayMs = 50;

export class ClientMemoryLedger {
  private readonly accounts = new Set<MemoryAccount>();
  private totalByteLength = 0;
  /**
   * Part of the total held by NO-EVICT clients. While the excess is all theirs, nothing can be
   * evicted, and the O(clients) scan for the biggest is skipped instead of running on every read.
   */
  private exemptByteLength = 0;
  private evictedCount = 0;
  private heapTimer: NodeJS.Timeout | null = null;
  private heapEvictionAfterMs = 0;
  private collectionTimer: NodeJS.Timeout | null = null;
  private lastCollectionMs = 0;

  constructor(private readonly options: ClientMemoryOptions) {
    const fraction = options.heapUsedFractionMax ?? defaultHeapUsedFractionMax;
    if (fraction > 0) {
      this.heapTimer = setInterval(() => this.checkHeap(fraction), options.heapSampleIntervalMs ?? defaultHeapSampleIntervalMs);
      this.heapTimer.unref();
    }
  }

  /** Sum of what every connection holds, in bytes. */
  get accountedByteLength(): number {
    return this.totalByteLength;
  }

  /** INFO stats evicted_clients: clients closed by the total cap or the heap watch. */
  get evictedClientCount(): number {
    return this.evictedCount;
  }

  open(account: MemoryAccount): void {
    account.accountedByteLength = 0;
    account.accountedAsExempt = false;
    this.accounts.add(account);
  }

  close(account: MemoryAccount): void {
    if (!this.accounts.delete(account)) return;
    this.totalByteLength -= account.accountedByteLength;
    if (account.accountedAsExempt) this.exemptByteLength -= account.accountedByteLength;
    account.accountedByteLength = 0;
  }

  /** A connection's new figure. O(1) unless the total is over the cap. */
  report(account: MemoryAccount, byteLength: number): void {
    if (!this.accounts.has(account)) return;
    this.totalByteLength += byteLength - account.accountedByteLength;
    if (account.accountedAsExempt) this.exemptByteLength -= account.accountedByteLength;
    account.accountedByteLength = byteLength;
    account.accountedAsExempt = account.client.noEvict;
    if (account.accountedAsExempt) this.exemptByteLength += byteLength;
    const capByteLength = this.options.totalByteLengthMax();
    if (capByteLength > 0 && this.totalByteLength > capByteLength) this.evictOver(capByteLength);
  }

  /** Re-checks the cap (after CONFIG SET lowered it). */
  enforce(): void {
    const capByteLength = this.options.totalByteLengthMax();
    if (capByteLength > 0 && this.totalByteLength > capByteLength) this.evictOver(capByteLength);
  }

  stop(): void {
    if (this.heapTimer !== null) clearInterval(this.heapTimer);
    this.heapTimer = null;
    if (this.collectionTimer !== null) clearTimeout(this.collectionTimer);
    this.collectionTimer = null;
  }

  private evictOver(capByteLength: number): void {
    if (this.exemptByteLength >= this.totalByteLength) return;
    const candidates = [...this.accounts].filter((account) => !account.client.noEvict && account.accountedByteLength > 0);
    candidates.sort((a, b) => b.accountedByteLength - a.accountedByteLength);
    for (const account of candidates) {
      if (this.totalByteLength <= capByteLength) break;
      this.evict(account, `client memory ${this.totalByteLength} bytes > maxmemory-clients ${capByteLength}`);
    }
  }

  private checkHeap(fraction: number): void {
    const nowMs = Date.now();
    if (nowMs < this.heapEvictionAfterMs) return;
    const heap = getHeapStatistics();
    if (heap.used_heap_size <= heap.heap_size_limit * fraction) return;
    // DEVIATION: no Redis counterpart; the heap limit is a crash, not a policy, so a NO-EVICT
    // client is closed too when it is the biggest left.
    let biggest: MemoryAccount | null = null;
    for (const account of this.accounts) {
      if (account.accountedByteLength === 0) continue;
      if (biggest === null || rank(account) > rank(biggest)) biggest = account;
    }
    if (biggest === null) return;
    this.evict(biggest, `heap ${heap.used_heap_size} of ${heap.heap_size_limit} bytes used`);
    this.heapEvictionAfterMs = nowMs + heapEvictionPauseMs;
  }

  private evict(account: MemoryAccount, reason: string): void {
    this.options.log?.(`Evicting client id=${account.client.id} addr=${account.client.remoteAddress} tot-mem=${account.accountedByteLength}: ${reason}`);
    this.close(account);
    this.evictedCount++;
    account.evict();
    this.scheduleCollection();
  }

  /** One full collection soon after evictions (sockets closed by then), at most once a second. */
  private scheduleCollection(): void {
    if (this.collectionTimer !== null) return;
    const delayMs = Math.max(collectionDelayMs, this.lastCollectionMs + collectionIntervalMs - Date.now());
    this.collectionTimer = setTimeout(() => {
      this.collectionTimer = null;
      this.lastCollectionMs = Date.now();
      fullCollection()?.();
    }, delayMs);
    this.collectionTimer.unref();
  }
}

let collector: (() => void) | null | undefined;

/**
 * V8's full collection, made reachable the first time it is needed (--expose-gc set at run time
 * shows `gc` in contexts made after it); null if this Node refuses.
 */
function fullCollection(): (() => void) | null {
  if (collector !== undefined) return collector;
  try {
    setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as () => void;
  } catch {
    collector = null;
  }
  return collector;
}

/** Heap-watch order: evictable clients before NO-EVICT ones, then by size. */
function rank(account: MemoryAccount): number {
  return account.accountedByteLength + (account.client.noEvict ? 0 : Number.MAX_SAFE_INTEGER / 2);
}

/**
 * DEVIATION: Redis's maxmemory-clients defaults to 0 (no cap) because its heap is the machine's.
 * Sabre's V8 heap has a fixed limit that Node sizes from the machine's memory, so it stands in for
 * "the memory this process may use": clients may hold half of it by default, which leaves the other
 * half for the command logic and replies in flight. Client buffers live outside the V8 heap (Buffer
 * backing stores), so the cap bounds resident memory; the heap watch bounds the heap itself.
 */
export function defaultClientMemoryByteLengthMax(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / 2);
}
