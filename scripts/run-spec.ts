/**
 * `npm run spec`: runs TLC on every CI entry of spec/manifest.json and compares each verdict with the
 * expected one. A config meant to fail that passes is a mismatch, and so is a changed state count.
 *   npm run spec                 CI entries
 *   npm run spec -- --all        every entry, including the long ones
 *   npm run spec -- --only NAME  entries whose config name contains NAME
 *   npm run spec -- --update     rewrite the regression counts from this run (review the diff!)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTlc, specDir, type TlcRun } from './tlc.ts';
import { checkVerdict, type ManifestEntry, readManifest } from './manifest.ts';

const argv = process.argv.slice(2);
const all = argv.includes('--all');
const update = argv.includes('--update');
const onlyIndex = argv.indexOf('--only');
const only = onlyIndex >= 0 ? argv[onlyIndex + 1] : undefined;

const manifest = readManifest();
const selected = manifest.configs.filter(
  (entry) => (all || entry.ci) && (only === undefined || entry.config.includes(only)),
);
if (selected.length === 0) {
  console.error('run-spec: no manifest entry selected');
  process.exit(2);
}

interface Row { entry: ManifestEntry; run: TlcRun; problems: string[] }
const rows: Row[] = [];
for (const entry of selected) {
  process.stdout.write(`TLC ${entry.config} (expect ${entry.expect}) ... `);
  const run = runTlc(entry.config, { workers: entry.workers, module: entry.module });
  const problems = checkVerdict(entry, run, readFileSync(join(specDir, entry.config), 'utf8'), { countsToo: !update });
  console.log(problems.length === 0 ? `ok (${run.seconds.toFixed(1)} s)` : 'MISMATCH');
  for (const problem of problems) console.log(`    ${problem}`);
  if (problems.length > 0) console.log(run.output.split('\n').slice(-25).map((l) => `    | ${l}`).join('\n'));
  rows.push({ entry, run, problems });
  if (update && problems.length === 0) {
    entry.distinctStates = run.distinctStates;
    entry.depth = entry.expect === 'pass' ? run.depth : null;
    entry.traceLength = entry.expect === 'pass' || entry.mode.startsWith('liveness') ? null : run.traceLength;
  }
}
if (update) writeFileSync(join(specDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

const header = ['config', 'expected', 'result', 'exit', 'distinct states', 'depth/trace', 'seconds'];
const table = rows.map(({ entry, run, problems }) => [
  entry.config,
  entry.expect,
  problems.length > 0 ? 'MISMATCH' : run.violated === null ? 'pass' : `violated ${entry.expect}`,
  String(run.exitCode),
  String(run.distinctStates ?? '-'),
  String((entry.expect === 'pass' ? run.depth : run.traceLength) ?? '-'),
  run.seconds.toFixed(1),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
for (const r of table) console.log(line(r));
const failed = rows.filter((r) => r.problems.length > 0).length;
console.log(`\nspec: ${rows.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
