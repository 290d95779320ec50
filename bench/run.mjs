// `pnpm bench`: every suite (core, fs, net, timers) beside Node's own modules, one table,
// results as JSON and a chart (bench/results/latest.json, bench/results/chart.svg).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { chart, limits, machine, quick, table } from './lib.mjs';
import { nodeBinary } from '../scripts/node-line.mjs';

// `--node 26` (or NODE_LINE=26): run the whole bench, both sides, on that Node line.
const args = process.argv.slice(2);
const at = args.indexOf('--node');
const line = at >= 0 ? args.splice(at, 2)[1] : process.env.NODE_LINE;
if (line && process.versions.node.split('.')[0] !== line) {
  const r = spawnSync(nodeBinary(line), [fileURLToPath(import.meta.url), ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const only = args;
const suites = ['core', 'fs', 'net', 'timers', 'threads'].filter((s) => only.length === 0 || only.includes(s));
console.log(machine());
console.log(limits() ? 'C column: ../shared/limits built against liburing' : 'C column: empty (liburing-dev not installed: apt-get install liburing-dev)');
const rows = [];
for (const s of suites) {
  const mod = await import(`./${s}.mjs`);
  const got = await mod.run();
  rows.push(...got);
  console.log(`\n${table(got)}`);
}
console.log(`\nall suites:\n${table(rows)}`);
if (quick) {
  console.log('\nBENCH_QUICK: every case ran once, briefly; the figures mean nothing and nothing was written');
} else {
  const out = fileURLToPath(new URL('./results/', import.meta.url));
  const major = process.versions.node.split('.')[0];
  const json = JSON.stringify({ machine: machine(), date: new Date().toISOString(), rows }, null, 2);
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(`${out}latest.json`, json);
  fs.writeFileSync(`${out}node${major}.json`, json);
  fs.writeFileSync(`${out}chart.svg`, chart(rows, `uring / node, higher is better (${machine()})`));
  console.log(`\nwrote bench/results/latest.json, node${major}.json and chart.svg`);
}
