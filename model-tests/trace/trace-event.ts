/**
 * A trace event: one spec action with the arguments the emitter knew. The engine and the model emit
 * the same shape; an argument the engine cannot name in spec terms (the spec's block number of a
 * FreeStep) is left out and the trace check quantifies over it.
 */
import type { ActionName } from '../../src/model/actions.ts';
import type { Val } from '../../src/model/types.ts';

export interface TraceEvent {
  readonly action: ActionName;
  readonly key?: string;
  /** WriteBlock: 1-based block position in the value. */
  readonly index?: number;
  readonly val?: Val;
  /** FreeStep: the spec's block number, when the emitter knows it. */
  readonly block?: number;
  /** DumpStep: the contents the dump wrote for the key, chunk by chunk. */
  readonly written?: readonly Val[];
}
