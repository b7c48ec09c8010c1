/** TLC's state graph (`-dump dot,actionlabels`) read into canonical states and distinct labelled edges. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTlc } from '../scripts/tlc.ts';
import { parseTlaState } from './tla-values.ts';

export interface LabelledGraph {
  /** Canonical state texts. */
  states: Set<string>;
  /** Distinct edges as 'fromText\tlabel\ttoText' hashed to keep memory small. */
  edgeDigests: Set<string>;
  edgesPerAction: Map<string, number>;
}

const unescapeDot = (label: string) =>
  label.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

export const edgeDigest = (from: string, label: string, to: string) =>
  createHash('sha1').update(`${from}\t${label}\t${to}`).digest('base64');

export function readDotGraph(dotText: string): LabelledGraph {
  const stateOf = new Map<string, string>();
  const rawEdges: [string, string, string][] = [];
  for (const line of dotText.split('\n')) {
    const node = /^(-?\d+) \[label="(.*)"(?:,style = filled)?\];?$/.exec(line);
    if (node) { stateOf.set(node[1]!, parseTlaState(unescapeDot(node[2]!))); continue; }
    const edge = /^(-?\d+) -> (-?\d+) \[label="([^"]*)"/.exec(line);
    if (edge) rawEdges.push([edge[1]!, edge[3]!, edge[2]!]);
  }
  const edgeDigests = new Set<string>();
  const edgesPerAction = new Map<string, number>();
  for (const [from, label, to] of rawEdges) {
    const digest = edgeDigest(stateOf.get(from)!, label, stateOf.get(to)!);
    if (edgeDigests.has(digest)) continue;
    edgeDigests.add(digest);
    edgesPerAction.set(label, (edgesPerAction.get(label) ?? 0) + 1);
  }
  return { states: new Set(stateOf.values()), edgeDigests, edgesPerAction };
}

/** Runs TLC on a config with the graph dumped, and reads the dump. */
export function tlcGraph(configFile: string): LabelledGraph {
  const dir = mkdtempSync(join(tmpdir(), 'sabre-dump-'));
  try {
    const file = join(dir, 'graph');
    const run = runTlc(configFile, { extraArgs: ['-dump', 'dot,actionlabels', file] });
    if (run.exitCode !== 0) throw new Error(`TLC failed on ${configFile}:\n${run.output.slice(-2000)}`);
    return readDotGraph(readFileSync(`${file}.dot`, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
