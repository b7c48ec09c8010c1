import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot, specDir } from '../../scripts/tlc.ts';
import { ACTION_NAMES } from '../../src/model/actions.ts';
import * as model from '../../src/model/index.ts';
import { Engine } from '../../src/engine/engine.ts';
import { OutOfMemoryError } from '../../src/engine/errors.ts';
import type { TraceEvent } from '../../src/engine/trace.ts';

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

  it('gives every action a trace event of its own name in docs/action-map.md', () => {
    const doc = readFileSync(join(projectRoot, 'docs/action-map.md'), 'utf8');
    for (const row of doc.matchAll(/^\| `(\w+)` \|(?:[^|]*\|){3} `(\w+)`/gm)) expect(row[2], `trace event of ${row[1]}`).toBe(row[1]);
    expect([...doc.matchAll(/^\| `(\w+)` \|(?:[^|]*\|){3} `(\w+)`/gm)].length).toBe(ACTION_NAMES.length);
  });

  it('the engine emits one event named after each spec action it performs', () => {
    const events: TraceEvent[] = [];
    const engine = new Engine({ initialBlocks: 64, maxBlocks: 4096, copyBound: 4, tracer: (event) => events.push(event) });
    const key = (name: string) => new TextEncoder().encode(name);
    const run = (command: (e: Engine) => unknown) => {
      try {
        command(engine);
      } catch (error) {
        if (!(error instanceof OutOfMemoryError)) throw error;
      } finally {
        engine.endCommand();
      }
    };
    run((e) => e.set(0, key('a'), new Uint8Array(200).fill(1)));
    run((e) => e.set(0, key('big'), new Uint8Array(20_000).fill(2)));
    run((e) => e.set(0, key('b'), key('x')));
    run((e) => e.dumpBegin(() => undefined, 0));
    run((e) => e.setrange(0, key('a'), 100, key('yy')));
    run((e) => e.append(0, key('a'), new Uint8Array(100).fill(3)));
    run((e) => e.del(0, [key('b')]));
    run((e) => e.unlink(0, [key('big')]));
    run((e) => e.flushdbAsync(3));
    run((e) => e.set(3, key('c'), key('z')));
    run((e) => e.flushdbAsync(3));
    run((e) => e.set(0, key('huge'), new Uint8Array(4096 * 64)));
    while (engine.dumping) run((e) => e.dumpStep(16));
    while (engine.freeStep(64) > 0) engine.endCommand();
    const names = new Set(events.map((event) => event.action));
    expect([...names].sort()).toEqual([...ACTION_NAMES].sort());
    for (const event of events) expect(ACTION_NAMES).toContain(event.action);
    const writes = events.filter((event) => ['Set', 'WriteBlock', 'AppendBlock', 'Del'].includes(event.action));
    expect(writes.map((event) => `${event.action} ${new TextDecoder().decode(event.key as Uint8Array)}`)).toEqual(['Set a', 'Set big', 'Set b', 'WriteBlock a', 'AppendBlock a', 'Del b', 'Set c']);
    expect(events.filter((event) => event.action === 'DumpStep').map((event) => new TextDecoder().decode(event.key as Uint8Array)).sort()).toEqual(['a', 'b', 'big']);
  });
});
