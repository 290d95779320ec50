// bench/threads: a ring in every thread. 4 KiB random reads at depth 128 of the page-cached 256 MiB
// file in 2 worker threads against 1 (each worker its own ring; node:fs/promises in the same workers
// beside it), and HTTP 'hello' under wrk: node:http on ring sockets in 2 worker threads sharing one
// port (examples/http-threads.mjs) against Node's cluster with 2 node:http workers, and against the
// same server in 1 worker thread.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BENCH_FILE, caseArgs, ensureBenchFile, median, report, reps, runCase } from './lib.mjs';

const self = fileURLToPath(import.meta.url);
const examples = fileURLToPath(new URL('../examples/', import.meta.url));
const BLOCKS = fs.existsSync(BENCH_FILE) ? fs.statSync(BENCH_FILE).size / 4096 : 0;
const ROUNDS = 3;
const ROUND_MS = 1000;

/** In a worker: 128 readers of random 4 KiB blocks; per round, how many reads completed. */
async function readWorker({ side }) {
  const randomPos = () => Math.floor(Math.random() * BLOCKS) * 4096;
  const bufs = Array.from({ length: 128 }, () => Buffer.alloc(4096));
  let read;
  if (side === 'node') {
    const fh = await fs.promises.open(BENCH_FILE, 'r');
    read = (b) => fh.read(b, 0, 4096, randomPos());
  } else {
    const { Ring, op } = await import('@uring/core');
    const ring = new Ring({ entries: 256 });
    const fd = fs.openSync(BENCH_FILE, 'r');
    read = (b) => ring.submit(op.read(fd, b, randomPos()));
  }
  let ops = 0;
  let stop = false;
  const loops = bufs.map(async (b) => {
    while (!stop) {
      await read(b);
      ops++;
    }
  });
  parentPort.postMessage('ready');
  await new Promise((resolve) => parentPort.once('message', resolve)); // all start together
  const rounds = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const from = ops;
    await new Promise((resolve) => setTimeout(resolve, r === 0 ? 300 : ROUND_MS)); // round 0 warms up
    if (r > 0) rounds.push(ops - from);
  }
  stop = true;
  await Promise.all(loops);
  parentPort.postMessage(rounds);
}

/** In the case process: `workers` readers at once; the median over rounds of their summed rate. */
async function readCase(side, workers) {
  const ws = Array.from({ length: workers }, () => new Worker(self, { workerData: { side } }));
  await Promise.all(ws.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const done = ws.map((w) => new Promise((resolve) => w.once('message', resolve)));
  for (const w of ws) w.postMessage('go');
  const rounds = await Promise.all(done);
  await Promise.all(ws.map((w) => w.terminate()));
  const sums = Array.from({ length: ROUNDS }, (_, r) => rounds.reduce((s, x) => s + x[r], 0) / (ROUND_MS / 1000));
  return median(sums);
}

/** Node's cluster with node:http workers (cluster.fork needs a script file: written to a temp dir). */
const CLUSTER = `
  const cluster = require('node:cluster'); const http = require('node:http');
  const [port, workers] = process.argv.slice(2).map(Number);
  if (cluster.isPrimary) {
    let up = 0;
    for (let i = 0; i < workers; i++) cluster.fork().on('listening', () => { if (++up === workers) console.log('serving on http://127.0.0.1:' + port + '/'); });
    process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers)) w.kill(); process.exit(0); });
  } else {
    http.createServer((req, res) => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 5 }).end('hello')).listen(port, '127.0.0.1');
  }`;

function clusterScript() {
  const file = path.join(os.tmpdir(), 'uring-bench-cluster.cjs');
  fs.writeFileSync(file, CLUSTER);
  return file;
}

let portSeq = 24000 + (process.pid % 5000);

/** Starts a server, runs wrk against it, stops it: requests per second. */
async function wrkAgainst(kind) {
  const port = portSeq++;
  const args = kind === 'cluster' ? [clusterScript(), String(port), '2'] : [`${examples}http-threads.mjs`, '--workers', kind === 'ring2' ? '2' : '1', '--port', String(port)];
  const server = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => (out += d) && out.includes('serving on') && resolve());
    server.once('exit', (code) => reject(new Error(`${kind} server exited ${code}`)));
  });
  const r = spawnSync('wrk', ['-t1', '-c64', '-d3s', `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited; // its port is free for the next
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout ?? '');
  if (!m) throw new Error(`wrk against ${kind}: ${r.stdout}${r.stderr}${r.error ?? ''}`);
  return Number(m[1]);
}

function hasWrk() {
  return spawnSync('wrk', ['-v'], { encoding: 'utf8' }).error === undefined;
}

if (!isMainThread) {
  await readWorker(workerData);
} else {
  const args = caseArgs();
  if (args) {
    ensureBenchFile();
    report({ rate: await readCase(args.side, Number(process.argv[process.argv.indexOf('--workers') + 1])) });
  }
}

export async function run() {
  ensureBenchFile();
  const read = (side, workers) => runCase(self, 'randread', side, ['--workers', String(workers)]).rate;
  // Interleaved, so a slow patch on the shared cores hits every side alike.
  const r = { u1: [], u2: [], n2: [] };
  for (let i = 0; i < reps(3); i++) {
    r.u1.push(read('uring', 1));
    r.u2.push(read('uring', 2));
    r.n2.push(read('node', 2));
  }
  const [u1, u2, n2] = [median(r.u1), median(r.u2), median(r.n2)];
  const rows = [
    { suite: 'threads', name: 'randread qd128: 2 workers vs 1 (uring)', unit: 'ops/s', node: u1, uring: u2, target: '>= 1.6x' },
    { suite: 'threads', name: 'randread qd128 in 2 workers', unit: 'ops/s', node: n2, uring: u2 },
  ];
  if (hasWrk()) {
    const ring2 = [], cluster = [], ring1 = [];
    for (let i = 0; i < reps(3); i++) {
      ring2.push(await wrkAgainst('ring2'));
      cluster.push(await wrkAgainst('cluster'));
      ring1.push(await wrkAgainst('ring1'));
    }
    rows.push({ suite: 'threads', name: "http 'hello': 2 threads vs cluster of 2", unit: 'req/s', node: median(cluster), uring: median(ring2), target: '>= 1.2x' });
    rows.push({ suite: 'threads', name: "http 'hello': 2 threads vs 1 (ring)", unit: 'req/s', node: median(ring1), uring: median(ring2) });
  }
  return rows;
}

if (isMainThread && process.argv[1] === self && !caseArgs()) {
  const { table, machine } = await import('./lib.mjs');
  console.log(machine());
  console.log(table(await run()));
}
