/** Messages between the command thread and the background workers (typed unions, no untyped payloads). */

export interface FreerWorkerData {
  readonly entry: string;
  readonly sab: SharedArrayBuffer;
  /** Blocks per FreeStep batch. */
  readonly budgetBlocks: number;
  /** Test hook: throw after freeing this many blocks (simulates a crash). */
  readonly crashAfterBlocks?: number;
}

export type FreerToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'stopped'; readonly freedBlocks: number }
  | { readonly type: 'failed'; readonly message: string };

export interface DumpWorkerData {
  readonly sab: SharedArrayBuffer;
  /** The writer -> worker inbox (src/engine/snapshot/record-ring.ts). */
  readonly ringSab: SharedArrayBuffer;
  /** Worker -> writer ring of the walk's trace events, when the engine traces (src/engine/trace.ts). */
  readonly trace: { readonly records: SharedArrayBuffer; readonly bytes: SharedArrayBuffer } | null;
  /** [abortRequested]: set by the host to stop the dump (the worker aborts it and removes its file). */
  readonly controlSab: SharedArrayBuffer;
  readonly start: import('../snapshot/dump-walker.ts').WalkBegin;
  readonly targetPath: string;
  /** The temporary file the worker writes before the rename (the host removes it if the worker dies). */
  readonly tempPath: string;
  /** Blocks per DumpStep: the longest the writer may wait for the worker's turn. */
  readonly stepBlocks: number;
  /** performance.timeOrigin + performance.now() at DumpBegin, for the time to the first byte. */
  readonly beganAtMs: number;
  readonly engineBugs: readonly import('../bugs.ts').EngineBug[];
  /** Test hook: die (process.exit inside a step, holding the turn) at this step. */
  readonly crashAtStep?: number;
  /** Test hook: fail writes once this many bytes were written (a full disk). */
  readonly failWriteAfterBytes?: number;
}

export type DumpWorkerToHost =
  /** Loaded and waiting for its dump. */
  | { readonly type: 'ready' }
  /** Objects the walk gave back, as [kind, block] pairs (src/engine/snapshot/dump-inbox.ts Release). */
  | { readonly type: 'release'; readonly records: readonly number[] }
  | { readonly type: 'done'; readonly bytesWritten: number; readonly firstByteMs: number }
  | { readonly type: 'failed'; readonly message: string };
