// Rings in worker threads: each thread its own ring on its own loop; a worker that ends with ops in
// flight (terminate(), process.exit(), an uncaught exception, the end of its work) tears its rings down
// without a crash or a leaked ring fd; rings never cross threads, but MSG_RING reaches another thread's ring;
// cluster workers and forked children are processes with rings of their own (ring fds are close-on-exec).
import { expect } from 'chai';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { Ring, defaultRing, op } from '@uring/core';
import { fifo } from './helpers.mjs';

const coreDir = fileURLToPath(new URL('..', import.meta.url));
const koffiPath = createRequire(`${coreDir}/package.json`).resolve('koffi');
const koffi = createRequire(`${coreDir}/package.json`)('koffi');

/** A CommonJS worker with `core`, `parentPort`, `fs` and `gettid()` in scope. */
function worker(body) {
  return new Worker(
    `const { parentPort } = require('node:worker_threads');
     const fs = require('node:fs');
     const core = require(${JSON.stringify(coreDir)});
     const koffi = require(${JSON.stringify(koffiPath)});
     const gettid = koffi.load('libc.so.6').func('int gettid()');
     ${body}`,
    { eval: true },
  );
}

const message = (w) => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
const exited = (w) => new Promise((resolve) => w.once('exit', resolve));

/** The io_uring fds of this process (every thread's), by /proc/self/fd. */
function ringFds() {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[io_uring]';
    } catch {
      return false; // the fd of the readdir itself
    }
  }).map(Number);
}

