/** Starts an in-process Sabre on a free port with a temp dir (test helper, not a test file). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultSettings, startSabre, type SabreInstance, type Settings } from '../../../src/commands/index.ts';

export interface TestSabre {
  readonly instance: SabreInstance;
  readonly port: number;
  readonly dir: string;
  readonly logs: string[];
  /** Stops without saving and removes the directory unless `keepDir`. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

export async function makeDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function startTestSabre(overrides: Partial<Settings> = {}, dir?: string): Promise<TestSabre> {
  const directory = dir ?? (await makeDir('sabre-test-'));
  const settings: Settings = { ...defaultSettings(), port: 0, dir: directory, save: [], ...overrides };
  const logs: string[] = [];
  const instance = await startSabre(settings, { log: (line) => logs.push(line) });
  return {
    instance,
    port: instance.server.port,
    dir: directory,
    logs,
    stop: async (options = {}) => {
      await instance.stop('nosave');
      if (!options.keepDir) await rm(directory, { recursive: true, force: true });
    },
  };
}
