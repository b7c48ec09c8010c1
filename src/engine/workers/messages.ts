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
