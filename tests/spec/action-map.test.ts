import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot, specDir } from '../../scripts/tlc.ts';
import { ACTION_NAMES } from '../../src/model/actions.ts';
import * as model from '../../src/model/index.ts';

const read = (file: string) => readFileSync(join(specDir, file), 'utf8');

/** Operators defined at the top level of a module (name at the start of a line, then ==). */
const definedIn = (text: string) => new Set([...text.matchAll(/^([A-Z]\w*)(?:\([^)]*\))?\s*==/gm)].map((m) => m[1]!));

/** Action names of spec/Sabre.tla: operators of the process modules used in its *Next definitions. */
function specActions(): Set<string> {
  const defined = new Set([...definedIn(read('Writer.tla')), ...definedIn(read('CowDump.tla')), ...definedIn(read('LazyFree.tla'))]);
  const sabre = read('Sabre.tla');
  const used = new Set<string>();
  for (const body of sabre.matchAll(/^(?:WriterNext|DumperNext|FreerNext) ==([\s\S]*?)(?=\n\S|\n\n)/gm)) {
    for (const id of body[1]!.matchAll(/\b([A-Z]\w*)\b/g)) if (defined.has(id[1]!)) used.add(id[1]!);
  }
  return used;
}

describe('action map', () => {
  it('has the same actions in the spec and the model', () => {
    expect([...specActions()].sort()).toEqual([...ACTION_NAMES].sort());
  });

  it('gives every action a model function of the same name', () => {
    for (const name of ACTION_NAMES) expect(typeof (model as Record<string, unknown>)[name], name).toBe('function');
  });

  it('lists every action once in docs/action-map.md', () => {
    const doc = readFileSync(join(projectRoot, 'docs/action-map.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]!);
    expect(rows.sort()).toEqual([...ACTION_NAMES].sort());
  });
});
