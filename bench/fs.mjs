// bench/fs: @uring/fs/promises beside node:fs/promises on the same page-cached data, each side in
// its own process (so peak RSS is its own): random FileHandle.read, readFile of many small files and
// of one large file, writeFile of small files, stat of many paths.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { caseArgs, limit, rate, report, runCase } from './lib.mjs';

const self = fileURLToPath(import.meta.url);
const DIR = path.join(os.tmpdir(), 'uring-bench-fs');
const BIG = path.join(DIR, 'big-64m');
const SMALL = Array.from({ length: 2000 }, (_, i) => path.join(DIR, 'small', `s${i}`)); // s<i>: the names ../shared/limits/uring_readfiles reads
const RAND = path.join(os.tmpdir(), 'uring-bench-256m');

function prepare() {
  fs.mkdirSync(path.join(DIR, 'small'), { recursive: true });
  fs.mkdirSync(path.join(DIR, 'out'), { recursive: true });
  if (!fs.existsSync(BIG)) fs.writeFileSync(BIG, Buffer.alloc(64 << 20, 3));
  const four = Buffer.alloc(4096, 5);
  for (const f of SMALL) if (!fs.existsSync(f)) fs.writeFileSync(f, four);
  if (!fs.existsSync(RAND) || fs.statSync(RAND).size !== 256 << 20) {
    const fd = fs.openSync(RAND, 'w');
    for (let i = 0; i < 256; i++) fs.writeSync(fd, Buffer.alloc(1 << 20, i));
    fs.closeSync(fd);
  }
  // Re-read everything into the page cache right before timing (the VM trims it from outside).
  execFileSync('sh', ['-c', `cat ${BIG} ${RAND} > /dev/null; cat ${DIR}/small/* > /dev/null`]);
}

async function lib(side) {
  return side === 'node' ? (await import('node:fs/promises')).default : (await import('@uring/fs/promises')).default;
}

/** `n` jobs, at most `limit` at once. */
async function pool(n, limitAt, job) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, limitAt) }, async () => { while (next < n) await job(next++); }));
  return n;
}

const cases = {
  'read 4 KiB random, 128 concurrent': async (f) => {
    const fh = await f.open(RAND, 'r');
    const bufs = Array.from({ length: 128 }, () => Buffer.alloc(4096));
    return rate(async () => {
      await Promise.all(bufs.map(async (b) => { for (let i = 0; i < 32; i++) await fh.read(b, 0, 4096, Math.floor(Math.random() * 65536) * 4096); }));
      return 128 * 32;
    });
  },
  'read 4 KiB random, 1 at a time': async (f) => {
    const fh = await f.open(RAND, 'r');
    const b = Buffer.alloc(4096);
    return rate(async () => { for (let i = 0; i < 2000; i++) await fh.read(b, 0, 4096, Math.floor(Math.random() * 65536) * 4096); return 2000; });
  },
  'readFile 2,000 x 4 KiB, 64 at once': (f) => rate(() => pool(SMALL.length, 64, (i) => f.readFile(SMALL[i]))),
  // The same work held to a given rate (--pace files/s): peak RSS at node's own rate.
  'readFile 2,000 x 4 KiB, at node\'s rate': (f) => {
    const pace = Number(process.argv[process.argv.indexOf('--pace') + 1]);
    const t0 = performance.now();
    let files = 0;
    return rate(async () => {
      await pool(SMALL.length, 64, (i) => f.readFile(SMALL[i]));
      files += SMALL.length;
      const ahead = (files / pace) * 1000 - (performance.now() - t0);
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
      return SMALL.length;
    });
  },
  'readFile one 64 MiB file': (f) => rate(async () => { await f.readFile(BIG); return 1; }, { seconds: 2 }),
  'writeFile 2,000 small files': (f, side) => rate(() => pool(2000, 64, (i) => f.writeFile(path.join(DIR, 'out', `${side}-${i}`), 'some small file content\n'))),
  'stat 10,000 paths': (f) => rate(() => pool(10_000, 10_000, (i) => f.stat(SMALL[i % SMALL.length]))),
};

const args = caseArgs();
if (args) {
  const f = await lib(args.side);
  report({ rate: await cases[args.name](f, args.side) });
}

const targets = { 'read 4 KiB random, 128 concurrent': '>= 6x', 'read 4 KiB random, 1 at a time': '>= 2x', 'readFile 2,000 x 4 KiB, 64 at once': '>= 3x',
  'readFile one 64 MiB file': '>= 1x', 'writeFile 2,000 small files': '>= 2x', 'stat 10,000 paths': '>= 3x' };
const units = { 'readFile 2,000 x 4 KiB, 64 at once': 'files/s', 'readFile 2,000 x 4 KiB, at node\'s rate': 'files/s', 'readFile one 64 MiB file': 'files/s', 'writeFile 2,000 small files': 'files/s' };

export function run() {
  const rows = [];
  let nodeRate;
  for (const name of Object.keys(cases)) {
    const paced = name.endsWith('at node\'s rate');
    prepare();
    const n = paced ? { rate: nodeRate.rate, rssMiB: nodeRate.rssMiB } : runCase(self, name, 'node');
    if (name === 'readFile 2,000 x 4 KiB, 64 at once') nodeRate = n;
    prepare();
    const u = runCase(self, name, 'uring', paced ? ['--pace', String(Math.round(n.rate))] : []);
    let c;
    if (name === 'readFile 2,000 x 4 KiB, 64 at once') c = limit('uring_readfiles', ['linked', path.join(DIR, 'small'), 2000, 2, 64]);
    rows.push({ suite: 'fs', name, unit: units[name] ?? 'ops/s', node: n.rate, uring: u.rate, c, rssNode: n.rssMiB, rssUring: u.rssMiB, target: paced ? 'RSS <= 1.2x' : `${targets[name]}, RSS <= 1.2x` });
  }
  return rows;
}

if (process.argv[1] === self && !args) {
  const { table, machine } = await import('./lib.mjs');
  console.log(machine());
  console.log(table(run()));
}
