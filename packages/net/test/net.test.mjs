import { expect } from 'chai';
import fs from 'node:fs';
import http from 'node:http';
import crypto from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { firstValueFrom, from, toArray, take } from 'rxjs';
import { defaultRing } from '@uring/core';
import { listen, connect, toDuplex, lines, lengthPrefixed, chunks, frame, bindUdp } from '@uring/net';

const fdCount = () => fs.readdirSync('/proc/self/fd').length;
const settle = () => new Promise((r) => setTimeout(r, 20));

/** A node:net server that sends `data` to each client, then ends. */
async function nodeSender(data) {
  const server = net.createServer((s) => s.end(data));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  return server.address();
}

/** An echo server on @uring/net: every connection echoes until EOF. */
async function echoServer(opts = { port: 0, host: '127.0.0.1' }) {
  const server = await listen(opts);
  const sub = server.connections$.subscribe(async (conn) => {
    try {
      for await (const chunk of conn) await conn.send(chunk);
    } catch {
      // a reset peer: this connection is done, the server goes on
    } finally {
      await conn.close();
    }
  });
  return { server, port: server.address().port, stop: async () => { sub.unsubscribe(); await server.close(); } };
}

describe('@uring/net', () => {
  it('echoes bytes for a node:net client', async () => {
    const { port, stop } = await echoServer();
    const got = await new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      const parts = [];
      s.on('data', (d) => { parts.push(d); if (Buffer.concat(parts).length === 5) { s.end(); resolve(Buffer.concat(parts).toString()); } });
      s.on('error', reject);
      s.write('hello');
    });
    expect(got).to.equal('hello');
    await stop();
  });

  it('views(): an echo through lent views keeps every byte; breaking early gives the buffers back', async () => {
    const server = await listen({ port: 0, host: '127.0.0.1' });
    const port = server.address().port;
    const lentSeen = [];
    let mode = 'echo';
    const sub = server.connections$.subscribe(async (conn) => {
      try {
        if (mode === 'echo') {
          for await (const view of conn.views()) await conn.send(view);
        } else {
          // take one view, then leave the loop: its buffer (and any queued) go back to the ring
          for await (const view of conn.views()) { lentSeen.push(view.buffer.byteLength); break; }
        }
      } finally {
        await conn.close();
      }
    });
    const roundTrip = (data) => new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      const parts = [];
      let n = 0;
      s.on('data', (d) => { parts.push(d); n += d.length; if (n >= data.length) { s.end(); resolve(Buffer.concat(parts)); } });
      s.on('error', reject);
      s.write(data);
    });
    const big = crypto.randomBytes(8 << 20);
    // A kept-chunks consumer beside it: default iteration gives chunks of their own.
    const kept = [];
    const other = await connect({ host: '127.0.0.1', port: (await nodeSender(big)).port });
    const keeping = (async () => { for await (const c of other) kept.push(c); })();
    expect((await roundTrip(big)).equals(big)).to.equal(true);
    await keeping;
    expect(Buffer.concat(kept).equals(big)).to.equal(true);
    await other.close();

    mode = 'break';
    const closes = [];
    for (let i = 0; i < 300; i++) {
      closes.push(new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => s.write(Buffer.alloc(70000, i)));
        s.on('close', resolve);
        s.on('error', () => {});
      }));
      if (closes.length % 50 === 0) await Promise.all(closes);
    }
    await Promise.all(closes);
    // Had the views not gone back, the lender would be exhausted and every chunk a copy of its own.
    const lentBuffer = lentSeen[0];
    expect(lentBuffer).to.be.at.least(1 << 20);
    expect(lentSeen.slice(-10).every((n) => n === lentBuffer)).to.equal(true);
    mode = 'echo';
    expect((await roundTrip(Buffer.from('still echoing'))).toString()).to.equal('still echoing');
    sub.unsubscribe();
    await server.close();
  });

  it('pipe(): an echo through conn.pipe(conn) keeps every byte in order, half-closes at EOF and gives its lent buffers back', async () => {
    const server = await listen({ port: 0, host: '127.0.0.1' });
    const port = server.address().port;
    const piped = [];
    const lentSeen = [];
    let mode = 'pipe';
    const sub = server.connections$.subscribe(async (conn) => {
      if (mode === 'pipe') piped.push(conn.pipe(conn).then(() => 'done', (e) => e).finally(() => conn.close()));
      else {
        for await (const view of conn.views()) { lentSeen.push(view.buffer.byteLength); break; }
        await conn.close();
      }
    });
    const roundTrip = (data) => new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      const parts = [];
      s.on('data', (d) => parts.push(d));
      s.on('end', () => resolve(Buffer.concat(parts))); // the server's half-close after the last byte
      s.on('error', reject);
      s.end(data);
    });
    const big = crypto.randomBytes(8 << 20);
    expect((await roundTrip(big)).equals(big)).to.equal(true);
    const smalls = await Promise.all(Array.from({ length: 300 }, (_, i) => roundTrip(Buffer.alloc(70000, i))));
    expect(smalls.every((b, i) => b.length === 70000 && b[0] === (i & 255) && b[69999] === (i & 255))).to.equal(true);
    expect(await Promise.all(piped)).to.deep.equal(piped.map(() => 'done'));
    // Had the pipes kept their views, the lender would be exhausted and every chunk a copy of its own.
    mode = 'views';
    await new Promise((resolve) => { const s = net.connect(port, '127.0.0.1', () => s.write('x')); s.on('close', resolve); });
    expect(lentSeen[0]).to.be.at.least(1 << 20);
    sub.unsubscribe();
    await server.close();
  });

  it('pipe(): a proxy between two connections pauses receiving while its destination lags; every byte arrives', async () => {
    const server = await listen({ port: 0, host: '127.0.0.1' });
    const port = server.address().port;
    const accepted = server.connections$.pipe(take(2), toArray());
    const got = firstValueFrom(accepted);
    const writer = await connect({ port, host: '127.0.0.1' });
    await writer.send(Buffer.alloc(0));
    const reader = await connect({ port, host: '127.0.0.1' });
    const [from, to] = await got;
    const proxied = from.pipe(to);
    const big = crypto.randomBytes(64 << 20);
    let sent = false;
    const sending = writer.send(big).then(() => { sent = true; });
    await new Promise((r) => setTimeout(r, 300));
    expect(sent).to.equal(false); // the reader reads nothing: the proxy stopped taking, the writer's send waits
    const parts = [];
    let n = 0;
    for await (const chunk of reader) { parts.push(chunk); if ((n += chunk.length) === big.length) break; }
    await sending;
    expect(Buffer.concat(parts).equals(big)).to.equal(true);
    await writer.shutdown();
    await proxied; // EOF from the writer: all sent, the reader's side half-closed
    await Promise.all([writer.close(), reader.close(), from.close(), to.close()]);
    await server.close();
  });

  it('pipe(): errors as Node: a reset source, a closed destination, a second consumer, a bad destination', async () => {
    const server = await listen({ port: 0, host: '127.0.0.1' });
    const port = server.address().port;
    const conns = firstValueFrom(server.connections$.pipe(take(3), toArray()));
    const a = net.connect(port, '127.0.0.1');
    await new Promise((r) => a.on('connect', r));
    const b = await connect({ port, host: '127.0.0.1' });
    const c = await connect({ port, host: '127.0.0.1' });
    const [sa, sb, sc] = await conns;
    expect(await sa.pipe(42).catch((e) => e.code)).to.equal('ERR_INVALID_ARG_TYPE');
    const reset = sa.pipe(sb).catch((e) => e);
    expect(await sa.pipe(sc).catch((e) => e.code)).to.equal('ERR_URING_BUSY');
    a.resetAndDestroy();
    expect((await reset).code).to.equal('ECONNRESET');
    await sc.close();
    const closed = sb.pipe(sc).catch((e) => e);
    await b.send('into a closed destination');
    expect((await closed).code).to.equal('ERR_SOCKET_CLOSED');
    await Promise.all([b.close(), c.close(), sa.close(), sb.close()]);
    await server.close();
  });

  it('a @uring/net client talks to a node:net server; EOF ends the iteration', async () => {
    const server = net.createServer((s) => s.end('from node'));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const conn = await connect({ host: '127.0.0.1', port: server.address().port });
    expect(conn.remoteAddress).to.equal('127.0.0.1');
    expect(conn.remotePort).to.equal(server.address().port);
    const parts = [];
    for await (const c of conn) parts.push(c);
    expect(Buffer.concat(parts).toString()).to.equal('from node');
    await conn.close();
    server.close();
  });

  it('gathered sends of 1 to 20 buffers (empty ones among them, some larger than the socket buffer), queued back to back, arrive whole and in order', async () => {
    const got = [];
    let received = 0;
    const server = net.createServer((s) => s.on('data', (d) => { got.push(d); received += d.length; }));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const conn = await connect({ host: '127.0.0.1', port: server.address().port });
    const expected = [];
    const sends = [];
    for (let i = 0; i < 60; i++) {
      const parts = Array.from({ length: 1 + (i % 20) }, (_, k) => Buffer.alloc(k % 5 === 3 ? 0 : i % 7 === 6 && k === 0 ? 2 << 20 : 1 + ((i * 31 + k * 17) % 3000), (i * 7 + k) % 251));
      expected.push(...parts);
      sends.push(conn.sendmsg(parts));
    }
    const counts = await Promise.all(sends);
    const total = expected.reduce((a, p) => a + p.length, 0);
    expect(counts.reduce((a, n) => a + n, 0)).to.equal(total);
    while (received < total) await settle();
    expect(Buffer.concat(got).equals(Buffer.concat(expected))).to.equal(true);
    await conn.close();
    server.close();
  });

  it('send (plain, zero-copy, many at once), sendmsg and recvmsg keep every byte in call order', async () => {
    let received = Buffer.alloc(0);
    let peer;
    const server = net.createServer((s) => { peer = s; s.on('data', (d) => { received = Buffer.concat([received, d]); }); });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const conn = await connect({ host: '127.0.0.1', port: server.address().port });
    const big = Buffer.alloc(3 << 20, 9); // larger than the socket buffer: short sends happen
    const sends = [conn.send('a'), conn.send(big, { zeroCopy: true }), conn.sendmsg([Buffer.from('b'), Buffer.from('cd')]), conn.send('e')];
    expect(await Promise.all(sends)).to.deep.equal([1, big.length, 3, 1]);
    while (received.length < big.length + 5) await settle();
    expect(received.subarray(0, 1).toString() + received.subarray(big.length + 1).toString()).to.equal('abcde');
    expect(received.subarray(1, big.length + 1).equals(big)).to.equal(true);
    // recvmsg scatters one read over several buffers.
    peer.write('hello world');
    await settle();
    const a = Buffer.alloc(5);
    const b = Buffer.alloc(10);
    const r = await conn.recvmsg([a, b]);
    expect(r.bytes).to.equal(11);
    expect(a.toString() + b.subarray(0, 6).toString()).to.equal('hello world');
    await conn.close();
    expect(await conn.send('x').then(() => 'sent', (e) => e.code)).to.equal('ERR_SOCKET_CLOSED');
    expect(await conn.sendmsg([Buffer.from('x')]).then(() => 'sent', (e) => e.code)).to.equal('ERR_SOCKET_CLOSED');
    server.close();
  });

  it('data as an Observable, with the lines operator', async () => {
    const server = net.createServer((s) => { s.write('one\ntw'); setTimeout(() => s.end('o\r\nthree'), 5); });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const conn = await connect({ host: 'localhost', port: server.address().port });
    expect(await firstValueFrom(conn.data$.pipe(lines(), toArray()))).to.deep.equal(['one', 'two', 'three']);
    await conn.close();
    server.close();
  });

  it('operators: length-prefixed frames and fixed chunks across chunk boundaries', async () => {
    const bytes = Buffer.concat([frame(Buffer.from('a')), frame(Buffer.from('bcd')), frame(Buffer.alloc(0))]);
    const split = [bytes.subarray(0, 3), bytes.subarray(3, 6), bytes.subarray(6)];
    expect((await firstValueFrom(from(split).pipe(lengthPrefixed(), toArray()))).map(String)).to.deep.equal(['a', 'bcd', '']);
    expect((await firstValueFrom(from([Buffer.from('abcde'), Buffer.from('fg')]).pipe(chunks(3), toArray()))).map(String)).to.deep.equal(['abc', 'def', 'g']);
  });

  it('half-close: shutdown sends EOF, the peer can still answer', async () => {
    const server = net.createServer((s) => { const parts = []; s.on('data', (d) => parts.push(d)); s.on('end', () => s.end(`got ${Buffer.concat(parts)}`)); });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const conn = await connect({ port: server.address().port, host: '127.0.0.1' });
    await conn.send('request');
    await conn.shutdown();
    const parts = [];
    for await (const c of conn) parts.push(c);
    expect(Buffer.concat(parts).toString()).to.equal('got request');
    await conn.close();
    server.close();
  });

  it('errors as Node: ECONNREFUSED, EADDRINUSE, ETIMEDOUT-style deadline, send after close', async () => {
    const probe = net.createServer();
    await new Promise((r) => probe.listen(0, '127.0.0.1', r));
    const port = probe.address().port;
    const inUse = await listen({ port, host: '127.0.0.1' }).catch((e) => e);
    const nodeInUse = await new Promise((r) => { const s = net.createServer(); s.once('error', r); s.listen(port, '127.0.0.1'); });
    for (const k of ['code', 'errno', 'syscall', 'address', 'port', 'message']) expect(inUse[k], k).to.equal(nodeInUse[k]);
    probe.close();
    await settle();
    const refused = await connect({ port, host: '127.0.0.1' }).catch((e) => e);
    const nodeRefused = await new Promise((r) => net.connect(port, '127.0.0.1').once('error', r));
    for (const k of ['code', 'errno', 'syscall', 'address', 'port', 'message']) expect(refused[k], k).to.equal(nodeRefused[k]);
    const { port: p2, stop } = await echoServer();
    const conn = await connect({ port: p2, host: '127.0.0.1' });
    await conn.close();
    expect((await conn.send('x').catch((e) => e)).code).to.equal('ERR_SOCKET_CLOSED');
    await stop();
  });

  it('a peer that resets mid-stream errors that connection only; the server keeps serving', async () => {
    const { port, stop } = await echoServer();
    const victim = net.connect(port, '127.0.0.1');
    await new Promise((r) => victim.on('connect', r));
    victim.write('partial');
    victim.resetAndDestroy();
    const client = await connect({ port, host: '127.0.0.1' });
    await client.send('still here');
    const it = client[Symbol.asyncIterator]();
    const { value } = await it.next();
    expect(value.toString()).to.equal('still here');
    await client.close();
    await stop();
  });

  it('our receiving side sees a reset as ECONNRESET on the iterator', async () => {
    const server = await listen({ port: 0, host: '127.0.0.1' });
    const accepted = firstValueFrom(server.connections$);
    const s = net.connect(server.address().port, '127.0.0.1');
    const connected = new Promise((r) => s.on('connect', r));
    const conn = await accepted;
    await connected;
    s.resetAndDestroy();
    const err = await (async () => { for await (const _ of conn) { /* drain */ } })().catch((e) => e);
    expect(err.code).to.equal('ECONNRESET');
    expect(err.syscall).to.equal('read');
    await conn.close();
    await server.close();
  });

  it('backpressure: a consumer that lags pauses receiving; a peer that never reads leaves sends pending', async () => {
    const server = await listen({ port: 0, host: '127.0.0.1' });
    const accepted = firstValueFrom(server.connections$);
    const sender = await connect({ port: server.address().port, host: '127.0.0.1' });
    const receiver = await accepted;
    const it = receiver[Symbol.asyncIterator]();
    await sender.send(Buffer.alloc(1));
    expect((await it.next()).value.length).to.equal(1); // receiving runs... and now the consumer lags
    const big = Buffer.alloc(64 << 20, 1);
    let done = false;
    const sending = sender.send(big).then(() => { done = true; });
    await new Promise((r) => setTimeout(r, 200));
    expect(done).to.equal(false); // the kernel buffers filled; the send waits, nothing piles up in JS
    let total = 0;
    while (total < big.length) total += (await it.next()).value.length;
    await sending;
    expect(total).to.equal(big.length);
    await sender.close();
    await receiver.close();
    await server.close();
  });

  it('1,000 concurrent connections echo, and every fd is closed afterwards', async function () {
    this.timeout(60_000);
    const before = fdCount();
    const { port, stop } = await echoServer();
    // Each connection costs two fds here (both ends live in this process): stay inside the fd limit.
    const soft = Number(fs.readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+(\d+)/)?.[1] ?? 4096);
    const n = Math.min(1000, Math.floor((soft - 200) / 2));
    const results = await Promise.all(Array.from({ length: n }, async (_, i) => {
      const c = await connect({ port, host: '127.0.0.1' });
      const msg = `message ${i}`;
      await c.send(msg);
      const it = c[Symbol.asyncIterator]();
      let got = '';
      while (got.length < msg.length) got += (await it.next()).value.toString();
      await c.close();
      return got === msg;
    }));
    expect(results.every(Boolean)).to.equal(true);
    await stop();
    await settle();
    expect(fdCount()).to.be.at.most(before + 1); // the shared buffer ring is memory, not an fd
  });

  it('Unix socket paths', async () => {
    const p = path.join(os.tmpdir(), `uring-net-${process.pid}.sock`);
    const { stop } = await echoServer({ path: p });
    const c = await connect({ path: p });
    await c.send('unix');
    const { value } = await c[Symbol.asyncIterator]().next();
    expect(value.toString()).to.equal('unix');
    await c.close();
    await stop();
    expect(fs.existsSync(p)).to.equal(false);
  });

  it('serves node:http over @uring/net connections to a real HTTP client', async () => {
    const server = await listen({ port: 0, host: '127.0.0.1' });
    const app = http.createServer((req, res) => res.end(`you asked for ${req.url}`));
    const sub = server.connections$.subscribe((conn) => app.emit('connection', toDuplex(conn)));
    const res = await fetch(`http://127.0.0.1:${server.address().port}/hello`);
    expect(res.status).to.equal(200);
    expect(await res.text()).to.equal('you asked for /hello');
    sub.unsubscribe();
    await server.close();
    app.close();
  });

  it('reusePort: two listeners share one port and both receive connections; without it the second gets EADDRINUSE', async () => {
    const a = await listen({ port: 0, host: '127.0.0.1', reusePort: true });
    const port = a.address().port;
    const b = await listen({ port, host: '127.0.0.1', reusePort: true });
    const refused = await listen({ port, host: '127.0.0.1' }).catch((e) => e);
    expect(refused.code).to.equal('EADDRINUSE');
    const counts = [0, 0];
    const subs = [a, b].map((s, i) => s.connections$.subscribe((c) => { counts[i]++; void c.close(); }));
    // The kernel picks a listener by a hash of each connection's 4-tuple: 64 connections reach both.
    const clients = await Promise.all(Array.from({ length: 64 }, () => new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => r(s)); })));
    while (counts[0] + counts[1] < 64) await settle();
    for (const s of clients) s.destroy();
    expect(counts[0]).to.be.above(0);
    expect(counts[1]).to.be.above(0);
    subs.forEach((s) => s.unsubscribe());
    await a.close();
    await b.close();
  });

  it('closing the server cancels the accept in the kernel', async () => {
    const server = await listen({ port: 0, host: '127.0.0.1' });
    const sub = server.connections$.subscribe(() => {});
    await settle();
    const before = defaultRing().inflight;
    await server.close();
    await settle();
    expect(defaultRing().inflight).to.be.below(before);
    expect(server.address()).to.equal(null);
    sub.unsubscribe();
  });

  it('UDP: datagrams as an observable, send to a port', async () => {
    const a = await bindUdp({ host: '127.0.0.1' });
    const b = await bindUdp({ host: '127.0.0.1' });
    const got = firstValueFrom(a.messages$().pipe(take(2), toArray()));
    await b.send('one', a.address().port);
    await b.send('two', a.address().port);
    const msgs = await got;
    expect(msgs.map((m) => m.data.toString())).to.deep.equal(['one', 'two']);
    expect(msgs[0].from.port).to.equal(b.address().port);
    await a.close();
    await b.close();
  });

  it('rejects bad ports like node:net', async () => {
    const err = await listen({ port: 70000 }).catch((e) => e);
    expect(err.code).to.equal('ERR_SOCKET_BAD_PORT');
    const err2 = await connect({ port: 'x' }).catch((e) => e);
    expect(err2.code).to.equal('ERR_INVALID_ARG_TYPE');
  });
});
