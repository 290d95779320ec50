// bench/core: NOPs serial and batched, 4 KiB random reads at queue depths 1/32/128 on a page-cached
// 256 MiB file (node:fs/promises FileHandle.read beside @uring/core, same file, same run), and copying
// a 256 MiB file onto a fresh file: fs.promises.copyFile (copy_file_range in the kernel), a read/write
// loop, @uring/fs's copyFile (at this size: 8 workers of linked SPLICE file -> pipe -> file, never
// through JS memory, and no ftruncate of the new file) and the cp example (linked READ_FIXED ->
// WRITE_FIXED chains through registered buffers).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ring, op, read } from '@uring/core';
import { BENCH_FILE, BENCH_FILE_SIZE, caseArgs, ensureBenchFile, limit, median, rate, report, reps, runCase } from './lib.mjs';

const self = fileURLToPath(import.meta.url);
const FILE = BENCH_FILE;
const SIZE = BENCH_FILE_SIZE;
const BLOCKS = SIZE / 4096;
const ensureFile = ensureBenchFile;

const randomPos = () => Math.floor(Math.random() * BLOCKS) * 4096;

async function randRead(side, depth) {
  const bufs = Array.from({ length: depth }, () => Buffer.alloc(4096));
  if (side === 'node') {
    const fh = await fs.promises.open(FILE, 'r');
    return rate(async () => {
      await Promise.all(bufs.map(async (b) => { for (let i = 0; i < 64; i++) await fh.read(b, 0, 4096, randomPos()); }));
      return depth * 64;
    });
  }
  const fd = fs.openSync(FILE, 'r');
  if (side === 'uring-read') {
    // The promise form as users call it: read(fd, buf, pos) on the default ring.
    return rate(async () => {
      await Promise.all(bufs.map(async (b) => { for (let i = 0; i < 64; i++) await read(fd, b, randomPos()); }));
      return depth * 64;
    });
  }
  const ring = new Ring({ entries: 256 });
  return rate(async () => {
    await Promise.all(bufs.map(async (b) => { for (let i = 0; i < 64; i++) await ring.submit(op.read(fd, b, randomPos())); }));
    return depth * 64;
  });
}

const cases = {
  'nop serial': async () => {
    const ring = new Ring({ entries: 256 });
    const spec = op.nop();
    return rate(async () => { for (let i = 0; i < 10_000; i++) await ring.submit(spec); return 10_000; });
  },
  'nop batched': async () => {
    const ring = new Ring({ entries: 4096 });
    const spec = op.nop();
    return rate(async () => {
      const ps = new Array(4096);
      for (let i = 0; i < 4096; i++) ps[i] = ring.submit(spec);
      await Promise.all(ps);
      return 4096;
    });
  },
  'randread qd1': (side) => randRead(side, 1),
  'randread qd32': (side) => randRead(side, 32),
  'randread qd128': (side) => randRead(side, 128),
  'copy 256 MiB': async (side) => {
    const dst = `${FILE}.copy`;
    const t = async (fn) => {
      fs.rmSync(dst, { force: true }); // onto a fresh file each time
      const t0 = performance.now();
      await fn();
      return SIZE / (1 << 20) / ((performance.now() - t0) / 1000);
    };
    const ufs = side === 'uring-fs' ? (await import('@uring/fs/promises')).default : undefined;
    const runs = [];
    for (let i = 0; i < reps(3); i++) {
      if (side === 'node') runs.push(await t(() => fs.promises.copyFile(FILE, dst)));
      else if (side === 'uring-fs') runs.push(await t(() => ufs.copyFile(FILE, dst)));
      else if (side === 'node-loop') {
        runs.push(await t(async () => {
          const a = await fs.promises.open(FILE, 'r');
          const b = await fs.promises.open(dst, 'w');
          const buf = Buffer.alloc(1 << 20);
          for (let at = 0; at < SIZE; at += buf.length) { await a.read(buf, 0, buf.length, at); await b.write(buf, 0, buf.length, at); }
          await a.close();
          await b.close();
        }));
      } else {
        const { copy } = await import('../examples/copy.mjs');
        const ring = new Ring({ entries: 64 });
        runs.push(await t(() => copy(ring, FILE, dst, { qd: 8, bs: 256 << 10 })));
        ring.close();
      }
    }
    fs.rmSync(dst, { force: true });
    return median(runs);
  },
};

const args = caseArgs();
if (args) {
  if (args.name.startsWith('randread') || args.name.startsWith('copy')) ensureFile();
  report({ rate: await cases[args.name](args.side) });
}

export function run() {
  ensureFile();
  const rows = [];
  const both = (name, unit, target, c) => {
    const n = runCase(self, name, 'node');
    const u = runCase(self, name, 'uring');
    rows.push({ suite: 'core', name, unit, node: n.rate, uring: u.rate, c, rssNode: n.rssMiB, rssUring: u.rssMiB, target });
  };
  rows.push({ suite: 'core', name: 'nop serial (await each)', unit: 'ops/s', uring: runCase(self, 'nop serial', 'uring').rate, c: limit('uring_randread', ['nop', 1, 2]), target: '>= 2M/s' });
  rows.push({ suite: 'core', name: 'nop batched (4096/submit)', unit: 'ops/s', uring: runCase(self, 'nop batched', 'uring').rate, c: limit('uring_randread', ['nop', 4096, 2]), target: '>= 3M/s' });
  for (const qd of [1, 32, 128]) {
    ensureFile();
    const c = limit('uring_randread', ['read', FILE, qd, 2]);
    both(`randread qd${qd}`, 'ops/s', qd === 128 ? '>= 6x' : qd === 1 ? '>= 2x' : '', c);
    if (qd === 32) continue;
    const u = runCase(self, `randread qd${qd}`, 'uring-read');
    rows.push({ suite: 'core', name: `randread qd${qd}, promise read()`, unit: 'ops/s', node: rows.at(-1).node, uring: u.rate, c, rssNode: rows.at(-1).rssNode, rssUring: u.rssMiB, target: qd === 128 ? '>= 0.8x C' : '>= 0.6x C' });
  }
  ensureFile();
  const copy = {};
  for (const side of ['node', 'uring-fs', 'node-loop', 'uring']) {
    ensureFile();
    copy[side] = runCase(self, 'copy 256 MiB', side);
  }
  rows.push({ suite: 'core', name: 'copy 256 MiB: @uring/fs copyFile (SPLICE x8) vs fs.copyFile (copy_file_range)', unit: 'MB/s', node: copy.node.rate, uring: copy['uring-fs'].rate, target: '>= 1x' });
  rows.push({ suite: 'core', name: 'copy 256 MiB: cp example (READ_FIXED/WRITE_FIXED) vs fs.copyFile', unit: 'MB/s', node: copy.node.rate, uring: copy.uring.rate });
  rows.push({ suite: 'core', name: 'copy 256 MiB: cp example vs read/write loop', unit: 'MB/s', node: copy['node-loop'].rate, uring: copy.uring.rate });
  return rows;
}

if (process.argv[1] === self && !args) {
  const { table, machine } = await import('./lib.mjs');
  console.log(machine());
  console.log(table(run()));
}
