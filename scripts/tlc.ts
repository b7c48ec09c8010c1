/**
 * Runs TLC on one config and reads its verdict from the output. Shared by `npm run spec` and the
 * model-vs-TLC conformance tests, so both see TLC the same way.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const specDir = join(projectRoot, 'spec');

/** TLC's exit codes (tlc2.output.EC.ExitStatus) that the manifest uses. */
export const TlcExit = { success: 0, safetyViolation: 12, livenessViolation: 13 } as const;

export interface TlcRun {
  exitCode: number;
  /**
   * Name of the violated invariant or action property; 'unnamed-property' when TLC names none (a
   * temporal property, or an action property reached through INSTANCE such as a refinement).
   */
  violated: string | null;
  distinctStates: number | null;
  depth: number | null;
  /** States in the counterexample, when there is one. */
  traceLength: number | null;
  seconds: number;
  output: string;
}

let cachedJar: string | null = null;

/** Path of the verified TLA+ tools jar; fetches it on first use. Throws with the script's message. */
export function tlcJar(): string {
  if (cachedJar) return cachedJar;
  const result = spawnSync('bash', [join(projectRoot, 'scripts/fetch-tlc.sh')], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`TLC is not available: ${(result.stderr || result.stdout).trim()}`);
  }
  cachedJar = result.stdout.trim().split('\n').pop()!;
  return cachedJar;
}

export interface TlcOptions {
  workers?: number;
  /** Extra TLC arguments, e.g. ['-dump', 'dot,actionlabels', file]. */
  extraArgs?: string[];
  module?: string;
  /** Folder holding the module and config; spec/ by default. */
  cwd?: string;
}

export function runTlc(configFile: string, options: TlcOptions = {}): TlcRun {
  const jar = tlcJar();
  const metaDir = mkdtempSync(join(tmpdir(), 'sabre-tlc-'));
  const moduleName = (options.module ?? 'Sabre.tla').replace(/\.tla$/, '');
  const args = [
    '-XX:+UseParallelGC', '-Xss16m', '-cp', jar, 'tlc2.TLC',
    '-workers', String(options.workers ?? 2), '-metadir', metaDir, '-cleanup',
    '-config', configFile, ...(options.extraArgs ?? []), moduleName,
  ];
  const started = process.hrtime.bigint();
  let output: string;
  let exitCode: number;
  try {
    output = execFileSync('java', args, { cwd: options.cwd ?? specDir, encoding: 'utf8', maxBuffer: 1 << 28 });
    exitCode = 0;
  } catch (error) {
    const failed = error as { status?: number | null; stdout?: string; stderr?: string; message: string };
    if (failed.status === undefined || failed.status === null) {
      throw new Error(`could not run java for ${configFile}: ${failed.message}`);
    }
    exitCode = failed.status;
    output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  } finally {
    rmSync(metaDir, { recursive: true, force: true });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { exitCode, seconds, output, ...parseTlcOutput(output) };
}

export function parseTlcOutput(output: string): Omit<TlcRun, 'exitCode' | 'seconds' | 'output'> {
  const named = /Error: (?:Invariant|Action property) (\w+) is violated/.exec(output);
  const unnamed = /Error: (?:Temporal properties were violated|Action property line .* is violated)/.test(output);
  const distinct = [...output.matchAll(/([\d,]+) distinct states found/g)].pop();
  const depth = /The depth of the complete state graph search is (\d+)/.exec(output);
  const traceStates = [...output.matchAll(/^State (\d+):/gm)].map((m) => Number(m[1]));
  return {
    violated: named ? named[1]! : unnamed ? 'unnamed-property' : null,
    distinctStates: distinct ? Number(distinct[1]!.replaceAll(',', '')) : null,
    depth: depth ? Number(depth[1]) : null,
    traceLength: traceStates.length > 0 ? Math.max(...traceStates) : null,
  };
}
