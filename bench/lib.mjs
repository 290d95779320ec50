// Shared bench helpers: timing with medians, one child process per case and side (so peak RSS
// is each side's own), the machine line, the table, JSON and an SVG chart.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const requireCore = () => createRequire(import.meta.url)('@uring/core');

/** The page-cached 256 MiB file of the random-read cases (core, threads). */
export const BENCH_FILE = path.join(os.tmpdir(), 'uring-bench-256m');
export const BENCH_FILE_SIZE = 256 << 20;

export function ensureBenchFile() {
  if (!fs.existsSync(BENCH_FILE) || fs.statSync(BENCH_FILE).size !== BENCH_FILE_SIZE) {
    const chunk = Buffer.alloc(1 << 20);
    const fd = fs.openSync(BENCH_FILE, 'w');
    for (let i = 0; i < BENCH_FILE_SIZE >> 20; i++) fs.writeSync(fd, chunk.fill(i));
    fs.closeSync(fd);
  }
  // The VM trims the page cache from outside: read it back in right before timing.
  execFileSync('cat', [BENCH_FILE], { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 1 });
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/**
 * BENCH_QUICK=1: every case runs once and briefly, to show the whole bench runs on a Node line (CI does
 * this on each); its figures mean nothing and nothing is written to bench/results.
 */
export const quick = process.env.BENCH_QUICK === '1';
/** How many repetitions to take a median of: `n`, or 1 in quick mode. */
export const reps = (n) => (quick ? 1 : n);

/** Runs `round()` (which returns how many ops it did) for `seconds`, `reps` times; the median rate. */
export async function rate(round, { seconds = quick ? 0.2 : 1, reps = quick ? 1 : 3 } = {}) {
  await round(); // warm up
  const rates = [];
  for (let r = 0; r < reps; r++) {
    let ops = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) ops += await round();
    rates.push(ops / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

export function machine() {
  return `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Linux ${os.release()}, Node ${process.version}; ring flags: ${ringFlags()}`;
}

/** The IORING_SETUP_* flags a default `new Ring()` runs with here, by name. */
let flagNames;
function ringFlags() {
  if (flagNames) return flagNames;
  const { Ring, uapi } = requireCore();
  const ring = new Ring();
  const names = Object.entries(uapi)
    .filter(([k, v]) => k.startsWith('IORING_SETUP_') && typeof v === 'number' && v !== 0 && (ring.setupFlags & v) === v)
    .map(([k]) => k.slice('IORING_SETUP_'.length));
  ring.close();
  return (flagNames = names.join('|') || 'none');
}

/** In a case process: print the result for the parent. */
export function report(result) {
  console.log(`RESULT ${JSON.stringify({ ...result, rssMiB: process.resourceUsage().maxRSS / 1024 })}`);
}

/** In the parent: run `script --case name --side side` in a fresh process and read its RESULT. */
export function runCase(script, name, side, extra = []) {
  const r = spawnSync(process.execPath, [script, '--case', name, '--side', side, ...extra], { encoding: 'utf8', timeout: 300_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`${path.basename(script)} ${name} ${side} failed:\n${r.stderr}`);
  return JSON.parse(line.slice(7));
}

export function caseArgs() {
  const i = process.argv.indexOf('--case');
  const j = process.argv.indexOf('--side');
  return i > 0 ? { name: process.argv[i + 1], side: process.argv[j + 1] } : undefined;
}

/** The liburing C programs from ../shared/limits, built once into a temp dir; undefined when they cannot be built. */
let limitsDir;
export function limits() {
  if (limitsDir !== undefined) return limitsDir || undefined;
  const repo = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
  const src = path.resolve(repo, '..', 'shared', 'limits');
  const out = path.join(os.tmpdir(), 'uring-limits');
  try {
    if (!fs.existsSync(path.join(out, 'uring_randread'))) execFileSync('bash', [path.join(src, 'build.sh'), out], { stdio: 'pipe', cwd: repo });
    limitsDir = out;
  } catch {
    limitsDir = '';
  }
  return limitsDir || undefined;
}

/** Runs a limits program; returns its RESULT figure. */
export function limit(program, args, timeout = 120_000) {
  const dir = limits();
  if (!dir) return undefined;
  const r = spawnSync(path.join(dir, program), args.map(String), { encoding: 'utf8', timeout });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  return line ? Number(line.split(/\s+/)[1]) : undefined;
}

const fmt = (x, unit) => (x === undefined ? '—' : unit === 'ms' ? x.toFixed(2) : x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(2));

/** One table: workload, unit, node, uring, C limit, ratio, RSS. A row with `noRatio` states facts of the run beside the figures (no ratio, not charted). */
export function table(rows) {
  const head = ['suite', 'workload', 'unit', 'node', 'uring', 'C (liburing)', 'uring/node', 'RSS node/uring MiB', 'target'];
  const lines = rows.map((r) => [
    r.suite, r.name, r.unit, fmt(r.node, r.unit), fmt(r.uring, r.unit), fmt(r.c, r.unit),
    r.node && r.uring && !r.noRatio ? `${(r.lowerIsBetter ? r.node / r.uring : r.uring / r.node).toFixed(2)}x` : '—',
    r.rssNode ? `${Math.round(r.rssNode)} / ${Math.round(r.rssUring)}` : '—',
    r.target ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const row = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [row(head), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n');
}

/** A horizontal bar chart of uring/node ratios, as SVG. */
export function chart(rows, title) {
  const data = rows.filter((r) => r.node && r.uring && !r.noRatio);
  const h = 40 + data.length * 26;
  const max = Math.max(2, ...data.map((r) => (r.lowerIsBetter ? r.node / r.uring : r.uring / r.node)));
  const x0 = 330;
  const w = 420;
  const bars = data.map((r, i) => {
    const ratio = r.lowerIsBetter ? r.node / r.uring : r.uring / r.node;
    const y = 30 + i * 26;
    const bw = (ratio / max) * w;
    return `<text x="${x0 - 8}" y="${y + 14}" text-anchor="end" font-size="12">${r.suite}: ${r.name}</text>` +
      `<rect x="${x0}" y="${y}" width="${bw.toFixed(1)}" height="18" fill="${ratio >= 1 ? '#2b8a3e' : '#c92a2a'}"/>` +
      `<text x="${x0 + bw + 6}" y="${y + 14}" font-size="12">${ratio.toFixed(2)}x</text>`;
  });
  const one = x0 + w / max;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="820" height="${h}" font-family="sans-serif">` +
    `<text x="10" y="18" font-size="14" font-weight="bold">${title}</text>` +
    `<line x1="${one}" y1="24" x2="${one}" y2="${h - 4}" stroke="#555" stroke-dasharray="4"/>` +
    bars.join('') + '</svg>\n';
}
