import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ring, op, run, nop, read, write, openat, close, statx, probe, defaultRing, isAvailable } from '@uring/core';

describe('Ring basics', () => {
  let dir;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-core-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is available on this kernel', () => {
    expect(isAvailable()).to.equal(true);
  });

  it('completes a NOP with 0', async () => {
    expect(await nop()).to.equal(0);
  });

  it('writes bytes that node:fs reads back, and reads what node:fs wrote', async () => {
    const file = path.join(dir, 'rw');
    const fd = await openat(file, fs.constants.O_CREAT | fs.constants.O_RDWR, 0o644);
    try {
      expect(await write(fd, Buffer.from('hello, ring'), 0)).to.equal(11);
      expect(fs.readFileSync(file, 'utf8')).to.equal('hello, ring');
      fs.writeFileSync(file, 'written by node');
      const buf = Buffer.alloc(64);
      const n = await read(fd, buf, 0);
      expect(buf.toString('utf8', 0, n)).to.equal('written by node');
    } finally {
      await close(fd);
    }
  });

  it('liveOp/restart: one live op started again after each final CQE, its spec refilled each time; each start frees its slot at its final CQE', async () => {
    const ring = new Ring();
    try {
      const spec = { opcode: 0, syscall: 'nop', n: 0, prep(v, o) { v.setUint8(o, 0); } }; // IORING_OP_NOP
      const seen = [];
      let done;
      const finished = new Promise((resolve) => (done = resolve));
      const live = ring.liveOp(spec, (res, _flags, more) => {
        expect(more).to.equal(false);
        seen.push([res, spec.n]);
        expect(ring.inflight).to.equal(0);
        if (++spec.n < 5) ring.restart(live);
        else done();
      });
      ring.restart(live);
      expect(ring.inflight).to.equal(1);
      await finished;
      expect(seen).to.deep.equal([[0, 0], [0, 1], [0, 2], [0, 3], [0, 4]]);
      expect(ring.inflight).to.equal(0);
    } finally {
      ring.close();
    }
  });

  it('submitDetached: a direct CLOSE with no CQE and no table entry; a later op sees the slot empty, and a failure is dropped', async () => {
    const ring = new Ring();
    try {
      const file = path.join(dir, 'detached');
      fs.writeFileSync(file, 'x');
      const slot = ring.files.alloc();
      await ring.submit(op.openat(file, 0, 0, { fileIndex: slot }));
      const closeSlot = op.close(slot, { fixed: true });
      ring.submitDetached(closeSlot);
      expect(ring.inflight).to.equal(0);
      // The same tick: a READ from the slot after it finds it empty (SQEs start in order).
      const err = await ring.submit({ ...op.read(slot, Buffer.alloc(1), 0), sqeFlags: 1 /* FIXED_FILE */ }).catch((e) => e);
      expect(err.code).to.equal('EBADF');
      // Closing the empty slot again fails: its CQE is dropped, and other ops are unaffected.
      ring.submitDetached(closeSlot);
      expect(await ring.submit(op.nop())).to.equal(0);
      expect(ring.inflight).to.equal(0);
      ring.files.free(slot);
    } finally {
      ring.close();
    }
  });

  it('a read built before its buffer was transferred reads nothing into the memory that moved', async function () {
    if (!ArrayBuffer.prototype.transfer) this.skip(); // (Node 20)
    const ring = new Ring();
    try {
      const file = path.join(dir, 'moved');
      fs.writeFileSync(file, 'x'.repeat(4096));
      const fd = fs.openSync(file, 'r');
      const buf = new Uint8Array(4096);
      const spec = op.read(fd, buf, 0);
      const moved = new Uint8Array(buf.buffer.transfer()); // the same bytes, most likely, now another buffer's
      expect(await ring.submit(spec)).to.equal(0);
      expect(moved.every((b) => b === 0)).to.equal(true);
      fs.closeSync(fd);
    } finally {
      ring.close();
    }
  });

  it('reports kernel errors as Node does', async () => {
    const missing = path.join(dir, 'missing');
    const mine = await openat(missing).catch((e) => e);
    const node = await fs.promises.open(missing).catch((e) => e);
    for (const key of ['code', 'errno', 'syscall', 'path', 'message']) expect(mine[key], key).to.equal(node[key]);
  });

  it('statx agrees with fs.statSync', async () => {
    const file = path.join(dir, 'st');
    fs.writeFileSync(file, 'x'.repeat(1234));
    const st = await statx(file);
    const ns = fs.statSync(file, { bigint: true });
    expect(st.size).to.equal(ns.size);
    expect(st.ino).to.equal(ns.ino);
    expect(st.mode).to.equal(Number(ns.mode));
    expect(BigInt(st.mtime.sec) * 1_000_000_000n + BigInt(st.mtime.nsec)).to.equal(ns.mtimeNs);
  });

  it('submits more ops in one tick than the SQ holds, each settling once', async () => {
    const ring = new Ring({ entries: 8, cqEntries: 16 });
    try {
      const results = await Promise.all(Array.from({ length: 1000 }, () => ring.submit(op.nop())));
      expect(results).to.have.length(1000);
      expect(results.every((r) => r === 0)).to.equal(true);
      expect(ring.inflight).to.equal(0);
    } finally {
      ring.close();
    }
  });

  it('a serial await loop of ops that complete inline still lets the event loop run (timers, immediates)', async () => {
    const ring = new Ring({ entries: 8 });
    try {
      const spec = op.nop();
      let done = 0;
      let immediateAt = -1;
      let timerAt = -1;
      setImmediate(() => { immediateAt = done; });
      setTimeout(() => { timerAt = done; }, 1);
      const t0 = performance.now();
      // Every NOP is reaped inline after its own submit; only the reap budget hands the loop back.
      while ((timerAt < 0 || immediateAt < 0) && performance.now() - t0 < 5000) {
        await ring.submit(spec);
        done++;
      }
      expect(immediateAt, 'the immediate ran while the loop was going').to.be.within(0, done);
      expect(timerAt, 'the 1 ms timer ran while the loop was going').to.be.within(0, done);
      expect(ring.inflight).to.equal(0);
    } finally {
      ring.close();
    }
  });

  it('a steady stream of completions (1,000 ops in flight, each replaced as it completes) still lets the event loop run', async () => {
    // What a server under load looks like to the reaper: the CQ never runs dry while it drains, so
    // going on from a microtask after each chunk never handed the loop back (no timer, immediate or
    // signal ran for the whole of a wrk run at 1,000 HTTP connections).
    const ring = new Ring({ entries: 256 });
    try {
      const spec = op.nop();
      let done = 0;
      let immediateAt = -1;
      let timerAt = -1;
      setImmediate(() => { immediateAt = done; });
      setTimeout(() => { timerAt = done; }, 1);
      const LIMIT = 500_000;
      const stream = async () => {
        while ((timerAt < 0 || immediateAt < 0) && done < LIMIT) {
          await ring.submit(spec);
          done++;
        }
      };
      await Promise.all(Array.from({ length: 1000 }, stream));
      expect(immediateAt, 'the immediate ran while the completions went on').to.be.within(0, LIMIT - 1);
      expect(timerAt, 'the 1 ms timer ran while the completions went on').to.be.within(0, LIMIT - 1);
      expect(ring.inflight).to.equal(0);
    } finally {
      ring.close();
    }
  });

  it('probes the kernel once and knows READ', () => {
    const p = probe(defaultRing());
    expect(p.supports('READ')).to.equal(true);
    expect(p.supports('NOP')).to.equal(true);
    expect(p.supported).to.include('OPENAT');
  });

  it('rejects bad arguments with Node codes before the kernel sees them', async () => {
    const err = await read('3', Buffer.alloc(1)).catch((e) => e);
    expect(err.code).to.equal('ERR_INVALID_ARG_TYPE');
    const err2 = await read(-1, Buffer.alloc(1)).catch((e) => e);
    expect(err2.code).to.equal('ERR_OUT_OF_RANGE');
    const err3 = await openat('/tmp/a\0b').catch((e) => e);
    expect(err3.code).to.equal('ERR_INVALID_ARG_VALUE');
  });

  it('settles ops in flight when the ring closes', async () => {
    const ring = new Ring({ entries: 4 });
    const [r, w] = pipe();
    const pending = ring.submit(op.read(r, Buffer.alloc(8), -1));
    await new Promise((res) => setTimeout(res, 10));
    ring.close();
    const err = await pending.catch((e) => e);
    expect(err.code).to.equal('ERR_URING_CLOSED');
    fs.closeSync(r);
    fs.closeSync(w);
  });
});

/** A pipe from the kernel, through a ring of its own. */
function pipe() {
  // node has no pipe(2) binding: a FIFO gives the same blocking read.
  const fifo = path.join(os.tmpdir(), `uring-fifo-${process.pid}-${Math.random()}`);
  require_mkfifo(fifo);
  const r = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const w = fs.openSync(fifo, fs.constants.O_WRONLY);
  fs.unlinkSync(fifo);
  return [r, w];
}

import { execFileSync } from 'node:child_process';
function require_mkfifo(p) {
  execFileSync('mkfifo', [p]);
}
