/** spec/manifest.json: every model-checking config with its expected verdict and regression counts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { specDir, TlcExit, type TlcRun } from './tlc.ts';

export interface ManifestEntry {
  config: string;
  module: string;
  /** safety | liveness | refinement, and whether the entry is expected to be violated. */
  mode: 'safety' | 'liveness' | 'refinement' | 'safety-violation' | 'liveness-violation' | 'refinement-violation';
  /** 'pass', or the name of the invariant or property TLC must report violated. */
  expect: string;
  exitCode: number;
  workers: number;
  /** Run by `npm run spec` (and so by `npm test`); others only with --all. */
  ci: boolean;
  /** The conformance test compares this config's state graph with the TypeScript model's. */
  conformance?: boolean;
  distinctStates: number | null;
  depth: number | null;
  traceLength: number | null;
  note: string;
}

export interface Manifest { tlc: { artifact: string; banner: string }; configs: ManifestEntry[] }

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(join(specDir, 'manifest.json'), 'utf8')) as Manifest;
}

/** Names of the temporal properties a config checks (PROPERTY/PROPERTIES lines). */
export function configProperties(configText: string): string[] {
  const names: string[] = [];
  let inProperties = false;
  for (const raw of configText.split('\n')) {
    const line = raw.replace(/\\\*.*$/, '').trim();
    if (line === '') continue;
    const keyword = /^(PROPERTY|PROPERTIES|INVARIANT|INVARIANTS|CONSTANTS?|SPECIFICATION|INIT|NEXT|SYMMETRY|CHECK_DEADLOCK)\b\s*(.*)$/.exec(line);
    if (keyword) {
      inProperties = keyword[1]!.startsWith('PROPERT');
      if (inProperties) names.push(...keyword[2]!.split(/\s+/).filter(Boolean));
    } else if (inProperties) {
      names.push(...line.split(/\s+/));
    }
  }
  return names;
}

/** Differences between what the manifest expects and what TLC did; empty when they agree. */
export function checkVerdict(entry: ManifestEntry, run: TlcRun, configText: string, options: { countsToo: boolean }): string[] {
  const problems: string[] = [];
  if (run.exitCode !== entry.exitCode) problems.push(`exit code ${run.exitCode}, expected ${entry.exitCode}`);
  if (entry.expect === 'pass') {
    if (run.violated !== null) problems.push(`TLC reports ${run.violated} violated, expected a pass`);
    if (run.exitCode === TlcExit.success && /Error:/.test(run.output)) problems.push('TLC printed an error');
    if (options.countsToo && entry.distinctStates !== null && run.distinctStates !== entry.distinctStates) {
      problems.push(`${run.distinctStates} distinct states, manifest says ${entry.distinctStates}`);
    }
    // With several workers TLC's reported depth varies from run to run; only one worker makes it stable.
    if (options.countsToo && entry.workers === 1 && entry.depth !== null && run.depth !== entry.depth) {
      problems.push(`depth ${run.depth}, manifest says ${entry.depth}`);
    }
  } else {
    const properties = configProperties(configText);
    // TLC names no temporal property, nor an action property reached through INSTANCE: the config
    // then checks exactly one property, so the violation is that one.
    const reported = run.violated === 'unnamed-property' && properties.length === 1 ? properties[0] : run.violated;
    if (reported !== entry.expect) problems.push(`TLC reports ${run.violated ?? 'no violation'}, expected ${entry.expect}`);
    // A safety counterexample found breadth-first by one worker is a shortest one, so its length is
    // stable; a liveness counterexample is not, so only its verdict is compared.
    const stableTrace = entry.workers === 1 && !entry.mode.startsWith('liveness');
    if (options.countsToo && stableTrace && entry.traceLength !== null && run.traceLength !== entry.traceLength) {
      problems.push(`counterexample of ${run.traceLength} states, manifest says ${entry.traceLength}`);
    }
  }
  return problems;
}
