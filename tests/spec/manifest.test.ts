import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configProperties, readManifest } from '../../scripts/manifest.ts';
import { parseTlcOutput, projectRoot, specDir } from '../../scripts/tlc.ts';

const manifest = readManifest();
const configFiles = readdirSync(specDir).filter((name) => name.endsWith('.cfg')).sort();

describe('spec/manifest.json', () => {
  it('lists exactly the config files in spec/', () => {
    expect(manifest.configs.map((entry) => entry.config).sort()).toEqual(configFiles);
  });

  it('names modules that exist and expectations the config checks', () => {
    for (const entry of manifest.configs) {
      const moduleText = readFileSync(join(specDir, entry.module), 'utf8');
      const configText = readFileSync(join(specDir, entry.config), 'utf8');
      if (entry.expect !== 'pass') {
        // The violated property must be defined in the module and checked by the config.
        expect(moduleText, entry.config).toMatch(new RegExp(`^${entry.expect} ==`, 'm'));
        expect(configText, entry.config).toMatch(new RegExp(`\\b${entry.expect}\\b`));
        expect(entry.exitCode, entry.config).toBeGreaterThan(0);
      } else {
        expect(entry.exitCode, entry.config).toBe(0);
        expect(entry.distinctStates, `${entry.config} has regression counts`).toBeGreaterThan(0);
      }
    }
  });

  it('has a seeded-bug config for every safety and liveness property of the specs', () => {
    const violated = new Set(manifest.configs.map((entry) => entry.expect));
    for (const property of [
      'DumpMatchesStart', 'NoUseAfterFree', 'NoDoubleFree', 'NoLeak', 'CopiesWithinBound', 'NoFalseOOM',
      'CopyOnlyWhatChanges', 'DirtyFirst', 'DumpTerminates', 'LazyFreeDrains',
      'ReadsSnapshot', 'RefinesCowBlock', 'DumpFinishes', 'RefinesFreeList', 'TurnsExclusive', 'RoomWaitEnds',
    ]) {
      expect(violated.has(property), property).toBe(true);
    }
  });

  it('is described config by config in docs/spec.md', () => {
    const doc = readFileSync(join(projectRoot, 'docs/spec.md'), 'utf8');
    for (const file of configFiles) expect(doc, file).toContain(file.replace(/\.cfg$/, ''));
  });
});

describe('reading TLC output', () => {
  it('finds the violated property, the counts and the trace length', () => {
    const out = 'Error: Invariant NoLeak is violated.\nState 1: <Init>\nState 2: <Set>\n42 distinct states found';
    expect(parseTlcOutput(out)).toEqual({ violated: 'NoLeak', distinctStates: 42, depth: null, traceLength: 2 });
  });

  it('attributes an unnamed violation to the only property of a config', () => {
    expect(configProperties('SPECIFICATION Spec\nPROPERTY DumpFinishes\n')).toEqual(['DumpFinishes']);
    expect(parseTlcOutput('Error: Temporal properties were violated.').violated).toBe('unnamed-property');
  });
});
