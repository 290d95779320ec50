// Node's own modules on ring sockets: the net.Socket-like Socket and withRing(server), with real clients.
import { expect } from 'chai';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import express from 'express';
import Fastify from 'fastify';
import { WebSocketServer, WebSocket } from 'ws';
import { listen, toDuplex, withRing, Socket } from '@uring/net';

const fdCount = () => fs.readdirSync('/proc/self/fd').length;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const key = fs.readFileSync(fixtures + 'key.pem');
const cert = fs.readFileSync(fixtures + 'cert.pem');

/** `server` (wrapped withRing) listening on 127.0.0.1, port 0. */
async function onRing(server) {
  withRing(server).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server.address().port;
}

/** One ring connection and the node:net client at its other end. */
async function pair() {
  const server = await listen({ port: 0, host: '127.0.0.1' });
  const accepted = new Promise((r) => server.serve(r));
  const client = net.connect(server.address().port, '127.0.0.1');
  await once(client, 'connect');
  const socket = toDuplex(await accepted);
  return { socket, client, close: async () => { client.destroy(); socket.destroy(); await server.close(); } };
}

function get(port, path = '/', agent = undefined) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
    }).on('error', reject);
  });
}

describe('Node modules on ring sockets', () => {
  it('node:http answers 80 keep-alive requests in turn without a Nagle stall (TCP_NODELAY set, header and body in one send)', async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-length': 5 });
      res.end('hello'); // node:http corks: header and body reach _writev together
    });
    const port = await onRing(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await get(port, '/', agent);
    const t0 = performance.now();
    for (let i = 0; i < 80; i++) expect((await get(port, '/', agent)).body).to.equal('hello');
    // Each answer held for the peer's delayed ACK took ~40 ms (3.2 s in all); without that, ~2 ms each.
    expect(performance.now() - t0).to.be.below(2400);
    agent.destroy();
    server.close();
  });

  it('Socket: address, local/remote getters, bytesRead/bytesWritten, cork + uncork as one write, end/finish/close in order', async () => {
    const { socket, client, close } = await pair();
    expect(socket).to.be.instanceOf(Socket);
    expect(socket.address()).to.deep.equal({ address: '127.0.0.1', family: 'IPv4', port: client.remotePort });
    expect([socket.localAddress, socket.localPort, socket.remoteAddress, socket.remotePort, socket.remoteFamily]).to.deep.equal(['127.0.0.1', client.remotePort, '127.0.0.1', client.localPort, 'IPv4']);
    expect(socket.setNoDelay(true)).to.equal(socket);
    expect(socket.setKeepAlive(true, 1000)).to.equal(socket);
    const got = [];
    client.on('data', (d) => got.push(d));
    socket.cork();
    socket.write('abc');
    socket.write(Buffer.from('def'));
    socket.uncork();
    client.write('12345');
    const [chunk] = await once(socket, 'data');
    expect(chunk.toString()).to.equal('12345');
    expect(socket.bytesRead).to.equal(5);
    const events = [];
    for (const e of ['end', 'finish', 'close']) socket.on(e, () => events.push(e));
    const clientEnded = once(client, 'end'); // our data, then our FIN, reach the client after our close
    client.end();
    await once(socket, 'close');
    await clientEnded;
    expect(Buffer.concat(got).toString()).to.equal('abcdef');
    expect(socket.bytesWritten).to.equal(6);
    expect(events).to.deep.equal(['end', 'finish', 'close']); // allowHalfOpen false: the peer's EOF ends ours too
    await close();
  });

  it('Socket: writes (and a corked batch) larger than the kernel takes at once arrive whole, in order; write() reports backpressure; a reset peer gives error then close', async () => {
    const { socket, client, close } = await pair();
    const big = Buffer.alloc(8 << 20, 7);
    expect(socket.write(big)).to.equal(false);
    // A corked batch too large to concatenate: one SENDMSG that the kernel takes in parts, each part once, in order.
    const parts = [Buffer.alloc(3 << 20, 1), Buffer.alloc(100, 2), Buffer.alloc(5 << 20, 3)];
    socket.cork();
    for (const p of parts) socket.write(p);
    socket.uncork();
    const got = [];
    let n = 0;
    client.on('data', (d) => { got.push(d); n += d.length; });
    await once(socket, 'drain');
    const total = big.length + parts.reduce((a, p) => a + p.length, 0);
    while (n < total) await sleep(10);
    expect(Buffer.concat(got).equals(Buffer.concat([big, ...parts]))).to.equal(true);
    expect(socket.bytesWritten).to.equal(total);
    const events = [];
    socket.on('error', (e) => events.push(e.code));
    socket.on('close', () => events.push('close'));
    client.resetAndDestroy();
    await new Promise((r) => socket.on('close', r));
    expect(events).to.deep.equal(['ECONNRESET', 'close']);
    await close();
  });

  it('Sockets: 120 peers sending at once are handed on 64 a loop turn (the rest a turn later), each its bytes whole, in order, then its end', async () => {
    const server = await listen({ port: 0, host: '127.0.0.1' });
    const n = 120; // under the receive pool's first 128 buffers: every first receive completes in one reap
    const size = 96 * 1024; // above a stream's highWaterMark: a socket that waits pauses its receive, then goes on
    const sockets = [];
    const accepted = new Promise((resolve) => server.serve((c) => { sockets.push(toDuplex(c)); if (sockets.length === n) resolve(); }));
    const clients = [];
    for (let i = 0; i < n; i++) clients.push(net.connect(server.address().port, '127.0.0.1'));
    await Promise.all(clients.map((c) => once(c, 'connect')));
    await accepted;
    // The sockets given data between two check phases of the loop (our immediate runs first in that phase).
    const turn = new Set();
    const turns = [];
    let stop = false;
    const next = () => { if (turn.size) turns.push(turn.size); turn.clear(); if (!stop) setImmediate(next); };
    setImmediate(next);
    const ports = sockets.map((s) => s.remotePort);
    const done = sockets.map((s) => new Promise((resolve, reject) => {
      const got = [];
      s.on('data', (d) => { got.push(d); turn.add(s); });
      s.on('end', () => resolve(Buffer.concat(got)));
      s.on('error', reject);
    }));
    const payload = (port) => Buffer.alloc(size, port & 0xff);
    // A small write from every peer first: one receive each, reaped together.
    for (const c of clients) c.write(payload(c.localPort).subarray(0, 100));
    while (turns.reduce((a, b) => a + b, 0) + turn.size < n) await sleep(5);
    stop = true;
    expect(Math.max(...turns, turn.size)).to.be.at.most(64);
    expect(turns.length + (turn.size ? 1 : 0)).to.be.at.least(2);
    for (const c of clients) c.end(payload(c.localPort).subarray(100));
    const bodies = await Promise.all(done);
    for (let i = 0; i < n; i++) expect(bodies[i].equals(payload(ports[i])), `socket ${i}`).to.equal(true);
    for (const s of sockets) s.destroy();
    for (const c of clients) c.destroy();
    await server.close();
  });

  it("Socket: setTimeout(ms), setTimeout(0), setTimeout(ms) again (node:http's keep-alive on each request): quiet while 0, then one timeout", async () => {
    const { socket, client, close } = await pair();
    let fired = 0;
    socket.on('timeout', () => fired++);
    socket.setTimeout(200);
    socket.setTimeout(0);
    expect(socket.timeout).to.equal(undefined);
    client.write('x'); // activity while off must not arm it
    await once(socket, 'data');
    await sleep(600);
    expect(fired).to.equal(0);
    socket.setTimeout(200);
    await once(socket, 'timeout');
    await sleep(400);
    expect(fired).to.equal(1); // once per idle spell
    socket.setTimeout(300); // another duration
    await once(socket, 'timeout');
    expect(fired).to.equal(2);
    socket.destroy();
    await close();
  });

  it('Socket: setTimeout emits timeout when idle, activity restarts it, 0 turns it off; destroySoon ends then closes', async () => {
    const { socket, client, close } = await pair();
    let fired = 0;
    socket.setTimeout(1000, () => fired++);
    expect(socket.timeout).to.equal(1000);
    const t0 = performance.now();
    let last = t0;
    let maxGap = 0;
    for (let i = 0; i < 12; i++) {
      client.write('x');
      await once(socket, 'data');
      maxGap = Math.max(maxGap, performance.now() - last);
      last = performance.now();
      await sleep(100);
    }
    // 1.2 s of traffic every ~100 ms: never idle for 1 s (unless this machine stalled us that long).
    if (maxGap < 900) expect(fired).to.equal(0);
    if (fired === 0) await once(socket, 'timeout'); // fires once per idle spell
    expect(performance.now() - t0).to.be.above(1200);
    socket.setTimeout(0);
    client.resume();
    const ended = once(client, 'end');
    const closed = once(socket, 'close');
    socket.write('bye');
    socket.destroySoon();
    await ended;
    await closed;
    await close();
  });

  it('Socket: unref lets the process exit with a connection open; ref keeps it alive', async function () {
    this.timeout(30000);
    const lib = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = (unref) => `
      const { listen, toDuplex } = require(${JSON.stringify(lib)});
      const net = require('node:net');
      listen({ port: 0, host: '127.0.0.1' }).then((server) => {
        server.serve((c) => { const s = toDuplex(c); s.resume(); ${unref ? 's.unref(); server.unref();' : ''} });
        const peer = require('node:child_process').spawn(process.execPath, ['-e', 'require("net").connect(' + server.address().port + ', "127.0.0.1"); setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
        peer.unref();
        setTimeout(() => {}, 300).unref();
      });`;
    const unrefd = spawnSync(process.execPath, ['-e', script(true)], { timeout: 15000 });
    expect(unrefd.status, 'exits by itself').to.equal(0);
    const refd = spawnSync(process.execPath, ['-e', script(false)], { timeout: 4000 });
    expect(refd.signal, 'kept alive until killed').to.equal('SIGTERM');
  });

  it('withRing(http.Server): listening, address(), a node:http client and fetch; close() emits close once the fd is gone', async () => {
    const server = http.createServer((req, res) => res.end(`${req.socket.localPort} ${req.socket.remoteAddress}`));
    let listening = 0;
    server.on('listening', () => listening++);
    const port = await onRing(server);
    expect(listening).to.equal(1);
    expect(server.listening).to.equal(true);
    expect(server.address()).to.deep.equal({ address: '127.0.0.1', family: 'IPv4', port });
    expect((await get(port)).body).to.equal(`${port} 127.0.0.1`);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).to.equal(`${port} 127.0.0.1`);
    const before = fdCount();
    await new Promise((r) => server.close(r));
    expect(fdCount()).to.be.below(before);
    expect(server.address()).to.equal(null);
    const refused = await get(port, '/', false).catch((e) => e);
    expect(refused.code).to.equal('ECONNREFUSED');
  });

  it('withRing: EADDRINUSE as an error event like net.Server; reusePort lets two servers share a port', async () => {
    const a = http.createServer((req, res) => res.end('a'));
    const port = await onRing(a);
    const b = withRing(http.createServer());
    b.listen(port, '127.0.0.1');
    const [err] = await once(b, 'error');
    expect(err.code).to.equal('EADDRINUSE');
    a.close();
    await once(a, 'close');
    const c = withRing(http.createServer((req, res) => res.end('c')));
    const d = withRing(http.createServer((req, res) => res.end('d')));
    c.listen({ port, host: '127.0.0.1', reusePort: true });
    await once(c, 'listening');
    d.listen({ port, host: '127.0.0.1', reusePort: true });
    await once(d, 'listening');
    const seen = new Set();
    for (let i = 0; i < 40 && seen.size < 2; i++) seen.add((await get(port, '/', new http.Agent())).body);
    expect([...seen].sort()).to.deep.equal(['c', 'd']);
    c.close();
    d.close();
  });

  it('withRing: a Unix socket path; a second listen() throws ERR_SERVER_ALREADY_LISTEN as on net.Server', async () => {
    const sock = path.join(os.tmpdir(), `uring-net-${process.pid}.sock`);
    const server = withRing(http.createServer((req, res) => res.end('unix')));
    server.listen(sock);
    await once(server, 'listening');
    expect(server.address()).to.equal(sock);
    expect(() => server.listen(0)).to.throw().with.property('code', 'ERR_SERVER_ALREADY_LISTEN');
    const body = await new Promise((resolve, reject) => {
      http.get({ socketPath: sock, path: '/' }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d)).on('end', () => resolve(b));
      }).on('error', reject);
    });
    expect(body).to.equal('unix');
    await new Promise((r) => server.close(r));
    expect(fs.existsSync(sock)).to.equal(false);
  });

  it("withRing: node:http's keepAliveTimeout, headersTimeout (slowloris) and res.setTimeout fire; closeIdleConnections and closeAllConnections close", async () => {
    const server = http.createServer({ connectionsCheckingInterval: 100, headersTimeout: 400, requestTimeout: 800 }, (req, res) => {
      if (req.url === '/slow') return res.setTimeout(200, () => res.destroy());
      if (req.url === '/hang') return;
      res.end('ok');
    });
    server.keepAliveTimeout = 300;
    const port = await onRing(server);
    const closedBy = async (client) => {
      const t0 = performance.now();
      await once(client, 'close');
      return performance.now() - t0;
    };
    // Keep-alive idle after a response: closed by the server after keepAliveTimeout.
    const idle = net.connect(port, '127.0.0.1');
    idle.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    idle.resume();
    expect(await closedBy(idle)).to.be.below(3000);
    // Slowloris: headers never finish, so headersTimeout answers 408 and closes.
    const loris = net.connect(port, '127.0.0.1');
    loris.write('GET / HTTP/1.1\r\nHost: x\r\n');
    let answer = '';
    loris.on('data', (d) => (answer += d));
    expect(await closedBy(loris)).to.be.below(3000);
    expect(answer).to.match(/^HTTP\/1.1 408/);
    // res.setTimeout on a handler that never answers.
    const slow = await get(port, '/slow').catch((e) => e);
    expect(slow.code).to.equal('ECONNRESET');
    // closeIdleConnections closes an idle keep-alive socket; closeAllConnections one with a request in flight.
    server.keepAliveTimeout = 60_000;
    const agent = new http.Agent({ keepAlive: true });
    await get(port, '/', agent);
    const [kept] = Object.values(agent.sockets).concat(Object.values(agent.freeSockets)).flat();
    const keptClosed = once(kept, 'close');
    server.closeIdleConnections();
    await keptClosed;
    const hanging = get(port, '/hang').catch((e) => e);
    await sleep(100);
    server.closeAllConnections();
    expect((await hanging).code).to.equal('ECONNRESET');
    agent.destroy();
    server.close();
  });

  it('after 1,000 keep-alive connections drop, the server closes their fds at once (as fast as node:http)', async function () {
    this.timeout(60000);
    /** ms from the clients' destroy until this process's fd count is back. */
    const dropTime = async (server) => {
      await once(server, 'listening');
      const port = server.address().port;
      const base = fdCount();
      const clients = await Promise.all(Array.from({ length: 1000 }, () => new Promise((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        c.once('data', () => resolve(c));
      })));
      expect(fdCount()).to.be.above(base + 1900); // both ends live in this process
      const t0 = performance.now();
      for (const c of clients) c.destroy();
      while (fdCount() > base + 5 && performance.now() - t0 < 10000) await sleep(5);
      expect(fdCount()).to.be.at.most(base + 5);
      const ms = performance.now() - t0;
      await new Promise((r) => server.close(r));
      return ms;
    };
    const handler = (req, res) => res.end('x');
    const node = await dropTime(http.createServer(handler).listen(0, '127.0.0.1'));
    const ours = await dropTime(withRing(http.createServer(handler)).listen(0, '127.0.0.1'));
    // It took ~1 s here before closes were batched; node:http takes a few tens of ms.
    expect(ours).to.be.below(3 * node + 200);
  });

  it('https.Server with withRing and tls.TLSSocket over toDuplex complete their handshakes (6 of 6)', async () => {
    const server = https.createServer({ key, cert }, (req, res) => res.end('secure'));
    const port = await onRing(server);
    for (let i = 0; i < 6; i++) {
      const body = await new Promise((resolve, reject) => {
        https.get({ host: '127.0.0.1', port, rejectUnauthorized: false, agent: false }, (res) => {
          let b = '';
          res.on('data', (d) => (b += d)).on('end', () => resolve(b));
        }).on('error', reject);
      });
      expect(body).to.equal('secure');
    }
    server.close();
    const ring = await listen({ port: 0, host: '127.0.0.1' });
    ring.serve((c) => {
      const s = new tls.TLSSocket(toDuplex(c), { isServer: true, key, cert });
      s.on('data', (d) => s.end(`echo ${d}`));
    });
    for (let i = 0; i < 6; i++) {
      const c = tls.connect({ host: '127.0.0.1', port: ring.address().port, rejectUnauthorized: false }, () => c.write(String(i)));
      let got = '';
      c.on('data', (d) => (got += d));
      await once(c, 'end');
      expect(got).to.equal(`echo ${i}`);
    }
    await ring.close();
  });

  it('http2 (h2c) with withRing serves an http2 client', async () => {
    const server = http2.createServer((req, res) => res.end(`h2 ${req.url}`));
    const port = await onRing(server);
    const client = http2.connect(`http://127.0.0.1:${port}`);
    const body = await new Promise((resolve, reject) => {
      const req = client.request({ ':path': '/x' });
      let b = '';
      req.setEncoding('utf8').on('data', (d) => (b += d)).on('end', () => resolve(b)).on('error', reject);
    });
    expect(body).to.equal('h2 /x');
    client.close();
    server.close();
  });

  it('express and fastify (serverFactory) run on it; curl where installed', async () => {
    const app = express();
    app.get('/hi', (req, res) => res.json({ from: 'express' }));
    const exp = withRing(http.createServer(app)).listen(0, '127.0.0.1');
    await once(exp, 'listening');
    expect(await (await fetch(`http://127.0.0.1:${exp.address().port}/hi`)).json()).to.deep.equal({ from: 'express' });
    // curl in its own process (a spawnSync would block the server it asks).
    const curl = await promisify(execFile)('curl', ['-s', `http://127.0.0.1:${exp.address().port}/hi`]).catch((e) => e);
    if (curl.code !== 'ENOENT') expect(curl.stdout).to.equal('{"from":"express"}');
    exp.close();

    const fastify = Fastify({ serverFactory: (handler) => withRing(http.createServer(handler)) });
    fastify.get('/hi', async () => ({ from: 'fastify' }));
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    expect(await (await fetch(`http://127.0.0.1:${fastify.server.address().port}/hi`)).json()).to.deep.equal({ from: 'fastify' });
    await fastify.close();
  });

  it('ws: a WebSocket server on it echoes 100 messages for each of 20 clients', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
    const port = await onRing(server);
    await Promise.all(Array.from({ length: 20 }, async (_, k) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      await once(ws, 'open');
      for (let i = 0; i < 100; i++) {
        ws.send(`${k}:${i}`);
        const [m] = await once(ws, 'message');
        expect(m.toString()).to.equal(`${k}:${i}`);
      }
      ws.close();
      await once(ws, 'close');
    }));
    wss.close();
    server.close();
  });
});

