/** The plain TypeScript model of spec/Sabre.tla: start here when porting. */
export * from './types.ts';
export * from './actions.ts';
export * from './invariants.ts';
export * from './canonical.ts';
export * from './explore.ts';
export { DumpBegin, DumpEnd, DumpStep } from './cow-dump.ts';
export { FlushAsync, FreeStep, Unlink } from './lazy-free.ts';
export { AllocFail, AppendBlock, Del, Set, WriteBlock } from './writer.ts';
