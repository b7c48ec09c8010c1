import { Worker } from 'node:worker_threads';
import type { ShutdownMode } from './context.ts';
import type { LogicToSupervisor, LogicWorkerData, SupervisorToLogic } from './logic-messages.ts';
import type { Settings } from './settings.ts';
import { StartupError, type CarriedState } from './start.ts';

const bootstrapUrl = new URL('../engine/workers/bootstrap.mjs', import.meta.url);
const entryUrl = new URL('./logic-worker.ts', import.meta.url).href;

interface Running {
  readonly worker: Worker;
  port: number;
  /** Resolves with the carried state when the worker's server has stopped. */
  readonly stopped: Promise<CarriedState>;
  /** Set while stop() waits: the worker could not stop (its final save failed) or crashed. */
  rejectStop: ((error: Error) => void) | null;
}

/**
 * Seed 000's data/logic separation with a real process boundary inside the process: the main
 * thread keeps the SharedArrayBuffer and nothing else; the command logic runs in a worker that
 * can be replaced (DEBUG RESTART-LOGIC, SIGHUP) or that dies, and a new worker attaches to the
 * same buffer. Clients of the old worker are disconnected and reconnect; every write they saw
 * acknowledged is in the buffer, because the worker stops only between commands.
 */
export class LogicSupervisor {
  private running: Running | null = null;
  private sharedBuffer: SharedArrayBuffer | null = null;
  private restarting: Promise<void> | null = null;
  private stopRequested = false;
  private resolveFinished!: () => void;
  /** Resolves when the server stopped for good (SHUTDOWN, or stop()). */
  readonly finished = new Promise<void>((resolve) => (this.resolveFinished = resolve));
  restarts = 0;
  /** Why the server stopped when it could not go on (a crashed worker whose data failed its check). */
  failure: string | null = null;

  private constructor(private readonly settings: Settings, private readonly log: (line: string) => void) {}

  static async start(settings: Settings, log: (line: string) => void): Promise<LogicSupervisor> {
    const supervisor = new LogicSupervisor({ ...settings }, log);
    supervisor.running = await supervisor.spawn(undefined);
    return supervisor;
  }

  get port(): number {
    return this.running?.port ?? this.settings.port;
  }

  /** Replaces the logic worker; resolves when the new one listens. */
  restart(): Promise<void> {
    this.restarting ??= (async () => {
      try {
        const old = this.running;
        if (old === null) return;
        this.post(old.worker, { type: 'stop', mode: 'nosave' });
        const carried = await old.stopped;
        await old.worker.terminate();
        this.running = await this.spawn({ carried, verify: false });
        this.restarts++;
        this.log(`Command logic replaced (${this.restarts} so far); the dataset stayed in the buffer`);
      } finally {
        this.restarting = null;
      }
    })();
    return this.restarting;
  }

  /**
   * Shuts the server down the way SHUTDOWN with `mode` does. Rejects, leaving the worker serving,
   * when the worker's final save fails (as Redis, which then keeps running).
   */
  async stop(mode: ShutdownMode): Promise<void> {
    this.stopRequested = true;
    await this.restarting?.catch(() => undefined);
    const current = this.running;
    if (current !== null) {
      const failed = new Promise<never>((_resolve, reject) => (current.rejectStop = reject));
      this.post(current.worker, { type: 'stop', mode });
      try {
        await Promise.race([current.stopped, failed]);
      } catch (error) {
        this.stopRequested = false;
        throw error;
      } finally {
        current.rejectStop = null;
      }
      await current.worker.terminate();
    }
    this.resolveFinished();
  }

  private post(worker: Worker, message: SupervisorToLogic): void {
    worker.postMessage(message);
  }

  private spawn(attach: { carried: CarriedState; verify: boolean } | undefined): Promise<Running> {
    const data: LogicWorkerData = {
      entry: entryUrl,
      settings: this.settings,
      ...(attach !== undefined && this.sharedBuffer !== null ? { attach: { sharedBuffer: this.sharedBuffer, ...attach } } : {}),
    };
    const worker = new Worker(bootstrapUrl, { workerData: data });
    let carriedOnStop: CarriedState | null = null;
    let resolveStopped!: (carried: CarriedState) => void;
    const stopped = new Promise<CarriedState>((resolve) => (resolveStopped = resolve));
    return new Promise<Running>((resolve, reject) => {
      let ready = false;
      const running: Running = { worker, port: 0, stopped, rejectStop: null };
      worker.on('message', (message: LogicToSupervisor) => {
        switch (message.type) {
          case 'ready':
            ready = true;
            running.port = message.port;
            // A restarted worker must listen where the first one did, even after --port 0.
            this.settings.port = message.port;
            this.sharedBuffer = message.sharedBuffer;
            resolve(running);
            break;
          case 'log':
            this.log(message.line);
            break;
          case 'restart-requested':
            this.restart().catch((error: unknown) => this.log(`logic restart failed: ${error instanceof Error ? error.message : String(error)}`));
            break;
          case 'stopped':
            carriedOnStop = message.carried;
            resolveStopped(message.carried);
            // SHUTDOWN from a client: the server is done, not being replaced.
            if (this.restarting === null && !this.stopRequested) {
              this.stopRequested = true;
              worker.terminate().finally(() => this.resolveFinished());
            }
            break;
          case 'stop-failed':
            this.log(`stop failed: ${message.message}`);
            running.rejectStop?.(new Error(message.message));
            break;
          case 'failed':
            if (!ready) reject(message.startup ? new StartupError(message.message) : new Error(message.message));
            else this.log(`logic worker failed: ${message.message}`);
            break;
        }
      });
      worker.on('error', (error) => {
        if (!ready) {
          reject(error);
          return;
        }
        this.log(`logic worker crashed: ${error.message}`);
        if (running.rejectStop !== null) {
          // Crashed during its shutdown: nothing was saved, so the data is kept serving by a new worker.
          running.rejectStop(new Error(`the logic worker crashed while shutting down: ${error.message}`));
          this.stopRequested = false;
        }
        this.recoverFromCrash(running, carriedOnStop);
      });
    });
  }

  /** A worker that died between or inside a command: a new one attaches after walking the buffer. */
  private recoverFromCrash(crashed: Running, carried: CarriedState | null): void {
    if (this.stopRequested || this.running !== crashed) return;
    const fallback: CarriedState = carried ?? {
      dirty: 1, lastSaveUnixSec: 0, lastSaveStatus: 'ok', savesCompleted: 0, logicRestarts: this.restarts,
      commandsProcessed: 0, expiredKeys: 0, startedAtMs: Date.now(),
    };
    this.restarting = (async () => {
      try {
        this.running = await this.spawn({ carried: fallback, verify: true });
        this.restarts++;
        this.log('Command logic restarted after a crash; the dataset passed its check');
      } catch (error) {
        this.failure = `cannot restart the command logic: ${error instanceof Error ? error.message : String(error)}`;
        this.log(this.failure);
        this.stopRequested = true;
        this.resolveFinished();
      } finally {
        this.restarting = null;
      }
    })();
  }
}
