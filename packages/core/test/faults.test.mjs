// The fault suite of the core: deadlines and aborts fired at random moments (fast-check picks the
// moments, the ops and when their data comes) over io-wq-bound ops (SPLICE from pipes), poll-armed
// ones (FIFO reads, socket receives) and ops that complete inline. After each case: every promise
// settled exactly once, nothing in flight, no fd left open, and each result is what the other end
// saw (the bytes a read reports were taken from the FIFO; a rejected read took none).
import { expect } from 'chai';
import fc from 'fast-check';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Ring, op, chain, runChain, splice, read, encodeSockaddr, sockopt, AF_INET } from '@uring/core';
import { execFileSync } from 'node:child_process';
import { quiet, sleep, tempDir } from './helpers.mjs';

const openFds = () => fs.readdirSync('/proc/self/fd').length;
/** A task that has not settled this long after its case started is lost. */
const LOST_MS = 5000;
/** When nothing else ends a task, its data source ends (EOF) this long after the start. */
const END_MS = 8;
/** Bytes per chain in the long run: a pipe's default capacity. */
const CHAIN_BYTES = 65536;

/** How a task ended: its value, or the error's kind. */
function kindOf(err) {
  if (err.name === 'AbortError') return 'AbortError';
  return err.code;
}

/** Everything readable from a non-blocking fd now. */
function drain(fd) {
  const chunks = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    let n;
    try {
      n = fs.readSync(fd, buf);
    } catch (err) {
      if (err.code === 'EAGAIN') break;
      throw err;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

describe('fault suite: deadlines and aborts at random moments', function () {
  let ring, dir;
  const timers = [];
  const later = (ms, fn) => timers.push(setTimeout(fn, ms));
  /** FIFO paths made once (mkfifo is a process: spawning one per task would stall the loop for ms). */
  const fifoPaths = [];
  before(() => {
    ring = new Ring({ entries: 256 });
    dir = tempDir();
    for (let i = 0; i < 8; i++) fifoPaths.push(path.join(dir, `fifo${i}`));
    execFileSync('mkfifo', fifoPaths);
  });
  after(() => { ring.close(); fs.rmSync(dir, { recursive: true, force: true }); });

  /** A FIFO of the pool opened both ways: [readFd (non-blocking), writeFd]. */
  function openFifo(t) {
    const p = fifoPaths[t.slot];
    const r = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    return [r, fs.openSync(p, fs.constants.O_WRONLY)];
  }

  /**
   * The other end of a task: `write` runs at t.dataAt (when that is before END_MS), `end`
   * at END_MS (EOF for whoever still waits). `done` resolves after `end`; `wrote()` is how
   * many bytes went in (timers can run late on a busy machine: what counts is what happened).
   */
  function feed(t, write, end) {
    let wrote = 0;
    let ended = false;
    let resolve;
    const done = new Promise((r) => { resolve = r; });
    if (t.dataAt < END_MS) later(t.dataAt, () => { if (!ended) { write(); wrote = t.len; } });
    later(END_MS, async () => { ended = true; await end(); resolve(); });
    return { done, wrote: () => wrote };
  }


  async function tcpPair() {
    const lfd = await ring.submit(op.socket(AF_INET, op.SOCK_STREAM | op.SOCK_CLOEXEC));
    sockopt.bind(lfd, encodeSockaddr({ host: '127.0.0.1', port: 0 }));
    sockopt.listen(lfd, 1);
    const client = await ring.submit(op.socket(AF_INET, op.SOCK_STREAM | op.SOCK_CLOEXEC));
    const accepted = ring.submit(op.accept(lfd));
    await ring.submit(op.connect(client, encodeSockaddr({ host: '127.0.0.1', port: sockopt.sockname(lfd).port })));
    const server = await accepted;
    await ring.submit(op.close(lfd));
    return [server, client];
  }

  /**
   * Each kind sets up its fds, starts the op with `options` (deadline, signal), makes its data
   * arrive at `dataAt` ms (or ends its source at END_MS), and returns the promise and a check of
   * the outcome against what the kernel did.
   */
  const kinds = {
    /** SPLICE pipe -> file, in an io-wq worker. */
    async splice(t, options) {
      const [r, w] = await ring.submit(op.pipe());
      const file = fs.openSync(path.join(dir, `splice-${t.id}`), 'w+');
      const data = crypto.randomBytes(t.len);
      const src = feed(t, () => fs.writeSync(w, data), () => fs.closeSync(w)); // the splice sees EOF if no data came
      const promise = runChain(chain(op.splice(r, -1, file, 0, t.len)), options).then(([n]) => n);
      return {
        promise,
        src,
        async check(outcome) {
          await src.done;
          const got = fs.readFileSync(path.join(dir, `splice-${t.id}`));
          if (outcome.ok) expect(got.equals(data.subarray(0, outcome.value)), 'the file holds what the splice says it moved').to.equal(true);
          else expect(got.length, `${outcome.kind}, yet the splice moved bytes`).to.equal(0);
        },
        close: () => { fs.closeSync(r); fs.closeSync(file); },
      };
    },
    /** READ of a FIFO: poll-armed, cancellable while it waits. */
    async fifoRead(t, options) {
      const [r, w] = openFifo(t);
      const data = crypto.randomBytes(t.len);
      const buf = Buffer.alloc(t.len);
      const src = feed(t, () => fs.writeSync(w, data), () => fs.closeSync(w));
      const promise = runChain(chain(op.read(r, buf)), options).then(([n]) => n);
      return {
        promise,
        src,
        async check(outcome) {
          await src.done;
          const taken = outcome.ok ? outcome.value : 0;
          if (outcome.ok) expect(buf.subarray(0, taken).equals(data.subarray(0, taken)), 'the read gives the bytes it took').to.equal(true);
          const wrote = src.wrote();
          expect(taken + drain(r).length, `${outcome.ok ? `read ${taken}` : outcome.kind}: the bytes taken and left add up`).to.equal(wrote);
        },
        close: () => fs.closeSync(r),
      };
    },
    /** RECV on a TCP socket, then the bytes left are received without waiting. */
    async recv(t, options) {
      const [server, client] = await tcpPair();
      const data = crypto.randomBytes(t.len);
      const buf = Buffer.alloc(t.len);
      const src = feed(t, () => fs.writeSync(client, data), () => ring.submit(op.shutdown(client, op.SHUT_WR)));
      const promise = runChain(chain(op.recv(server, buf)), options).then(([n]) => n);
      return {
        promise,
        src,
        async check(outcome) {
          await src.done;
          const taken = outcome.ok ? outcome.value : 0;
          if (outcome.ok) expect(buf.subarray(0, taken).equals(data.subarray(0, taken))).to.equal(true);
          let left = 0;
          const rest = Buffer.alloc(65536);
          for (;;) {
            const n = await ring.submit(op.recv(server, rest, 0x40 /* MSG_DONTWAIT */)).catch(() => 0);
            if (n <= 0) break;
            left += n;
          }
          const wrote = src.wrote();
          expect(taken + left, `${outcome.ok ? `recv ${taken}` : outcome.kind}: the bytes taken and left add up`).to.equal(wrote);
        },
        close: () => { fs.closeSync(server); fs.closeSync(client); },
      };
    },
    /** READ of a FIFO linked to a WRITE of what it read into a file. */
    async readThenWrite(t, options) {
      const [r, w] = openFifo(t);
      const file = fs.openSync(path.join(dir, `rw-${t.id}`), 'w+');
      const data = crypto.randomBytes(t.len);
      const buf = Buffer.alloc(t.len);
      const src = feed(t, () => fs.writeSync(w, data), () => fs.closeSync(w));
      const promise = runChain(chain(op.read(r, buf), op.write(file, buf, 0)), options);
      return {
        promise,
        src,
        async check(outcome) {
          await src.done;
          const got = fs.readFileSync(path.join(dir, `rw-${t.id}`));
          const left = drain(r).length;
          const wrote = src.wrote();
          if (outcome.ok) {
            // Both ran: the whole read went to the file.
            expect(outcome.value).to.deep.equal([t.len, t.len]);
            expect(got.equals(data)).to.equal(true);
            expect(left).to.equal(0);
          } else if (outcome.kind === 'ERR_URING_CHAIN') {
            // A short read (EOF, or part of the data) ends the link: the write was cancelled.
            const n = outcome.error.results[0];
            expect(outcome.error.step).to.equal(1);
            expect(n).to.be.below(t.len);
            expect(got.length).to.equal(0);
            expect(n + left).to.equal(wrote);
          } else {
            // Cut by the deadline or the signal: whatever reached the file came from the FIFO, in order.
            expect(got.equals(data.subarray(0, got.length))).to.equal(true);
            expect(got.length + left).to.be.at.most(wrote);
          }
        },
        close: () => { fs.closeSync(r); fs.closeSync(file); },
      };
    },
    /** Ops that complete inline: NOP and a page-cached READ. */
    async inline(t, options) {
      const file = path.join(dir, `inline-${t.id}`);
      const data = crypto.randomBytes(t.len);
      fs.writeFileSync(file, data);
      const fd = fs.openSync(file, 'r');
      const buf = Buffer.alloc(t.len);
      const promise = runChain(chain(op.nop(), op.read(fd, buf, 0)), options);
      return {
        promise,
        src: { done: Promise.resolve() },
        check(outcome) {
          if (outcome.ok) {
            expect(outcome.value).to.deep.equal([0, t.len]);
            expect(buf.equals(data)).to.equal(true);
          }
        },
        close: () => fs.closeSync(fd),
      };
    },
  };

  const task = fc.record({
    kind: fc.constantFrom(...Object.keys(kinds)),
    len: fc.integer({ min: 1, max: 65536 }),
    deadline: fc.option(fc.integer({ min: 0, max: 5000 }).map((us) => us / 1000), { nil: undefined }),
    abortAt: fc.option(fc.integer({ min: 0, max: 5000 }).map((us) => us / 1000), { nil: undefined }),
    // Data at a moment in [0, END_MS), or none (the source then ends at END_MS).
    dataAt: fc.oneof(fc.integer({ min: 0, max: 6000 }).map((us) => us / 1000), fc.constant(END_MS)),
  });

  it('random cases of concurrent ops under deadlines and aborts: every promise settles once, results match the other end, nothing leaks', async function () {
    this.timeout(300_000);
    const runs = Number(process.env.FAULT_CASES ?? 150);
    const fdsBefore = openFds();
    const seen = {};
    let id = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(task, { minLength: 1, maxLength: 6 }), async (tasks) => {
        const started = await Promise.all(
          tasks.map(async (t, slot) => {
            t.id = id++;
            t.slot = slot;
            const ac = new AbortController();
            const options = { ring, timeout: t.deadline, signal: t.abortAt === undefined ? undefined : ac.signal };
            const s = await kinds[t.kind](t, options);
            if (t.abortAt !== undefined) later(t.abortAt, () => ac.abort());
            s.settled = 0;
            s.outcome = s.promise.then(
              (value) => { s.settled++; return { ok: true, value }; },
              (error) => { s.settled++; return { ok: false, kind: kindOf(error), error }; },
            );
            return s;
          }),
        );
        let lost;
        const watchdog = new Promise((resolve) => { lost = setTimeout(() => resolve('lost'), LOST_MS); });
        const outcomes = await Promise.race([Promise.all(started.map((s) => s.outcome)), watchdog]);
        clearTimeout(lost);
        expect(outcomes, `a task never settled: ${JSON.stringify(tasks)}`).to.not.equal('lost');
        try {
          for (const [i, outcome] of outcomes.entries()) {
            const t = tasks[i];
            const what = JSON.stringify(t);
            if (!outcome.ok) {
              // A deadline that never fired, or a signal that never aborted, cannot be the cause.
              const allowed = ['ERR_URING_CHAIN'];
              if (t.deadline !== undefined) allowed.push('ETIMEDOUT');
              if (t.abortAt !== undefined) allowed.push('AbortError');
              expect(allowed, `${what}: ${outcome.error.stack}`).to.include(outcome.kind);
            }
            seen[`${t.kind} ${outcome.ok ? 'ok' : outcome.kind}`] = (seen[`${t.kind} ${outcome.ok ? 'ok' : outcome.kind}`] ?? 0) + 1;
            await started[i].check(outcome);
          }
          await sleep(1);
          for (const s of started) expect(s.settled).to.equal(1);
          expect(await quiet(ring), `in flight after ${JSON.stringify(tasks)}`).to.equal(0);
        } finally {
          await Promise.all(started.map((s) => s.src.done));
          for (const t of timers.splice(0)) clearTimeout(t);
          for (const s of started) s.close();
        }
        expect(openFds(), 'an fd was left open').to.equal(fdsBefore);
      }),
      { numRuns: runs },
    );
    // Each kind went every way it can: done, and (where it waits) cut by a deadline and by an abort.
    for (const k of ['splice', 'fifoRead', 'recv', 'readThenWrite']) {
      for (const way of ['ETIMEDOUT', 'AbortError']) expect(seen[`${k} ${way}`], JSON.stringify(seen)).to.be.greaterThan(0);
    }
    for (const k of Object.keys(kinds)) expect(seen[`${k} ok`] ?? seen[`${k} ERR_URING_CHAIN`], JSON.stringify(seen)).to.be.greaterThan(0);
  });

  // 20,000 by default (10-20 s on a loaded 2-core VM); CHAINS=100000 for the full run (25-35 s here, none lost).
  it(`${Number(process.env.CHAINS ?? 20_000)} chains with random deadlines over io-wq SPLICEs and FIFO reads: none lost, none forgotten, each result what the other end saw`, async function () {
    const total = Number(process.env.CHAINS ?? 20_000);
    this.timeout(total * 5 + 30_000);
    const fdsBefore = openFds();
    const rand = fc.sample(fc.record({ deadlineUs: fc.integer({ min: 0, max: 100 }), data: fc.boolean(), promiseForm: fc.boolean() }), total);
    const chunk = Buffer.alloc(CHAIN_BYTES, 5);
    const lanes = await Promise.all(
      Array.from({ length: 8 }, async (_, l) => {
        if (l % 2 === 0) {
          const [r, w] = await ring.submit(op.pipe());
          return { kind: 'splice', r, w, out: fs.openSync(path.join(dir, `chains-${l}`), 'w+') };
        }
        const [r, w] = openFifo({ slot: l });
        return { kind: 'fifo', r, w, buf: Buffer.alloc(CHAIN_BYTES) };
      }),
    );
    const count = { done: 0, timedOut: 0, lost: 0 };
    /** One chain on a lane; resolves once it settled and its result was checked against the other end. */
    const one = async (lane, c) => {
      const timeout = c.deadlineUs / 1000;
      if (lane.kind === 'splice') {
        // The pipe holds the data: the splice runs at once in a worker while its deadline fires.
        fs.ftruncateSync(lane.out, 0);
        fs.writeSync(lane.w, chunk);
        const p = c.promiseForm
          ? splice(lane.r, -1, lane.out, 0, CHAIN_BYTES, 0, { ring, timeout })
          : runChain(chain(op.splice(lane.r, -1, lane.out, 0, CHAIN_BYTES)), { ring, timeout }).then(([n]) => n);
        const n = await p.catch((err) => err);
        const size = fs.fstatSync(lane.out).size;
        if (typeof n === 'number') {
          expect(n, `the splice says ${n}, the file holds ${size}`).to.equal(size);
          expect(n).to.equal(CHAIN_BYTES);
          count.done++;
        } else {
          expect(n.code, n.stack).to.equal('ETIMEDOUT');
          expect(size, 'ETIMEDOUT, yet the splice moved bytes').to.equal(0);
          fs.readSync(lane.r, Buffer.alloc(CHAIN_BYTES));
          count.timedOut++;
          count.spliceTimedOut = (count.spliceTimedOut ?? 0) + 1;
        }
      } else {
        // Data there or not: a read that waits is cancelled by its deadline; one that finds data completes.
        if (c.data) fs.writeSync(lane.w, chunk);
        const p = c.promiseForm
          ? read(lane.r, lane.buf, -1, { ring, timeout })
          : runChain(chain(op.read(lane.r, lane.buf, -1)), { ring, timeout }).then(([n]) => n);
        const n = await p.catch((err) => err);
        const left = drain(lane.r).length;
        if (typeof n === 'number') {
          expect(n + left, `read ${n}, ${left} left`).to.equal(c.data ? CHAIN_BYTES : 0);
          expect(n).to.be.greaterThan(0);
          count.done++;
        } else {
          expect(n.code, n.stack).to.equal('ETIMEDOUT');
          expect(left, 'ETIMEDOUT, yet the read took bytes').to.equal(c.data ? CHAIN_BYTES : 0);
          count.timedOut++;
        }
      }
    };
    const t0 = performance.now();
    for (let i = 0; i < total; i += lanes.length) {
      let lost;
      const watchdog = new Promise((resolve) => { lost = setTimeout(() => resolve('lost'), LOST_MS); });
      const round = Promise.all(lanes.map((lane, l) => (i + l < total ? one(lane, rand[i + l]) : undefined)));
      const r = await Promise.race([round, watchdog]);
      clearTimeout(lost);
      if (r === 'lost') count.lost++;
      expect(r, `a chain of round ${i / lanes.length} never settled`).to.not.equal('lost');
      expect(await quiet(ring), `in flight after round ${i / lanes.length}`).to.equal(0);
    }
    const ms = performance.now() - t0;
    for (const lane of lanes) for (const fd of [lane.r, lane.w, lane.out]) if (fd !== undefined) fs.closeSync(fd);
    expect(openFds()).to.equal(fdsBefore);
    expect(count.done + count.timedOut).to.equal(total);
    if (process.env.CHAINS) console.log(`      ${total} chains in ${(ms / 1000).toFixed(1)} s: ${JSON.stringify(count)}`);
  });
});
