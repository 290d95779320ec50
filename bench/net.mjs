// bench/net: echo servers under one load client (the liburing C client from ../shared/limits when it
// builds, else a node client in its own process): node:net, @uring/net (examples/echo-server.mjs),
// and the C servers (io_uring and epoll). 64 connections of 64-byte ping-pong, and one connection
// streaming 1 GiB in 64 KiB chunks. Peak RSS of each server from /proc.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { limits, median } from './lib.mjs';

const self = fileURLToPath(import.meta.url);
const examples = fileURLToPath(new URL('../examples/', import.meta.url));
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

async function measure(kind) {
  const { port, child } = await startServer(kind);
  const pp = [];
  const st = [];
  for (let i = 0; i < 3; i++) pp.push(load('pingpong', port, 64, 2000, 64, 50));
  for (let i = 0; i < 2; i++) st.push(load('stream', port, 1024, 65536, 50));
  const rss = peakRss(child.pid);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return { pingpong: median(pp.filter(Boolean)), stream: median(st.filter(Boolean)), rss };
}

export async function run() {
  const node = await measure('node');
  const uring = await measure('uring');
  const c = limits() ? await measure('c-uring') : {};
  const epoll = limits() ? await measure('c-epoll') : {};
  return [
    { suite: 'net', name: 'ping-pong, 64 conns x 64 B', unit: 'rt/s', node: node.pingpong, uring: uring.pingpong, c: c.pingpong, rssNode: node.rss, rssUring: uring.rss, target: '>= 1.5x, RSS <= node' },
    { suite: 'net', name: 'stream 1 GiB, 64 KiB chunks', unit: 'MiB/s', node: node.stream, uring: uring.stream, c: c.stream, target: '>= 1x' },
    { suite: 'net', name: 'C epoll server, same client', unit: 'rt/s', c: epoll.pingpong },
  ];
}

if (process.argv[1] === self) {
  const { table, machine } = await import('./lib.mjs');
  console.log(machine());
  console.log(`load client: ${limits() ? 'uring_echo_client (C, liburing)' : 'node:net client in its own process'}`);
  console.log(table(await run()));
}
