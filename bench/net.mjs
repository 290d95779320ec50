// bench/net: echo servers under one load client (the liburing C client from ../shared/limits when it
// builds, else a node client in its own process): node:net, @uring/net (examples/echo-server.mjs),
// and the C servers (io_uring and epoll). 64 and 1,000 connections of 64-byte ping-pong, and one
// connection streaming 1 GiB in 64 KiB chunks. Peak RSS of each server from /proc.
// HTTP: wrk against examples/http-server.mjs on node:http's own sockets and on ring sockets (withRing),
// the same app and files, 13 B and 64 KiB at 10, 100 and 1,000 keep-alive connections, runs
// interleaved; CPU per request from /proc. ws: an echo server on each, 200 clients in their own process.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { limits, median, quick, reps } from './lib.mjs';

const self = fileURLToPath(import.meta.url);
const examples = fileURLToPath(new URL('../examples/', import.meta.url));
const here = path.dirname(self);
const NODE_ECHO = `
  const net = require('node:net');
  net.createServer((s) => { s.setNoDelay(true); s.pipe(s); s.on('error', () => {}); })
    .listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));`;

/** A node load client (used when the C one cannot be built). */
const NODE_CLIENT = `
  const net = require('node:net');
  const [mode, port, a, b, c] = process.argv.slice(1).map((x, i) => (i === 0 ? x : Number(x)));
  const t0 = performance.now();
  if (mode === 'pingpong') {
    let done = 0;
    const msg = Buffer.alloc(c, 7);
    for (let i = 0; i < a; i++) {
      const s = net.connect(port, '127.0.0.1', () => s.write(msg));
      s.setNoDelay(true);
      let rounds = 0, got = 0;
      s.on('data', (d) => { got += d.length; if (got >= c) { got -= c; if (++rounds === b) { s.end(); if (++done === a) console.log('RESULT', (a * b) / ((performance.now() - t0) / 1000)); } else s.write(msg); } });
    }
  } else {
    const total = a * 1024 * 1024; const chunk = Buffer.alloc(b, 1); let got = 0, sent = 0;
    const s = net.connect(port, '127.0.0.1', () => { const pump = () => { while (sent < total && s.write(chunk)) sent += chunk.length; if (sent < total) s.once('drain', () => { sent += 0; pump(); }); }; pump(); });
    s.on('data', (d) => { got += d.length; if (got >= total) { console.log('RESULT', total / (1 << 20) / ((performance.now() - t0) / 1000)); s.destroy(); } });
  }`;

let portSeq = 21000 + (process.pid % 5000);

async function startServer(kind) {
  const port = portSeq++;
  let child;
  if (kind === 'node') child = spawn(process.execPath, ['-e', NODE_ECHO, String(port)]);
  else if (kind === 'uring') child = spawn(process.execPath, [path.join(examples, 'echo-server.mjs'), '--port', String(port)], { cwd: examples });
  else child = spawn(path.join(limits(), kind === 'c-uring' ? 'uring_echo_server' : 'epoll_echo_server'), [String(port)]);
  await new Promise((resolve) => {
    const check = () => {
      const r = spawnSync('sh', ['-c', `ss -ltn | grep -q ':${port} '`]);
      if (r.status === 0) resolve();
      else setTimeout(check, 50);
    };
    check();
  });
  return { port, child };
}

