import type { ActionName } from '../model/actions.ts';

/**
 * One event per spec action the engine performs, named exactly as in spec/Sabre.tla
 * (src/model/actions.ts ACTION_NAMES), with the action's arguments as plain data.
 */
export type TraceEvent = { readonly action: ActionName } & Readonly<Record<string, unknown>>;
export type Tracer = (event: TraceEvent) => void;