describe('scale', () => {
  it('10,000 concurrent connections (fd limit raised in children): every one is served twice, with bounded memory', async function () {
    this.timeout(120000);
    const lib = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    // The clients, in a process of their own: 10,000 keep-alive connections, each asks twice.
    const clients = `
      const net = require('node:net');
      const [port, N] = process.argv.slice(1).map(Number);
      (async () => {
        const clients = [];
        for (let i = 0; i < N; i += 500) {
          clients.push(...await Promise.all(Array.from({ length: Math.min(500, N - i) }, () => new Promise((resolve, reject) => {
            const c = net.connect(port, '127.0.0.1', () => resolve(c));
            c.on('error', reject);
          }))));
        }
        const ask = (c, i) => new Promise((resolve) => {
          let got = '';
          const on = (d) => { got += d; if (got.endsWith('/' + i)) { c.off('data', on); resolve(); } };
          c.on('data', on);
          c.write('GET /' + i + ' HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n');
        });
        for (let round = 0; round < 2; round++) await Promise.all(clients.map(ask));
        console.log(N);
        for (const c of clients) c.destroy();
      })();`;
    const server = `
      const http = require('node:http');
      const { execFile } = require('node:child_process');
      const { withRing } = require(${JSON.stringify(lib)});
      const server = withRing(http.createServer((req, res) => res.end(req.url)));
      server.keepAliveTimeout = 100000; // a round over 10,000 connections can outlast the default 5 s here
      server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
        execFile(process.execPath, ['-e', ${JSON.stringify(clients)}, String(server.address().port), '10000'], { timeout: 100000 }, (err, stdout, stderr) => {
          console.log(JSON.stringify({ served: Number(stdout), err: err || !stdout ? String(err?.message).slice(0, 300) + ' / ' + stderr.slice(0, 600) : undefined, rssMiB: process.memoryUsage().rss / 2 ** 20 }));
          server.close(() => process.exit(0));
          server.closeAllConnections();
        });
      });`;
    const r = await promisify(execFile)('sh', ['-c', 'ulimit -n 20000 && exec "$0" -e "$1"', process.execPath, server], { timeout: 110000 }).catch((e) => e);
    if (/ulimit/.test(r.stderr ?? '')) this.skip(); // the hard fd limit is below 20,000 here
    const out = JSON.parse(r.stdout);
    expect(out.err, out.err).to.equal(undefined);
    expect(out.served).to.equal(10000);
    // 10,000 sockets and their node:http state, with the receive buffers at most 32 MiB.
    expect(out.rssMiB).to.be.below(400);
  });
});
