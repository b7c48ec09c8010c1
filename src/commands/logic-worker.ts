/**
 * The command logic on its own thread (`--sabre-logic-worker yes`): the whole server (TCP
 * listener, commands, persistence, timers) runs here over a SharedArrayBuffer that the supervisor
 * on the main thread keeps. Replacing this worker replaces every line of logic, loaded afresh
 * from disk, while the data stays in the buffer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LogicToSupervisor, LogicWorkerData, SupervisorToLogic } from './logic-messages.ts';
import { carriedStateOf, startSabre, StartupError } from './start.ts';

const data = workerData as LogicWorkerData;
const post = (message: LogicToSupervisor): void => parentPort!.postMessage(message);

try {
  const instance = await startSabre(data.settings, {
    log: (line) => post({ type: 'log', line }),
    ...(data.attach !== undefined ? { attach: data.attach } : {}),
    onLogicRestartRequest: () => post({ type: 'restart-requested' }),
  });
  parentPort!.on('message', (message: SupervisorToLogic) => {
    if (message.type === 'stop') {
      instance.stop(message.mode).catch((error: unknown) => post({ type: 'stop-failed', message: error instanceof Error ? error.message : String(error) }));
    }
  });
  instance.stopped.then(() => post({ type: 'stopped', carried: carriedStateOf(instance.context) }));
  post({ type: 'ready', port: instance.server.port, sharedBuffer: instance.context.host.engine.sharedBuffer });
} catch (error) {
  post({ type: 'failed', message: error instanceof Error ? error.message : String(error), startup: error instanceof StartupError });
}
