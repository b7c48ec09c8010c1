/**
 * Shrunk failures of the model-based suite, pinned as plain command lists (docs/model-based-tests.md).
 */
import { describe, expect, it } from 'vitest';
import { modelConfigFor, PROFILES } from './campaign.ts';
import { DumpBeginCommand, DumpEndCommand, DumpStepCommand, SetCommand } from './commands.ts';
import { PairedRun } from './paired-run.ts';

describe('model-based regressions', () => {
  // SABRE_PROFILE=memory-pressure SABRE_SEED=2034831873 SABRE_PATH=15:0:3:3:12:12:22:27:13:2:12:12:12:13:13
  // The engine starts writing `a`, SET makes `d` dirty, the engine finishes `a`: correct, because a key's
  // DumpStep takes effect when the engine starts it (DEVIATION: linearized at the start, not the finish).
  it('accepts a key finished after another key became dirty while it was being written', () => {
    const profile = PROFILES.find((p) => p.name === 'memory-pressure')!;
    const run = new PairedRun({ model: modelConfigFor(profile, 3), blockSizeBytes: 64, maxBlocks: 64, keepTrace: true });
    const commands = [new SetCommand('d', 1), new SetCommand('a', 1), new DumpBeginCommand(), new DumpStepCommand(1), new SetCommand('d', 2), new DumpStepCommand(1), new DumpEndCommand()];
    for (const command of commands) command.run(run, run); // each compares engine and model; a Divergence throws
    expect(run.model.out).toEqual([['a', [1]], ['d', [1]]]);
  });
});
