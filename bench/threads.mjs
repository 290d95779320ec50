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
import { BENCH_FILE, caseArgs, ensureBenchFile, median, quick, report, reps, runCase } from './lib.mjs';

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

/** CPU seconds (user + system) of a process and its children (cluster's workers) so far, every thread counted. */
function cpuSeconds(pid) {
  const kids = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  let ticks = 0;
  for (const p of [pid, ...kids]) {
    try {
      const f = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime in clock ticks (USER_HZ 100)
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100;
}

/** Starts one of the servers and waits until it serves. */
async function startHttp(kind) {
  const port = portSeq++;
  const args = kind === 'cluster' ? [clusterScript(), String(port), '2'] : [`${examples}http-threads.mjs`, '--workers', kind === 'ring2' ? '2' : '1', '--port', String(port)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const server = { kind, port, child, out: '' };
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => (server.out += d) && server.out.includes('serving on') && resolve());
    child.once('exit', (code) => reject(new Error(`${kind} server exited ${code}`)));
  });
  return server;
}

/** wrk against a running server: requests/s and the server's CPU per request (us, all its threads and processes). */
function wrkAgainst(server, seconds) {
  const cpu0 = cpuSeconds(server.child.pid);
  const r = spawnSync('wrk', ['-t1', '-c64', `-d${seconds}s`, `http://127.0.0.1:${server.port}/`], { encoding: 'utf8' });
  const cpu = cpuSeconds(server.child.pid) - cpu0;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout ?? '')?.[1]);
  const total = Number(/(\d+) requests in/.exec(r.stdout ?? '')?.[1]);
  if (!(rps > 0)) throw new Error(`wrk against ${server.kind}: ${r.stdout}${r.stderr}${r.error ?? ''}`);
  return { rps, cpuUs: (cpu * 1e6) / total };
}

/**
 * Stops a server; for ours, how many requests each thread served in all (the example prints it):
 * SO_REUSEPORT spreads connections by a hash of their ports, so 64 connections may split 38 / 26
 * between the threads, where the cluster's primary deals them out in turn.
 */
async function stopHttp(server) {
  const exited = new Promise((resolve) => (server.child.exitCode !== null ? resolve() : server.child.once('exit', resolve)));
  server.child.kill('SIGTERM');
  await exited;
  return /served ([\d ]+)/.exec(server.out)?.[1].trim().split(' ').map(Number);
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
    // Every server runs through the whole case and is warmed up first (each isolate compiles its JIT code
    // then, not while timed); the timed runs alternate between the sides so a busy patch of the shared
    // cores hits them alike.
    const servers = [];
    for (const kind of ['ring2', 'cluster', 'ring1']) servers.push(await startHttp(kind));
    const got = { ring2: [], cluster: [], ring1: [] };
    for (const s of servers) wrkAgainst(s, quick ? 1 : 5); // under load V8's compiler threads need ~5 s to settle (2 isolates each)
    for (let i = 0; i < reps(5); i++) for (const s of i % 2 ? [...servers].reverse() : servers) got[s.kind].push(wrkAgainst(s, quick ? 1 : 3));
    const [split = []] = await Promise.all(servers.map(stopHttp));
    const med = (kind, k) => median(got[kind].map((x) => x[k]));
    rows.push({ suite: 'threads', name: "http 'hello': 2 threads vs cluster of 2", unit: 'req/s', node: med('cluster', 'rps'), uring: med('ring2', 'rps'), target: '>= 1.2x' });
    rows.push({ suite: 'threads', name: '  CPU per request, 2 threads vs cluster of 2', unit: 'us', node: med('cluster', 'cpuUs'), uring: med('ring2', 'cpuUs'), lowerIsBetter: true });
    rows.push({ suite: 'threads', name: "http 'hello': 2 threads vs 1 (ring)", unit: 'req/s', node: med('ring1', 'rps'), uring: med('ring2', 'rps') });
    if (split.length === 2) {
      const share = (100 * Math.max(...split)) / (split[0] + split[1]);
      rows.push({ suite: 'threads', name: '  requests the busier of the 2 threads served (all runs)', unit: '%', uring: share, noRatio: true });
    }
  }
  return rows;
}

if (isMainThread && process.argv[1] === self && !caseArgs()) {
  const { table, machine } = await import('./lib.mjs');
  console.log(machine());
  console.log(table(await run()));
}
