// Worker entry for TypeScript modules: registers tsx's loader in the new thread (a worker does not
// inherit it), then imports the module named in workerData.entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
