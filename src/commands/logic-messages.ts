import type { ShutdownMode } from './context.ts';
import type { Settings } from './settings.ts';
import type { CarriedState } from './start.ts';

/** Messages between the supervisor (main thread) and the logic worker: typed unions only. */

export interface LogicWorkerData {
  /** The module the bootstrap imports (this folder's logic-worker.ts). */
  readonly entry: string;
  readonly settings: Settings;
  /** Absent for the first worker, which makes the buffer and loads the RDB. */
  readonly attach?: { readonly sharedBuffer: SharedArrayBuffer; readonly carried: CarriedState; readonly verify: boolean };
}

export type SupervisorToLogic = { readonly type: 'stop'; readonly mode: ShutdownMode };

export type LogicToSupervisor =
  | { readonly type: 'ready'; readonly port: number; readonly sharedBuffer: SharedArrayBuffer }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'restart-requested' }
  /** The server has stopped (SHUTDOWN, or a stop message); `carried` goes to the next worker. */
  | { readonly type: 'stopped'; readonly carried: CarriedState }
  | { readonly type: 'stop-failed'; readonly message: string }
  | { readonly type: 'failed'; readonly message: string; readonly startup: boolean };
