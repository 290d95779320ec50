// DEFER_TASKRUN rings: completions that need task work are posted only inside our io_uring_enter, and
// the ring fd never turns readable for them, so the ring wakes its loop through a registered eventfd
// (ring.ts, #startWakeup). These check that nothing is lost or late that way.
import { expect } from 'chai';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Ring, op, uapi } from '@uring/core';
import { fifo, sleep } from './helpers.mjs';

const stress = fileURLToPath(new URL('./fixtures/wakeups.mjs', import.meta.url));
const WRITES = Number(process.env.DEFER_WRITES ?? 20_000);

describe('a deferTaskrun ring', () => {
  let ring;
  beforeEach(() => {
    ring = new Ring({ entries: 64, deferTaskrun: true });
  });
  afterEach(() => ring.close());

  it('runs with SINGLE_ISSUER | DEFER_TASKRUN in force', () => {
    expect(ring.setupFlags & uapi.IORING_SETUP_DEFER_TASKRUN).to.equal(uapi.IORING_SETUP_DEFER_TASKRUN);
    expect(ring.setupFlags & uapi.IORING_SETUP_SINGLE_ISSUER).to.equal(uapi.IORING_SETUP_SINGLE_ISSUER);
  });

  it('completes inline ops, kernel timeouts and a read that waits for a writer', async () => {
    expect(await ring.submit(op.nop())).to.equal(0);
    expect(await ring.submit(op.timeout(10))).to.equal('timeout');
    const [r, w] = fifo();
    try {
      const buf = Buffer.alloc(8);
      const pending = ring.submit(op.read(r, buf));
      await sleep(20); // the loop goes idle with the read in the kernel
      fs.writeSync(w, 'late');
      expect(await pending).to.equal(4);
      expect(buf.toString('utf8', 0, 4)).to.equal('late');
    } finally {
      fs.closeSync(r);
      fs.closeSync(w);
    }
  });

  it('cancels a pending op through AbortSignal, and close() settles what is still in flight', async () => {
    const [r, w] = fifo();
    try {
      const ac = new AbortController();
      const aborted = ring.submit(op.read(r, Buffer.alloc(8)), { signal: ac.signal });
      setTimeout(() => ac.abort(), 10);
      const err = await aborted.catch((e) => e);
      expect(err.name).to.equal('AbortError');
      const stranded = ring.submit(op.read(r, Buffer.alloc(8))).catch((e) => e);
      await sleep(5);
      ring.close();
      expect((await stranded).code).to.equal('ERR_URING_CLOSED');
      expect(ring.inflight).to.equal(0);
    } finally {
      fs.closeSync(r);
      fs.closeSync(w);
    }
  });

  it('keeps its eventfd to itself: registerEventfd and unregisterEventfd say why they cannot', () => {
    expect(() => ring.registerEventfd(0)).to.throw().with.property('code', 'ERR_URING_EVENTFD_IN_USE');
    expect(() => ring.unregisterEventfd()).to.throw().with.property('code', 'ERR_URING_EVENTFD_IN_USE');
  });

  it(`misses no wake-up: ${WRITES} writes from another thread at random moments over 64 connections, all delivered`, function () {
    this.timeout(120_000);
    // The fixture exits 1 with MISS when bytes stop arriving (a missed wake-up stalls for good:
    // the deferred work stays queued and the eventfd is signalled only when that queue empties first).
    const out = execFileSync(process.execPath, [stress, String(WRITES), '64', 'defer'], { encoding: 'utf8', timeout: 100_000 });
    expect(out).to.match(/^OK \d+ bytes/);
  });
});