function peakRss(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function load(mode, port, ...args) {
  const dir = limits();
  const r = dir
    ? spawnSync(path.join(dir, 'uring_echo_client'), [mode, String(port), ...args.map(String)], { encoding: 'utf8', timeout: 300_000 })
    : spawnSync(process.execPath, ['-e', NODE_CLIENT, mode, String(port), ...args.map(String)], { encoding: 'utf8', timeout: 300_000 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT'));
  if (!line) return undefined;
  const figure = Number(line.split(/\s+/)[1]);
  // The C client reports a stream in GiB/s; the table says MiB/s.
  return dir && mode === 'stream' ? figure * 1024 : figure;
}

/**
 * Every echo server at once, each case's runs interleaved between them (so a busy patch of the shared
 * cores hits all alike), with each server's CPU per round trip from /proc: the figure contention
 * disturbs least.
 */
async function measureEcho(kinds) {
  const servers = [];
  for (const kind of kinds) servers.push({ kind, ...(await startServer(kind)), pp: [], ppCpu: [], pp1000: [], pp1000Cpu: [], st: [] });
  const timed = (s, runs, cpus, conns, rounds) => {
    const cpu0 = cpuSeconds(s.child.pid);
    const rate = load('pingpong', s.port, conns, rounds, 64, 50);
    if (!rate) return;
    runs.push(rate);
    cpus.push(((cpuSeconds(s.child.pid) - cpu0) * 1e6) / (conns * rounds));
  };
  for (const s of servers) load('pingpong', s.port, 64, quick ? 50 : 500, 64, 50); // warm up (JIT) untimed
  for (let i = 0; i < reps(3); i++) for (const s of servers) timed(s, s.pp, s.ppCpu, 64, quick ? 200 : 2000);
  for (let i = 0; i < reps(3); i++) for (const s of servers) timed(s, s.pp1000, s.pp1000Cpu, 1000, quick ? 20 : 200);
  for (let i = 0; i < reps(2); i++) for (const s of servers) s.st.push(load('stream', s.port, quick ? 64 : 1024, 65536, 50));
  const figures = {};
  for (const s of servers) {
    const med = (xs) => median(xs.filter(Boolean));
    figures[s.kind] = { pingpong: med(s.pp), pingpongCpu: med(s.ppCpu), pingpong1000: med(s.pp1000), pingpong1000Cpu: med(s.pp1000Cpu), stream: med(s.st), rss: peakRss(s.child.pid) };
    s.child.kill('SIGTERM');
    await new Promise((r) => (s.child.exitCode !== null ? r() : s.child.on('exit', r)));
  }
  return figures;
}

// ---- HTTP (wrk) and ws --------------------------------------------------------

const WS_SERVER = `
  const http = require('node:http');
  const { WebSocketServer } = require('ws');
  const server = process.argv[2] === 'uring' ? require('@uring/net').withRing(http.createServer()) : http.createServer();
  new WebSocketServer({ server }).on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
  server.listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));`;

/** 200 ws clients (its own process), each sending a 64 B message and awaiting its echo, `rounds` times; messages/s. */
const WS_CLIENT = `
  const { WebSocket } = require('ws');
  const [port, clients, rounds] = process.argv.slice(1).map(Number);
  const msg = Buffer.alloc(64, 7);
  const all = [];
  let open = 0, done = 0, t0;
  for (let i = 0; i < clients; i++) {
    const ws = new WebSocket('ws://127.0.0.1:' + port + '/');
    all.push(ws);
    let n = 0;
    ws.on('open', () => { if (++open === clients) { t0 = performance.now(); for (const w of all) w.send(msg); } });
    ws.on('message', () => {
      if (++n < rounds) return ws.send(msg);
      ws.close();
      if (++done === clients) console.log('RESULT', (clients * rounds) / ((performance.now() - t0) / 1000));
    });
    ws.on('error', (e) => { console.error(e.message); process.exit(1); });
  }`;

function wrkBinary() {
  if (spawnSync('sh', ['-c', 'command -v wrk']).status !== 0) spawnSync('sh', ['-c', 'apt-get install -y wrk >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null 2>&1)']);
  return spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim() || undefined;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** Starts `script args` (cwd examples/) and waits until it prints `ready`. */
async function startNode(argv, ready, cwd = examples) {
  const child = spawn('sh', ['-c', 'ulimit -n 65536 2>/dev/null; exec "$0" "$@"', process.execPath, ...argv], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; if (ready.test(out)) resolve(); });
    child.on('exit', (code) => reject(new Error(`${argv.join(' ')} exited with ${code}`)));
  });
  return child;
}

async function stop(child) {
  child.kill('SIGTERM');
  await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
}

/**
 * How many connections `port`'s server has accepted at this moment: its established sockets less those
 * still waiting in the listener's accept queue (ss's Recv-Q for a listening socket). node:http (libuv
 * 1.45 and later) accepts one connection per loop turn, so under load part of wrk's connections wait
 * there, unserved: the two sides then serve unequal loads.
 */
function accepted(port) {
  const est = spawnSync('sh', ['-c', `ss -Htn state established '( sport = :${port} )' | wc -l`], { encoding: 'utf8' }).stdout;
  const queued = spawnSync('ss', ['-Hltn', `( sport = :${port} )`], { encoding: 'utf8' }).stdout.trim().split(/\s+/)[1];
  return Number(est) - Number(queued ?? 0);
}

/**
 * wrk for `seconds` at `conns` keep-alive connections: requests/s, server CPU us per request, and the
 * median of the connections the server had accepted, sampled every 500 ms after the first.
 */
async function wrkRun(wrk, pid, port, path, conns, seconds) {
  const cpu0 = cpuSeconds(pid);
  const child = spawn('sh', ['-c', `ulimit -n 65536 2>/dev/null; exec ${wrk} -t2 -c${conns} -d${seconds}s http://127.0.0.1:${port}/${path}`], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const samples = [];
  const sampler = setInterval(() => samples.push(accepted(port)), 500);
  await new Promise((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  const cpu = cpuSeconds(pid) - cpu0;
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  const total = Number(out.match(/(\d+) requests in/)?.[1]);
  return rps > 0 ? { rps, cpuUs: (cpu * 1e6) / total, served: samples.length > 1 ? median(samples.slice(1)) : undefined } : undefined;
}

/** The median of field `k` over the runs that gave figures; undefined when none did. */
const medianOf = (runs, k) => (runs.length ? median(runs.map((x) => x[k])) : undefined);

export async function httpRows() {
  const wrk = wrkBinary();
  if (!wrk) return [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-http-'));
  fs.writeFileSync(path.join(root, 'small'), 'hello, world\n');
  fs.writeFileSync(path.join(root, 'large'), Buffer.alloc(64 * 1024, 'x'));
  const servers = {};
  for (const side of ['node', 'uring']) {
    const port = portSeq++;
    servers[side] = { port, child: await startNode(['http-server.mjs', '--port', String(port), '--root', root, ...(side === 'node' ? ['--node-sockets'] : [])], /serving/) };
  }
  const rows = [];
  for (const [file, label] of [['small', '13 B'], ['large', '64 KiB']]) {
    for (const conns of [10, 100, 1000]) {
      const got = { node: [], uring: [] };
      for (const side of ['node', 'uring']) await wrkRun(wrk, servers[side].child.pid, servers[side].port, file, conns, 1); // warm up
      // Five runs each, taken in turn: on this shared 2-core VM one side's rate swings ±15% from run to run.
      for (let rep = 0; rep < reps(5); rep++) {
        for (const side of rep % 2 ? ['uring', 'node'] : ['node', 'uring']) {
          const r = await wrkRun(wrk, servers[side].child.pid, servers[side].port, file, conns, quick ? 1 : 3);
          if (r) got[side].push(r);
        }
      }
      rows.push({ suite: 'net', name: `http ${label}, ${conns} keep-alive conns (wrk)`, unit: 'req/s', node: medianOf(got.node, 'rps'), uring: medianOf(got.uring, 'rps'), target: '>= 1.2x' });
      rows.push({ suite: 'net', name: `  CPU per request, ${label}, ${conns} conns`, unit: 'us', node: medianOf(got.node, 'cpuUs'), uring: medianOf(got.uring, 'cpuUs'), lowerIsBetter: true, target: '<= node' });
      // What each side really served: the CPU rows compare unequal loads where these differ.
      const served = (side) => medianOf(got[side].filter((x) => x.served !== undefined), 'served');
      if (conns >= 1000) rows.push({ suite: 'net', name: `  connections accepted at once, ${label}, ${conns} conns`, unit: 'conns', node: served('node'), uring: served('uring'), noRatio: true });
    }
  }
  for (const side of ['node', 'uring']) servers[side].rss = peakRss(servers[side].child.pid);
  await Promise.all(Object.values(servers).map((s) => stop(s.child)));
  fs.rmSync(root, { recursive: true, force: true });
  return rows;
}

/** ws echo: both servers up at once, a warm-up run each, then runs taken in turn (as the HTTP rows), messages/s and server CPU per message. */
export async function wsRow() {
  const servers = {};
  for (const side of ['node', 'uring']) {
    const port = portSeq++;
    servers[side] = { port, child: await startNode(['-e', WS_SERVER, String(port), side], /listening/, here) };
  }
  const once = (side) => {
    const { port, child } = servers[side];
    const cpu0 = cpuSeconds(child.pid);
    const r = spawnSync(process.execPath, ['-e', WS_CLIENT, String(port), '200', '500'], { encoding: 'utf8', timeout: 120_000, cwd: here });
    const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT'));
    return line ? { rate: Number(line.split(/\s+/)[1]), cpuUs: ((cpuSeconds(child.pid) - cpu0) * 1e6) / (200 * 500) } : undefined;
  };
  for (const side of ['node', 'uring']) once(side); // warm up
  const got = { node: [], uring: [] };
  for (let rep = 0; rep < reps(5); rep++) {
    for (const side of rep % 2 ? ['uring', 'node'] : ['node', 'uring']) {
      const r = once(side);
      if (r) got[side].push(r);
    }
  }
  await Promise.all(Object.values(servers).map((s) => stop(s.child)));
  return [
    { suite: 'net', name: 'ws echo, 200 clients x 500 x 64 B', unit: 'msg/s', node: medianOf(got.node, 'rate'), uring: medianOf(got.uring, 'rate'), target: '>= 1x' },
    { suite: 'net', name: '  server CPU per message, ws echo', unit: 'us', node: medianOf(got.node, 'cpuUs'), uring: medianOf(got.uring, 'cpuUs'), lowerIsBetter: true },
  ];
}

/** The echo rows: ping-pong at 64 and 1,000 connections, a stream, each server's CPU per round trip. */
export async function echoRows() {
  const f = await measureEcho(limits() ? ['node', 'uring', 'c-uring', 'c-epoll'] : ['node', 'uring']);
  const [node, uring, c, epoll] = [f.node, f.uring, f['c-uring'] ?? {}, f['c-epoll'] ?? {}];
  return [
    { suite: 'net', name: 'ping-pong, 64 conns x 64 B', unit: 'rt/s', node: node.pingpong, uring: uring.pingpong, c: c.pingpong, rssNode: node.rss, rssUring: uring.rss, target: '>= 1.5x, RSS <= node' },
    { suite: 'net', name: '  server CPU per round trip, 64 conns', unit: 'us', node: node.pingpongCpu, uring: uring.pingpongCpu, c: c.pingpongCpu, lowerIsBetter: true },
    { suite: 'net', name: 'ping-pong, 1,000 conns x 64 B', unit: 'rt/s', node: node.pingpong1000, uring: uring.pingpong1000, c: c.pingpong1000, target: '>= 1.2x' },
    { suite: 'net', name: '  server CPU per round trip, 1,000 conns', unit: 'us', node: node.pingpong1000Cpu, uring: uring.pingpong1000Cpu, c: c.pingpong1000Cpu, lowerIsBetter: true },
    { suite: 'net', name: 'stream 1 GiB, 64 KiB chunks', unit: 'MiB/s', node: node.stream, uring: uring.stream, c: c.stream, target: '>= 1x' },
    // The C epoll server stands in the 'node' column here: the ratio is ours to it.
    { suite: 'net', name: 'ping-pong, 64 conns: against the C epoll server', unit: 'rt/s', node: epoll.pingpong, uring: uring.pingpong, c: epoll.pingpong, target: '>= 0.9x' },
    { suite: 'net', name: '  server CPU per round trip, C epoll server', unit: 'us', node: epoll.pingpongCpu, uring: uring.pingpongCpu, c: epoll.pingpongCpu, lowerIsBetter: true },
  ];
}

export async function run() {
  return [...(await echoRows()), ...(await httpRows()), ...(await wsRow())];
}

if (process.argv[1] === self) {
  const { table, machine } = await import('./lib.mjs');
  console.log(machine());
  console.log(`load client: ${limits() ? 'uring_echo_client (C, liburing)' : 'node:net client in its own process'}`);
  console.log(table(await run()));
}
