import { Engine, type EngineOptions } from '../engine/engine.ts';
import { EngineError } from '../engine/errors.ts';
import type { SabreServer } from '../server/index.ts';
import type { Persistence } from './persistence.ts';
import type { Settings } from './settings.ts';

/**
 * Holds the Engine object the commands run on. The data lives in the SharedArrayBuffer, not in the
 * Engine object: `restartLogic()` throws the object (and every JavaScript-side cache with it) away
 * and attaches a fresh one to the same buffer — seed 000's data/logic separation.
 */
export class EngineHost {
  engine: Engine;
  restartCount = 0;

  constructor(readonly options: EngineOptions) {
    this.engine = new Engine(options);
  }

  /** Puts an engine built elsewhere (loaded from an RDB) in place of the current one. */
  replaceEngine(engine: Engine): void {
    this.engine = engine;
  }

  /**
   * Replaces the command logic's engine object; the dataset stays in the buffer. Commands run one
   * at a time on this thread, so no command is half-done when this runs and every acknowledged
   * write is already in the buffer. SCAN cursors issued before are forgotten (they are JS state).
   */
  restartLogic(): Engine {
    // The dump's progress (cursor, held blocks, copies) is state of the Engine object.
    if (this.engine.dumping) throw new EngineError('ERR cannot restart the command logic while a background save runs');
    const buffer = this.engine.sharedBuffer;
    const { sharedBuffer: _unused, ...rest } = this.options;
    this.engine = new Engine({ ...rest, sharedBuffer: buffer });
    this.restartCount++;
    return this.engine;
  }
}

export interface Stats {
  commandsProcessed: number;
  /** Writes since the last successful save (Redis's `dirty`). */
  dirty: number;
  expiredKeys: number;
  startedAtMs: number;
}

export type ShutdownMode = 'default' | 'save' | 'nosave';

export interface CommandContext {
  readonly host: EngineHost;
  readonly settings: Settings;
  readonly stats: Stats;
  readonly persistence: Persistence;
  /** Set once the TCP server is up (CONFIG SET requirepass, INFO clients need it). */
  server: SabreServer | null;
  /** Set when the command logic runs in a replaceable worker: asks the supervisor to replace it. */
  readonly requestLogicRestart: (() => void) | null;
  /** Where queued values are freed: the lazy-free worker thread, or the command thread. */
  freerKind: () => 'worker' | 'inline';
  /**
   * SHUTDOWN: saves as asked, stops the server; rejects with the reason when the save failed,
   * unless `force` (SHUTDOWN FORCE), which stops anyway.
   */
  shutdown(mode: ShutdownMode, options?: { readonly force?: boolean }): Promise<void>;
}
