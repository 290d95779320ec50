// Processes using every package: signals with ops in flight, and a bounded soak of mixed file,
// socket and timer ops whose completions all arrive and whose fds and memory come back.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function child(code, onStdout, flags = []) {
  const c = spawn(process.execPath, [...flags, '--input-type=module', '-e', code], { cwd: root });
  let out = '';
  let err = '';
  c.stdout.on('data', (d) => { out += d; onStdout?.(out, c); });
  c.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => c.on('exit', (status, signal) => resolve({ status, signal, out, err })));
}

const BUSY = `
  import fs from 'node:fs'; import { execFileSync } from 'node:child_process';
  import { op, run } from '@uring/core'; import { setTimeout } from '@uring/timers'; import { listen } from '@uring/net';
  const fifo = '/tmp/uring-sig-' + process.pid; execFileSync('mkfifo', [fifo]);
  const fd = fs.openSync(fifo, fs.constants.O_RDWR); fs.unlinkSync(fifo);
  for (let i = 0; i < 10; i++) run(op.read(fd, Buffer.alloc(8))).catch(() => {});
  setTimeout(60_000).catch(() => {});
  const server = await listen({ port: 0, host: '127.0.0.1' }); server.connections$.subscribe();
  HANDLER
  console.log('ready');`;

