// The ring in a real process: availability under seccomp, exiting with an idle ring, refs,
// and several rings at once (worker threads: threads.test.mjs).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Ring, op } from '@uring/core';

const fixture = fileURLToPath(new URL('./fixtures/deny-io-uring.cjs', import.meta.url));
const coreDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs an ES module snippet in a child node (cwd: this package, so '@uring/core' resolves). */
function child(code, { deny, nofile, timeout = 10_000 } = {}) {
  const args = [...(deny ? ['--require', fixture] : []), '--input-type=module', '-e', code];
  // `nofile`: run under that RLIMIT_NOFILE (the shell's ulimit, then exec node).
  const [cmd, argv] = nofile ? ['sh', ['-c', `ulimit -n ${nofile} && exec "$0" "$@"`, process.execPath, ...args]] : [process.execPath, args];
  const r = spawnSync(cmd, argv, {
    cwd: coreDir,
    env: { ...process.env, ...(deny ? { URING_DENY: deny } : {}) },
    encoding: 'utf8',
    timeout,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, timedOut: r.error?.code === 'ETIMEDOUT' };
}

describe('lifecycle', () => {
  for (const deny of ['EPERM', 'ENOSYS']) {
    it(`where a seccomp filter denies io_uring_setup with ${deny}: a clear error, no crash`, () => {
      const r = child(
        `import { isAvailable, unavailableError, Ring } from '@uring/core';
         let thrown; try { new Ring(); } catch (e) { thrown = e; }
         console.log(JSON.stringify({ available: isAvailable(), code: thrown.code, reason: thrown.reason, errno: thrown.errno,
           syscall: thrown.syscall, message: thrown.message, why: unavailableError().message }));`,
        { deny },
      );
      expect(r.status, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout);
      expect(out.available).to.equal(false);
      expect(out.code).to.equal('ERR_URING_UNAVAILABLE');
      expect(out.reason).to.equal(deny);
      expect(out.syscall).to.equal('io_uring_setup');
      expect(out.errno).to.equal(deny === 'EPERM' ? -1 : -38);
      expect(out.message).to.include(deny);
      expect(out.why).to.include(deny);
    });
  }

  it('an EMFILE at the first ring setup is a clear, passing error: once fds are free, the next call runs natively', () => {
    const r = child(
      `import fs from 'node:fs';
       import { defaultRing, isAvailable, unavailableError, nop } from '@uring/core';
       const fds = [];
       try { for (;;) fds.push(fs.openSync('/dev/null', 'r')); } catch (e) { if (e.code !== 'EMFILE') throw e; }
       let first; try { defaultRing(); } catch (e) { first = { code: e.code, reason: e.reason, transient: e.transient, message: e.message }; }
       const whileFull = { available: isAvailable(), why: unavailableError()?.message };
       for (const fd of fds.splice(0, 16)) fs.closeSync(fd);
       const after = { available: isAvailable(), why: unavailableError()?.message, nop: await nop() };
       for (const fd of fds) fs.closeSync(fd);
       console.log(JSON.stringify({ first, whileFull, after }));`,
      { nofile: 64 },
    );
    expect(r.status, r.stderr).to.equal(0);
    const { first, whileFull, after } = JSON.parse(r.stdout);
    expect(first.code).to.equal('ERR_URING_UNAVAILABLE');
    expect(first.reason).to.equal('EMFILE');
    expect(first.transient).to.equal(true);
    expect(first.message).to.match(/EMFILE.*next call tries again/);
    expect(whileFull.available).to.equal(false);
    expect(whileFull.why).to.include('EMFILE');
    expect(after).to.deep.equal({ available: true, nop: 0 });
  });

  it('a process whose ring is idle exits by itself', () => {
    const r = child(`import { nop } from '@uring/core'; await nop(); console.log('done');`);
    expect(r.timedOut).to.equal(false);
    expect(r.status).to.equal(0);
    expect(r.stdout.trim()).to.equal('done');
  });

  it('a pending op keeps the process alive until it completes; a ref:false op does not', () => {
    const held = child(`import { timeout } from '@uring/core';
      const t0 = Date.now(); await timeout(300); console.log(Date.now() - t0 >= 299 ? 'waited' : 'early');`);
    expect(held.stdout.trim()).to.equal('waited');
    const unref = child(`import { timeout } from '@uring/core';
      timeout(60_000, { ref: false }).then(() => console.log('fired')); console.log('leaving');`);
    expect(unref.timedOut).to.equal(false);
    expect(unref.stdout.trim()).to.equal('leaving');
  });

  it('two rings in one process work independently; closing one leaves the other', async () => {
    const a = new Ring({ entries: 8 });
    const b = new Ring({ entries: 8 });
    const pending = a.submit(op.timeout(30_000));
    expect(await b.submit(op.nop())).to.equal(0);
    a.close();
    expect((await pending.catch((e) => e)).code).to.equal('ERR_URING_CLOSED');
    expect(await b.submit(op.nop())).to.equal(0);
    b.close();
    expect(() => b.submit(op.nop())).to.throw().with.property('code', 'ERR_URING_CLOSED');
  });

  it("a ring enters through a slot of its thread's registered-ring table, given back at close; past 16 rings at once, by its fd", () => {
    // A slot not given back at close would leave the 17th ring of the loop below without one (and hold the closed ring open).
    const r = child(
      `import { Ring, op } from '@uring/core';
       const inTurn = [];
       for (let i = 0; i < 40; i++) {
         const ring = new Ring({ entries: 4 });
         inTurn.push([ring.registeredIndex, await ring.submit(op.nop())]);
         ring.close();
       }
       const rings = Array.from({ length: 20 }, () => new Ring({ entries: 4 }));
       const atOnce = await Promise.all(rings.map(async (ring) => [ring.registeredIndex, await ring.submit(op.nop())]));
       for (const ring of rings) ring.close();
       const sq = new Ring({ entries: 4, sqpoll: true });
       const sqpoll = [sq.registeredIndex, await sq.submit(op.nop())];
       sq.close();
       console.log(JSON.stringify({ inTurn, atOnce, sqpoll }));`,
    );
    expect(r.status, r.stderr).to.equal(0);
    const { inTurn, atOnce, sqpoll } = JSON.parse(r.stdout);
    for (const [slot, res] of inTurn) {
      expect(slot).to.be.within(0, 15);
      expect(res).to.equal(0);
    }
    const slots = atOnce.map(([slot]) => slot);
    expect(new Set(slots.slice(0, 16)).size).to.equal(16);
    for (const slot of slots.slice(0, 16)) expect(slot).to.be.within(0, 15);
    expect(slots.slice(16)).to.deep.equal([-1, -1, -1, -1]);
    expect(atOnce.map(([, res]) => res)).to.deep.equal(new Array(20).fill(0));
    expect(sqpoll[0]).to.be.within(0, 15);
    expect(sqpoll[1]).to.equal(0);
  });

  it('Symbol.dispose closes the ring', () => {
    let ring;
    {
      ring = new Ring({ entries: 4 });
      ring[Symbol.dispose]();
    }
    expect(ring.closed).to.equal(true);
  });

  it('a CQ far smaller than the ops in flight loses no completion', async () => {
    const ring = new Ring({ entries: 4, cqEntries: 4 });
    try {
      // 10k timeouts of the same instant complete together, far beyond 4 CQ slots: the kernel overflows and we flush.
      const all = await Promise.all(Array.from({ length: 10_000 }, () => ring.submit(op.timeout(20))));
      expect(all.length).to.equal(10_000);
      expect(all.every((x) => x === 'timeout')).to.equal(true);
      expect(ring.inflight).to.equal(0);
    } finally {
      ring.close();
    }
  });

  it('validates ring options with Node-style errors', () => {
    expect(() => new Ring({ entries: 'x' })).to.throw().with.property('code', 'ERR_INVALID_ARG_TYPE');
    expect(() => new Ring({ entries: 0 })).to.throw().with.property('code', 'ERR_OUT_OF_RANGE');
    expect(() => new Ring({ entries: 8, cqEntries: 4 })).to.throw().with.property('code', 'ERR_OUT_OF_RANGE');
    expect(() => new Ring({ entries: 8, cqEntries: 12 })).to.throw().with.property('code', 'ERR_OUT_OF_RANGE');
  });

  for (const [name, options] of Object.entries({
    clamp: { entries: 1 << 20, cqEntries: 1 << 20, clamp: true },
    sqpoll: { entries: 8, sqpoll: { idleMs: 10 } },
    singleIssuer: { entries: 8, singleIssuer: true },
    coopTaskrun: { entries: 8, coopTaskrun: true },
    deferTaskrun: { entries: 8, deferTaskrun: true },
  })) {
    it(`ring option ${name}: ops round-trip`, async () => {
      const ring = new Ring(options);
      try {
        const results = await Promise.all(Array.from({ length: 100 }, () => ring.submit(op.nop())));
        expect(results.every((x) => x === 0)).to.equal(true);
        expect(await ring.submit(op.timeout(2))).to.equal('timeout');
        if (name === 'clamp') expect(ring.sqEntries).to.be.below(1 << 20);
      } finally {
        ring.close();
      }
    });
  }
});