describe('worker threads', () => {
  it('each worker has its own rings, polled on its own loop: completions run on the worker thread', async () => {
    const main = defaultRing();
    const body = `
      const tid = gettid();
      const ring = new core.Ring({ entries: 8 });
      const buf = Buffer.alloc(4);
      const fd = fs.openSync(${JSON.stringify(fileURLToPath(import.meta.url))}, 'r');
      (async () => {
        await core.timeout(30); // completes later, through the ring fd's poll
        const afterTimeout = gettid();
        const n = await ring.submit(core.op.read(fd, buf, 0));
        fs.closeSync(fd);
        parentPort.postMessage({ tid, afterTimeout, afterRead: gettid(), n, text: buf.toString(), available: core.isAvailable(), fds: [ring.fd, core.defaultRing().fd] });
        parentPort.once('message', () => process.exit(0)); // alive (its fds its own) until told
      })();`;
    const ws = [worker(body), worker(body)];
    const got = await Promise.all(ws.map(message));
    const ends = ws.map(exited);
    for (const w of ws) w.postMessage('bye');
    expect(await Promise.all(ends)).to.deep.equal([0, 0]);
    for (const g of got) {
      expect(g).to.include({ n: 4, text: '// R', available: true });
      expect(g.afterTimeout).to.equal(g.tid);
      expect(g.afterRead).to.equal(g.tid);
      expect(g.tid).to.not.equal(process.pid);
    }
    expect(got[0].tid).to.not.equal(got[1].tid);
    const all = [main.fd, ...got[0].fds, ...got[1].fds];
    expect(new Set(all).size).to.equal(all.length);
    expect(await main.submit(op.nop())).to.equal(0);
  });

  it('a completion in an idle worker reaches its awaiter at once, not at the next unrelated callback (Node 26)', async () => {
    const w = worker(`
      setTimeout(() => {}, 5000); // the next unrelated callback, far off
      const t0 = Date.now();
      core.timeout(20).then(() => { parentPort.postMessage(Date.now() - t0); process.exit(0); });`);
    const ended = exited(w);
    const ms = await message(w);
    expect(ms).to.be.within(19, 2000);
    expect(await ended).to.equal(0);
  });

  const inFlight = (ref = true) => `
    const ring = new core.Ring({ entries: 16 });
    const [r, w] = [fs.openSync('/dev/zero', 'r'), 0];
    const { execFileSync } = require('node:child_process');
    const p = '/tmp/uring-tfifo-' + process.pid + '-' + gettid(); execFileSync('mkfifo', [p]);
    const fifo = fs.openSync(p, fs.constants.O_RDWR); fs.unlinkSync(p);
    for (let i = 0; i < 8; i++) ring.submit(core.op.read(fifo, Buffer.alloc(64)), { ref: ${ref} }).catch(() => {});
    core.run(core.op.read(fifo, Buffer.alloc(64)), { ref: ${ref} }).catch(() => {});
    core.timeout(60_000, { ref: false }).catch(() => {});
    ring.submit(core.op.read(r, Buffer.alloc(1 << 20), 0));
    parentPort.postMessage({ fds: [ring.fd, core.defaultRing().fd] });`;
  const endings = {
    'worker.terminate()': { body: 'setInterval(() => {}, 1000);', code: 1, end: (w) => w.terminate() },
    'process.exit() in the worker': { body: 'setTimeout(() => process.exit(7), 20);', code: 7 },
    'an uncaught exception': { body: 'setTimeout(() => { throw new Error("boom"); }, 20);', code: 1, error: 'boom' },
    'the end of its work (its pending ops unref)': { ref: false, body: '', code: 0 },
  };
  for (const [how, e] of Object.entries(endings)) {
    it(`a worker ending by ${how} with ops in flight: no crash, its ring fds closed, its exit code`, async () => {
      const before = ringFds();
      const callbacks = koffi.stats().callbacks; // process-wide: every thread's koffi callbacks
      const w = worker(`${inFlight(e.ref)}\n${e.body}`);
      let error;
      w.on('error', (err) => (error = err));
      const ended = exited(w);
      const { fds } = await message(w);
      if (e.ref !== false) expect(ringFds()).to.include.members(fds); // (with nothing ref'd, it may be gone already)
      e.end?.(w);
      expect(await ended).to.equal(e.code);
      if (e.error) expect(error?.message).to.equal(e.error);
      else expect(error).to.equal(undefined);
      expect(ringFds()).to.not.include.members(fds);
      expect(ringFds()).to.have.members(before);
      // Each ring's poll callback is given back; after terminate() no JS can, and koffi does not
      // return a dead thread's callbacks to its pool (8192 per process): one per ring is lost.
      expect(koffi.stats().callbacks - callbacks).to.equal(e.end ? 2 : 0);
      // A fresh worker after it gets rings of its own.
      const fresh = worker(`core.timeout(10).then(() => parentPort.postMessage(core.defaultRing().fd));`);
      expect(await message(fresh)).to.be.a('number');
      await fresh.terminate();
    });
  }

  it('worker.terminate() while completions keep arriving: no crash (the poll fires during teardown, when no JS runs)', async () => {
    const before = ringFds();
    for (let i = 0; i < 6; i++) {
      const w = worker(`
        const ring = new core.Ring({ entries: 64 });
        const spin = () => { for (let k = 0; k < 32; k++) ring.submit(core.op.timeout(1)).catch(() => {}); };
        setInterval(spin, 1); spin();
        parentPort.postMessage('busy');`);
      const ended = exited(w);
      await message(w);
      await new Promise((r) => setTimeout(r, 5 + i * 7));
      await w.terminate();
      expect(await ended).to.equal(1);
    }
    expect(ringFds()).to.have.members(before);
  });

  it('after worker.terminate(), reads the worker left pending take nothing: bytes written later stay in the pipe', async () => {
    const [r, w] = fifo();
    const wk = worker(`
      const ring = new core.Ring({ entries: 8 });
      for (let i = 0; i < 4; i++) ring.submit(core.op.read(${r}, Buffer.alloc(16))).catch(() => {});
      core.run(core.op.read(${r}, Buffer.alloc(16))).catch(() => {});
      setTimeout(() => parentPort.postMessage('pending'), 50); setInterval(() => {}, 1000);`);
    const ended = exited(wk);
    await message(wk);
    await wk.terminate();
    await ended;
    fs.writeSync(w, 'after terminate');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const buf = Buffer.alloc(64);
    expect(buf.subarray(0, fs.readSync(r, buf)).toString()).to.equal('after terminate');
    fs.closeSync(r);
    fs.closeSync(w);
  });

  it('closeAtThreadExit(fd): a worker\'s fd is closed when it ends, even by terminate(); false undoes it', async () => {
    const wk = worker(`
      (async () => {
        // Opened through the ring, so Node does not track them (it closes a worker's fs.open fds itself).
        const kept = await core.run(core.op.openat('/dev/null')), closed = await core.run(core.op.openat('/dev/null'));
        core.closeAtThreadExit(kept); core.closeAtThreadExit(kept, false); core.closeAtThreadExit(closed);
        parentPort.postMessage({ kept, closed }); setInterval(() => {}, 1000);
      })();`);
    const ended = exited(wk);
    const { kept, closed } = await message(wk);
    await wk.terminate();
    await ended;
    expect(fs.existsSync(`/proc/self/fd/${closed}`)).to.equal(false);
    expect(fs.readlinkSync(`/proc/self/fd/${kept}`)).to.equal('/dev/null');
    fs.closeSync(kept);
  });

  it('a ring never crosses threads: posting one gives no usable ring, posting an op is refused; MSG_RING to its fd reaches it', async () => {
    const ring = new Ring({ entries: 8 });
    const got = [];
    ring.onMessage((value, data) => got.push([value, data]));
    const w = worker(`
      parentPort.once('message', async ({ ring, fd }) => {
        let use;
        try { ring.submit(core.op.nop()); } catch (e) { use = e.name; }
        const res = await core.run(core.op.msgRing(fd, 42, 7));
        parentPort.postMessage({ use, keys: Object.keys(ring), res });
      });`);
    expect(() => w.postMessage({ spec: op.nop() })).to.throw(/could not be cloned/);
    w.postMessage({ ring, fd: ring.fd });
    const msg = await message(w);
    await w.terminate();
    expect(msg.use).to.equal('TypeError');
    expect(msg.res).to.equal(0);
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got).to.deep.equal([[42, 7]]);
    expect(await ring.submit(op.nop())).to.equal(0);
    ring.close();
  });

  it('cluster workers (and so forked children) get rings of their own: none inherits the parent\'s ring fd', () => {
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('./fixtures/cluster-rings.mjs', import.meta.url))], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.got).to.have.length(2);
    for (const w of out.got) {
      expect(w.before).to.not.include(out.ring);
      expect(w.after).to.not.include(out.ring);
      expect(w.after).to.include(w.ring);
      expect(w.ring).to.not.equal(out.ring);
    }
    expect(out.got[0].ring).to.not.equal(out.got[1].ring);
  });
});