describe('process lifecycle with every package', () => {
  it('where io_uring is denied: net and core say why, fs and timers keep working, nothing crashes', async () => {
    const fixture = fileURLToPath(new URL('../packages/core/test/fixtures/deny-io-uring.cjs', import.meta.url));
    const c = spawn(process.execPath, ['--require', fixture, '--input-type=module', '-e', `
      import { listen, connect } from '@uring/net'; import { isAvailable } from '@uring/core';
      import fs from '@uring/fs/promises'; import { setTimeout } from '@uring/timers';
      const l = await listen({ port: 0 }).catch((e) => e);
      const c = await connect({ port: 1, host: '127.0.0.1' }).catch((e) => e);
      const text = await fs.readFile('${fileURLToPath(import.meta.url)}', 'utf8');
      console.log(JSON.stringify({ available: isAvailable(), listen: [l.code, l.reason], connect: [c.code, c.reason],
        fs: text.length > 0, timer: await setTimeout(1, 'ok') }));`], { cwd: root, env: { ...process.env, URING_DENY: 'ENOSYS' } });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    const status = await new Promise((r) => c.on('exit', r));
    expect(status).to.equal(0);
    expect(JSON.parse(out)).to.deep.equal({ available: false, listen: ['ERR_URING_UNAVAILABLE', 'ENOSYS'], connect: ['ERR_URING_UNAVAILABLE', 'ENOSYS'], fs: true, timer: 'ok' });
  });

  for (const sig of ['SIGINT', 'SIGTERM']) {
    it(`${sig} with ops in flight ends the process at once (default handling)`, async () => {
      const r = await child(BUSY.replace('HANDLER', ''), (out, c) => out.includes('ready') && c.kill(sig));
      expect(r.signal).to.equal(sig);
      expect(r.err).to.equal('');
    });
    it(`${sig} with a handler that closes things and exits: a clean exit code`, async () => {
      const handler = `process.once('${sig}', async () => { await server.close(); process.exit(0); });`;
      const r = await child(BUSY.replace('HANDLER', handler), (out, c) => out.includes('ready') && c.kill(sig));
      expect(r.status).to.equal(0);
      expect(r.err).to.equal('');
    });
  }

  it('with URING_DEFER_TASKRUN=1, files and a worker that loads @uring/fs: the process exits by itself', async () => {
    // Seen here: after this, the main ring's IORING_SQ_TASKRUN stayed set with no work to run, and a
    // reaper that came back whenever it was set kept the loop busy for ever.
    const code = `
      import os from 'node:os'; import path from 'node:path'; import { Worker } from 'node:worker_threads';
      import fsp from '@uring/fs/promises';
      const p = path.join(os.tmpdir(), 'uring-defer-' + process.pid);
      await fsp.writeFile(p, await fsp.readFile(${JSON.stringify(fileURLToPath(import.meta.url))}));
      const h = await fsp.open(p); await h.close(); await fsp.rm(p);
      await new Promise((resolve, reject) => new Worker("import('@uring/fs/promises').then((m) => m.default.readFile('/etc/hostname'))", { eval: true })
        .once('exit', resolve).once('error', reject));
      console.log('done');`;
    const c = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: root, env: { ...process.env, URING_DEFER_TASKRUN: '1' } });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    const killer = setTimeout(() => c.kill('SIGKILL'), 30_000);
    const [status, signal] = await new Promise((resolve) => c.on('exit', (...a) => resolve(a)));
    clearTimeout(killer);
    expect({ status, signal, out: out.trim() }).to.deep.equal({ status: 0, signal: null, out: 'done' });
  });

  it('soak: mixed file, socket and timer ops at full speed; every completion arrives, fds and RSS come back', async function () {
    const seconds = Number(process.env.SOAK_SECONDS ?? 15);
    this.timeout((seconds + 60) * 1000);
    const r = await child(`
      import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
      import ufs from '@uring/fs/promises'; import { listen, connect } from '@uring/net'; import { setTimeout } from '@uring/timers';
      let unhandled = 0; process.on('unhandledRejection', () => unhandled++);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-soak-'));
      const fds = () => fs.readdirSync('/proc/self/fd').length;
      const server = await listen({ port: 0, host: '127.0.0.1' });
      server.connections$.subscribe(async (c) => { try { for await (const d of c) await c.send(d); } catch {} finally { await c.close(); } });
      const port = server.address().port;
      const counts = { file: 0, net: 0, timer: 0 };
      let seq = 0;
      async function round() {
        const id = seq++ % 64; // at most 16 rounds in flight: no two share a file
        await Promise.all([
          (async () => { const p = path.join(dir, 'f' + id); await ufs.writeFile(p, 'x'.repeat(1000)); if ((await ufs.readFile(p, 'utf8')).length !== 1000) throw new Error('file'); counts.file++; })(),
          (async () => { const c = await connect({ port, host: '127.0.0.1' }); await c.send('ping'); const it = c[Symbol.asyncIterator](); let got = ''; while (got.length < 4) got += (await it.next()).value; await c.close(); if (got !== 'ping') throw new Error('net'); counts.net++; })(),
          (async () => { await setTimeout(1); counts.timer++; })(),
        ]);
      }
      for (let i = 0; i < 200; i++) await round(); // warm up, then take the baseline
      // Memory outside V8's heap (ours: koffi, rings, buffers) and V8's live heap after a full GC; V8's own
      // heap reservation is not ours (Node 26 grows its young generation ~20 MiB more than Node 20 here).
      const mem = () => { global.gc(); const m = process.memoryUsage(); return { outside: m.rss - m.heapTotal, live: m.heapUsed }; };
      const fd0 = fds(); const mem0 = mem();
      const end = Date.now() + ${seconds} * 1000; let rounds = 0;
      while (Date.now() < end) { await Promise.all(Array.from({ length: 16 }, round)); rounds += 16; }
      await new Promise((r) => globalThis.setTimeout(r, 200));
      const mem1 = mem();
      const out = { rounds, counts, fdDelta: fds() - fd0, outsideGrowthMiB: (mem1.outside - mem0.outside) / 1048576, liveGrowthMiB: (mem1.live - mem0.live) / 1048576, unhandled };
      await server.close(); fs.rmSync(dir, { recursive: true, force: true });
      console.log(JSON.stringify(out));`, undefined, ['--expose-gc']);
    expect(r.status, r.err).to.equal(0);
    const out = JSON.parse(r.out);
    expect(out.unhandled).to.equal(0);
    expect(out.counts.file).to.equal(out.rounds + 200);
    expect(out.counts.net).to.equal(out.rounds + 200);
    expect(out.counts.timer).to.equal(out.rounds + 200);
    expect(out.fdDelta).to.be.at.most(2);
    expect(out.outsideGrowthMiB).to.be.below(64);
    expect(out.liveGrowthMiB).to.be.below(32);
  });
});
