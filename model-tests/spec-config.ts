/** A model config read from a TLC .cfg file, so the model always runs with the spec's constants. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { specDir } from '../scripts/tlc.ts';
import { BUG_NAMES, type BugName, type ModelConfig } from '../src/model/types.ts';
import { parseTlaValue } from './tla-values.ts';

export function readConstants(configFile: string): Map<string, unknown> {
  const text = readFileSync(join(specDir, configFile), 'utf8');
  const constants = new Map<string, unknown>();
  const block = /CONSTANTS?\s*\n([\s\S]*?)(?:\n[A-Z_]+\s|\n*$)/.exec(text);
  for (const line of (block?.[1] ?? '').split('\n')) {
    const assignment = /^\s*(\w+)\s*=\s*(.+?)\s*$/.exec(line.replace(/\\\*.*$/, ''));
    if (assignment) constants.set(assignment[1]!, parseTlaValue(assignment[2]!));
  }
  return constants;
}

export function modelConfigOf(configFile: string): ModelConfig {
  const c = readConstants(configFile);
  const bug = c.get('Bug') as string;
  if (!(BUG_NAMES as readonly string[]).includes(bug)) throw new Error(`${configFile}: unknown Bug ${bug}`);
  return {
    keys: c.get('Keys') as string[],
    vals: c.get('Vals') as number[],
    blockCount: c.get('BlockCount') as number,
    maxLen: c.get('MaxLen') as number,
    copyBound: c.get('CopyBound') as number,
    lazyFreeThreshold: c.get('LazyFreeThreshold') as number,
    bug: bug as BugName,
  };
}
