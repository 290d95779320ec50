// After the ring's poll callback, the ticks and microtasks its completions queued run before the loop
// goes on (as after Node's own I/O callbacks), on every line: Node 26 does not drain them after a native
// callback, and the ring drains them itself there. A tick that throws is an uncaught exception, and the
// ring goes on delivering. Each case runs in a fresh process (an idle loop, nothing of mocha's).
// A ring wakes through an eventfd of its own that its enters silence (ring.ts, #startWakeup): no
// completion may be left with nothing to signal it, and a caller's own eventfd takes its place.
import { expect } from 'chai';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { Ring, op } from '@uring/core';
import { fifo, sleep } from './helpers.mjs';

const eventfd = koffi.load('libc.so.6').func('int eventfd(unsigned int initval, int flags)');

const fixture = fileURLToPath(new URL('./fixtures/wakeup-order.mjs', import.meta.url));
const stress = fileURLToPath(new URL('./fixtures/wakeups.mjs', import.meta.url));
const WRITES = Number(process.env.WAKEUP_WRITES ?? 20_000);
const run = (mode) => JSON.parse(execFileSync(process.execPath, [fixture, mode], { encoding: 'utf8', timeout: 10_000 }).trim().split('\n').pop());

describe(`the ring's wake-up (Node ${process.versions.node})`, () => {
  it("runs a completion's ticks and microtasks before an immediate it queued, as Node does after its own callbacks", () => {
    expect(run('order').seen).to.deep.equal(['tick', 'microtask', 'immediate']);
  });

  it('a tick that throws is an uncaught exception; the rest still run and later completions are delivered', () => {
    const { seen, thrown } = run('throw');
    expect(thrown).to.equal(1);
    expect(seen).to.include.members(['tick', 'uncaught:from a tick', 'immediate', 'microtask', 'second']);
    expect(seen.indexOf('second')).to.equal(seen.length - 1);
  });

  it(`misses no wake-up: ${WRITES} writes from another thread over 64 connections, timeouts, io-wq NOPs and serial loops past the inline budget, all delivered`, function () {
    this.timeout(120_000);
    // The fixture exits 1 with MISS when bytes stop arriving or a loop stalls (a CQE posted while our
    // enter had the eventfd silenced, and never looked at, stays in the CQ for good).
    const out = execFileSync(process.execPath, [stress, String(WRITES), '64', 'default'], { encoding: 'utf8', timeout: 100_000 });
    expect(out).to.match(/^OK \d+ bytes/);
  });

  it("gives way to the caller's eventfd (the ring fd is polled from then on), and keeps its own from unregisterEventfd", async () => {
    const ring = new Ring({ entries: 16 });
    const [r, w] = fifo();
    try {
      expect(() => ring.unregisterEventfd()).to.throw().with.property('code', 'ENXIO');
      expect(await ring.submit(op.nop())).to.equal(0);
      const efd = eventfd(0, 0x800 /* EFD_NONBLOCK */);
      ring.registerEventfd(efd);
      const buf = Buffer.alloc(8);
      const pending = ring.submit(op.read(r, buf));
      await sleep(20); // the loop goes idle with the read in the kernel
      fs.writeSync(w, 'late');
      expect(await pending).to.equal(4);
      for (let i = 0; i < 300; i++) await ring.submit(op.nop()); // past the inline budget
      expect(fs.readSync(efd, Buffer.alloc(8))).to.equal(8); // theirs was signalled
      ring.unregisterEventfd();
      fs.closeSync(efd);
      expect(await ring.submit(op.timeout(5))).to.equal('timeout');
    } finally {
      fs.closeSync(r);
      fs.closeSync(w);
      ring.close();
    }
  });
});
