import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { Ring, chain, op, run, runChain } from '@uring/core';
import { fifo, sleep, tempDir } from './helpers.mjs';

describe('cancellation', () => {
  let ring;
  let fds = [];
  beforeEach(() => { ring = new Ring({ entries: 64 }); });
  afterEach(() => {
    ring.close();
    for (const fd of fds) fs.closeSync(fd);
    fds = [];
  });
  const pipe = () => { const p = fifo(); fds.push(...p); return p; };

  it('ASYNC_CANCEL of a pending read resolves 0 and the read completes ECANCELED', async () => {
    const [r] = pipe();
    let res;
    const h = ring.start(op.read(r, Buffer.alloc(8)), (x) => { res = x; });
    await sleep(5);
    expect(await ring.submit(op.cancel(h.userData))).to.equal(0);
    expect(res).to.equal(-125);
  });

  it('cancelling an unknown op rejects ENOENT', async () => {
    const err = await ring.submit(op.cancel(123456)).catch((e) => e);
    expect(err.code).to.equal('ENOENT');
  });

  it('a running file read cannot be cancelled (EALREADY or completed) and still completes with its bytes', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'big');
    fs.writeFileSync(file, Buffer.alloc(32 << 20, 1));
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(32 << 20);
      let res;
      // IOSQE_ASYNC sends the read to an io-wq worker at once, where it is "running".
      const done = new Promise((resolve) => {
        ring.start(op.read(fd, buf, 0), (x) => { res = x; resolve(); }, { async: true });
      });
      const ud = ring.inflight - 1; // the read took the first free slot of this fresh ring
      const cancelResult = await ring.submit(op.cancel(ud)).then((x) => x, (e) => e.code);
      await done;
      if (res === -125 || res === -4) {
        // The kernel caught it before it started: then the cancel said 0.
        expect(cancelResult).to.equal(0);
      } else {
        expect(res).to.equal(32 << 20);
        expect(buf.every((b) => b === 1)).to.equal(true);
        expect(['EALREADY', 'ENOENT']).to.include(cancelResult);
      }
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('AbortSignal: aborted before submit rejects at once with AbortError and submits nothing', async () => {
    const ac = new AbortController();
    ac.abort(new Error('why'));
    const err = await ring.submit(op.nop(), { signal: ac.signal }).catch((e) => e);
    expect(err.name).to.equal('AbortError');
    expect(err.code).to.equal('ABORT_ERR');
    expect(err.cause.message).to.equal('why');
    expect(ring.inflight).to.equal(0);
  });

  it('an op or chain refused for an aborted signal is discarded: it lets go of what it holds', async () => {
    const discarded = [];
    const spec = (name) => ({ ...op.nop(), discard: (res) => discarded.push([name, res]) });
    const signal = AbortSignal.abort();
    expect((await ring.submit(spec('op'), { signal }).catch((e) => e)).name).to.equal('AbortError');
    expect((await run(spec('run'), { ring, signal }).catch((e) => e)).name).to.equal('AbortError');
    expect((await runChain(chain(spec('a'), spec('b')), { ring, signal }).catch((e) => e)).name).to.equal('AbortError');
    expect(discarded).to.deep.equal([['op', -125], ['run', -125], ['a', -125], ['b', -125]]);
  });

  it('AbortSignal on a pending read: rejects AbortError after the kernel let go, and the read really stopped', async () => {
    const [r, w] = pipe();
    const ac = new AbortController();
    const buf = Buffer.alloc(8);
    const p = ring.submit(op.read(r, buf), { signal: ac.signal });
    await sleep(5);
    ac.abort();
    const err = await p.catch((e) => e);
    expect(err.name).to.equal('AbortError');
    expect(ring.inflight).to.equal(0);
    // The cancelled read consumed nothing: the next read gets every byte.
    fs.writeSync(w, 'data');
    const n = await ring.submit(op.read(r, buf));
    expect(buf.toString('utf8', 0, n)).to.equal('data');
    expect(buf.toString('utf8', 0, 4)).to.equal('data');
  });

  it('AbortSignal right after submit, and after completion', async () => {
    const [r] = pipe();
    const ac = new AbortController();
    const p = ring.submit(op.read(r, Buffer.alloc(8)), { signal: ac.signal });
    ac.abort();
    expect((await p.catch((e) => e)).name).to.equal('AbortError');
    const ac2 = new AbortController();
    expect(await ring.submit(op.nop(), { signal: ac2.signal })).to.equal(0);
    ac2.abort(); // too late: nothing happens
    expect(ring.inflight).to.equal(0);
  });

  it('cancels a pending timeout through AbortSignal', async () => {
    const ac = new AbortController();
    const p = ring.submit(op.timeout(60_000), { signal: ac.signal });
    await sleep(2);
    ac.abort();
    expect((await p.catch((e) => e)).name).to.equal('AbortError');
    expect(ring.inflight).to.equal(0);
  });

  it('cancels every op on an fd, and everything on the ring', async () => {
    const [r1] = pipe();
    const [r2] = pipe();
    const results = [];
    for (let i = 0; i < 3; i++) ring.start(op.read(r1, Buffer.alloc(4)), (x) => results.push(['a', x]));
    ring.start(op.read(r2, Buffer.alloc(4)), (x) => results.push(['b', x]));
    ring.start(op.timeout(60_000), (x) => results.push(['t', x]));
    await sleep(5);
    expect(await ring.submit(op.cancelFd(r1, { all: true }))).to.equal(3);
    expect(results.filter(([k]) => k === 'a').map(([, x]) => x)).to.deep.equal([-125, -125, -125]);
    expect(await ring.submit(op.cancelAll())).to.equal(2);
    await ring.submit(op.nop());
    expect(ring.inflight).to.equal(0);
  });

  it('with run(): a deadline that fires rejects ETIMEDOUT and cancels the read; one that does not returns the value', async () => {
    const [r, w] = pipe();
    const buf = Buffer.alloc(8);
    const t0 = process.hrtime.bigint();
    const err = await run(op.read(r, buf), { ring, timeout: 20 }).catch((e) => e);
    expect(err.code).to.equal('ETIMEDOUT');
    expect(err.errno).to.equal(-110);
    expect(err.syscall).to.equal('read');
    expect(Number(process.hrtime.bigint() - t0) / 1e6).to.be.at.least(19);
    expect(ring.inflight).to.equal(0);
    fs.writeSync(w, 'ok');
    const n = await run(op.read(r, buf), { ring, timeout: 5_000 });
    expect(buf.toString('utf8', 0, n)).to.equal('ok');
    await sleep(1);
    expect(ring.inflight).to.equal(0);
  });
});
