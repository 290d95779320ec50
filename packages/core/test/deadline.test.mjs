// Deadlines (linked timeouts) racing ops that run in io-wq workers. When the timer fires the
// kernel posts the LINK_TIMEOUT's CQE (-ETIME, -ENOENT, -EALREADY), sometimes before the CQE of
// the op it guards: a chain is over only when every CQE is in, and its result is what the op did.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { Ring, op, chain, hardChain, runChain, splice, tee } from '@uring/core';
import { execFileSync } from 'node:child_process';
import { quiet, tempDir } from './helpers.mjs';

const CHUNK = 65536;
/** Deadlines (ms) around the few µs a 64 KiB splice takes in its worker. */
const DEADLINES = [0, 0.002, 0.005, 0.01, 0.02, 0.05];

describe('deadlines racing io-wq ops', () => {
  let ring, dir;
  beforeEach(() => {
    ring = new Ring({ entries: 64 });
    dir = tempDir();
  });
  afterEach(() => {
    ring.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a SPLICE from a pipe whose deadline fires as it runs: the result is the bytes that reached the file, ETIMEDOUT only when none moved', async function () {
    this.timeout(60_000);
    const lanes = await Promise.all(
      Array.from({ length: 8 }, async (_, l) => {
        const [r, w] = await ring.submit(op.pipe());
        return { r, w, out: fs.openSync(path.join(dir, `out${l}`), 'w+') };
      }),
    );
    const data = Buffer.alloc(CHUNK, 7);
    const seen = { moved: 0, timedOut: 0 };
    const round = (lane, i) => {
      const { r, w, out } = lane;
      fs.ftruncateSync(out, 0);
      fs.writeSync(w, data);
      const timeout = DEADLINES[i % DEADLINES.length];
      // Both ways in: a one-step chain, and the promise form with a deadline.
      const p = i % 2 === 0
        ? runChain(chain(op.splice(r, -1, out, 0, CHUNK)), { ring, timeout }).then(([n]) => n)
        : splice(r, -1, out, 0, CHUNK, 0, { ring, timeout });
      return p.then(
        (n) => {
          const size = fs.fstatSync(out).size;
          expect(n, `round ${i}: resolved ${n}, the file holds ${size}`).to.equal(size);
          expect(size).to.equal(CHUNK);
          seen.moved++;
        },
        (err) => {
          expect(err.code, `round ${i}: ${err.message}`).to.equal('ETIMEDOUT');
          expect(fs.fstatSync(out).size, `round ${i}: ETIMEDOUT, yet the splice moved the bytes`).to.equal(0);
          fs.readSync(r, Buffer.alloc(CHUNK)); // the splice never ran: empty the pipe for the next round
          seen.timedOut++;
        },
      );
    };
    for (let i = 0; i < 1000; i++) {
      await Promise.all(lanes.map((lane) => round(lane, i)));
      expect(await quiet(ring), `round ${i}`).to.equal(0);
    }
    for (const { r, w, out } of lanes) for (const fd of [r, w, out]) fs.closeSync(fd);
    expect(seen.moved + seen.timedOut).to.equal(8000);
  });

  for (const kind of ['SPLICE', 'TEE']) {
    it(`a ${kind} blocked in its worker on an empty pipe is stopped by its deadline (the kernel's timeout waits for it): ETIMEDOUT, and later data stays in the pipe`, async () => {
      const [r, w] = await ring.submit(op.pipe());
      const [r2, w2] = await ring.submit(op.pipe());
      const t0 = performance.now();
      const step = kind === 'SPLICE' ? op.splice(r, -1, w2, -1, CHUNK) : op.tee(r, w2, CHUNK);
      const outcomes = await Promise.all([
        runChain(chain(step), { ring, timeout: 20 }).catch((e) => e),
        (kind === 'SPLICE' ? splice(r, -1, w2, -1, CHUNK, 0, { ring, timeout: 20 }) : tee(r, w2, CHUNK, 0, { ring, timeout: 20 })).catch((e) => e),
      ]);
      const ms = performance.now() - t0;
      for (const err of outcomes) expect(err.code, String(err)).to.equal('ETIMEDOUT');
      expect(ms, 'a 20 ms deadline').to.be.below(1000);
      expect(await quiet(ring)).to.equal(0);
      fs.writeSync(w, 'late');
      const buf = Buffer.alloc(16);
      expect(buf.toString('utf8', 0, fs.readSync(r, buf)), 'nothing took the data written after the deadline').to.equal('late');
      for (const fd of [r, w, r2, w2]) fs.closeSync(fd);
    });
  }

  it('an OPENAT of a FIFO with no writer, blocked in its worker as a linked step, is stopped by its deadline: ETIMEDOUT, no fd left', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const fds = () => fs.readdirSync('/proc/self/fd').length;
    const fd0 = fds();
    const t0 = performance.now();
    // Linked, the open runs in an io-wq worker and blocks until a writer comes (none will).
    const err = await runChain(hardChain(op.statx(fifo), op.openat(fifo)), { ring, timeout: 50 }).catch((e) => e);
    expect(err.code, String(err)).to.equal('ETIMEDOUT');
    expect(performance.now() - t0, 'a 50 ms deadline').to.be.below(2000);
    expect(await quiet(ring)).to.equal(0);
    expect(fds()).to.equal(fd0);
  });
});
