/** Spawns the `sabre` bin the way a user does and waits for it to listen (test helper). */
import { freePort, type ReadyProcess, spawnUntilReady } from '../../support/spawn-ready.ts';

export { freePort };
export type SabreProcess = ReadyProcess;

/** Runs `command args` from the repository root and resolves once it prints that it is ready. */
export async function spawnSabre(command: string, args: string[], cwd: string): Promise<SabreProcess> {
  return spawnUntilReady('sabre', command, args, { cwd, timeoutMs: 60_000 });
}
