import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { Ring, op, chain, hardChain, runChain, observeChain } from '@uring/core';
import { fifo, tempDir } from './helpers.mjs';

describe('link chains', () => {
  let ring;
  let dir;
  beforeEach(() => { ring = new Ring({ entries: 2048 }); dir = tempDir(); });
  afterEach(() => { ring.close(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('runs read-then-write as one chain: the bytes land in the destination', async () => {
    const src = path.join(dir, 'src');
    const dst = path.join(dir, 'dst');
    fs.writeFileSync(src, 'chained bytes');
    const a = fs.openSync(src, 'r');
    const b = fs.openSync(dst, 'w');
    const buf = Buffer.alloc(13);
    const results = await runChain(chain(op.read(a, buf, 0), op.write(b, buf, 0)), { ring });
    expect(results).to.deep.equal([13, 13]);
    fs.closeSync(a);
    fs.closeSync(b);
    expect(fs.readFileSync(dst, 'utf8')).to.equal('chained bytes');
  });

  it('composes chains: a chain is a step of a chain', async () => {
    const c = chain(chain(op.nop(), op.nop()), op.nop(), chain(op.nop()));
    expect(c.length).to.equal(4);
    expect(await runChain(c, { ring })).to.deep.equal([0, 0, 0, 0]);
  });

  it('a failing middle step cancels its dependents and the error names the step', async () => {
    const made = path.join(dir, 'made');
    const c = chain(op.nop(), op.openat(path.join(dir, 'missing', 'x')), op.mkdirat(made));
    const err = await runChain(c, { ring }).catch((e) => e);
    expect(err.code).to.equal('ERR_URING_CHAIN');
    expect(err.step).to.equal(1);
    expect(err.opcode).to.equal('OPENAT');
    expect(err.cause.code).to.equal('ENOENT');
    expect(err.cause.path).to.equal(path.join(dir, 'missing', 'x'));
    expect(err.errors[2].code).to.equal('ECANCELED');
    expect(err.results[0]).to.equal(0);
    expect(fs.existsSync(made)).to.equal(false); // the dependent never ran
  });

  it('a hardlinked chain goes on after a failing step', async () => {
    const made = path.join(dir, 'made');
    const err = await runChain(hardChain(op.openat(path.join(dir, 'nope')), op.mkdirat(made)), { ring }).catch((e) => e);
    expect(err.step).to.equal(0);
    expect(err.results[1]).to.equal(0);
    expect(fs.statSync(made).isDirectory()).to.equal(true);
  });

  it('a short read breaks a soft link but not a hard one', async () => {
    const src = path.join(dir, 'short');
    fs.writeFileSync(src, 'abc');
    const fd = fs.openSync(src, 'r');
    const soft = await runChain(chain(op.read(fd, Buffer.alloc(10), 0), op.nop()), { ring }).catch((e) => e);
    expect(soft.code).to.equal('ERR_URING_CHAIN');
    expect(soft.errors[1].code).to.equal('ECANCELED');
    expect(soft.message).to.match(/step 0 \(READ\) ended the link with result 3/);
    expect(await runChain(hardChain(op.read(fd, Buffer.alloc(10), 0), op.nop()), { ring })).to.deep.equal([3, 0]);
    fs.closeSync(fd);
  });

  it('runs a chain of 1,000 links in one submission', async () => {
    const steps = Array.from({ length: 1000 }, () => op.nop());
    const results = await runChain(chain(...steps), { ring });
    expect(results).to.have.length(1000);
    expect(results.every((r) => r === 0)).to.equal(true);
  });

  it('refuses a chain longer than the SQ instead of splitting it', () => {
    const small = new Ring({ entries: 4 });
    try {
      expect(() => small.startLinked(Array.from({ length: 5 }, () => op.nop()), Array(5).fill(() => {}))).to.throw().with.property('code', 'ERR_URING_CHAIN_TOO_LONG');
    } finally {
      small.close();
    }
  });

  it('keeps a chain whole when the SQ is nearly full', async () => {
    const small = new Ring({ entries: 8 });
    try {
      const singles = Array.from({ length: 6 }, () => small.submit(op.nop()));
      const c = runChain(chain(op.nop(), op.nop(), op.nop(), op.nop(), op.nop()), { ring: small });
      expect(await c).to.deep.equal([0, 0, 0, 0, 0]);
      await Promise.all(singles);
    } finally {
      small.close();
    }
  });

  it('skips success CQEs of middle steps and still settles', async () => {
    const results = await runChain(chain({ ...op.nop(), sqeFlags: 1 << 6 }, op.nop()), { ring });
    expect(results).to.deep.equal([0, 0]);
    expect(ring.inflight).to.equal(0);
  });

  it('a step that skips its success CQE and ends the link: the kernel posts nothing for its dependents, and the chain still settles saying so', async () => {
    const skip = (spec) => ({ ...spec, sqeFlags: 1 << 6 }); // IOSQE_CQE_SKIP_SUCCESS
    const made = path.join(dir, 'made');
    // A TIMEOUT "fails" with ETIME when it expires.
    const c = chain(skip(op.nop()), skip(op.timeout(1)), op.mkdirat(made));
    for (const timeout of [undefined, 5000]) {
      const err = await runChain(c, { ring, timeout }).catch((e) => e);
      expect(err.code).to.equal('ERR_URING_CHAIN');
      expect(err.step).to.equal(2);
      expect(err.message).to.include('step 1 (TIMEOUT) ended the link');
      expect(err.errors[2].code).to.equal('ECANCELED');
      expect(err.results.slice(0, 2)).to.deep.equal([0, 'timeout']);
      expect(fs.existsSync(made)).to.equal(false);
      expect(ring.inflight).to.equal(0);
    }
  });

  it('submitLinked refuses a step that skips its success CQE (it would stay in flight for ever) and submits nothing', () => {
    const before = ring.inflight;
    expect(() => ring.submitLinked([{ ...op.nop(), sqeFlags: 1 << 6 }, op.nop()])).to.throw().with.property('code', 'ERR_URING_INVALID_STEP');
    expect(ring.inflight).to.equal(before);
  });

  it('a later step uses what an earlier one prepared: OPENAT into a fixed slot, then READ and CLOSE of that slot', async () => {
    const file = path.join(dir, 'direct');
    fs.writeFileSync(file, 'direct descriptor');
    // A sparse table of 8 registered files (IORING_REGISTER_FILES2 with the SPARSE flag).
    const rr = new Uint8Array(32);
    const v = new DataView(rr.buffer);
    v.setUint32(0, 8, true);
    v.setUint32(4, 1, true);
    ring.register(13, rr, 32);
    const buf = Buffer.alloc(64);
    const results = await runChain(
      hardChain(op.openat(file, 0, 0, { fileIndex: 3 }), { ...op.read(3, buf, 0), sqeFlags: 1 }, op.close(3, { fixed: true })),
      { ring },
    );
    expect(results[0]).to.equal(0);
    expect(buf.toString('utf8', 0, results[1])).to.equal('direct descriptor');
  });

  it('observes each step as it completes', async () => {
    // An expired timeout is -ETIME, which would end the link: etimeSuccess makes it a success.
    const steps = await lastValueFrom(observeChain(chain(op.nop(), op.timeout(2, { etimeSuccess: true }), op.nop()), { ring }).pipe(toArray()));
    expect(steps.map((s) => s.index)).to.deep.equal([0, 1, 2]);
    expect(steps[1].value).to.equal('timeout');
  });

  it('an IOSQE_IO_DRAIN op starts only after everything before it completed', async () => {
    const order = [];
    const t = ring.submit(op.timeout(20)).then(() => order.push('timeout'));
    const d = ring.submit(op.nop(), { drain: true }).then(() => order.push('drained nop'));
    await Promise.all([t, d]);
    expect(order).to.deep.equal(['timeout', 'drained nop']);
  });

  it('a deadline on a chain cancels it in the kernel', async () => {
    const [r, w] = fifo();
    const made = path.join(dir, 'after');
    const err = await runChain(chain(op.read(r, Buffer.alloc(4)), op.mkdirat(made)), { ring, timeout: 20 }).catch((e) => e);
    expect(err.code).to.equal('ETIMEDOUT');
    expect(fs.existsSync(made)).to.equal(false);
    expect(ring.inflight).to.equal(0);
    fs.writeSync(w, 'x');
    expect(await runChain(chain(op.read(r, Buffer.alloc(1)), op.mkdirat(made)), { ring, timeout: 5000 })).to.deep.equal([1, 0]);
    fs.closeSync(r);
    fs.closeSync(w);
  });

  it('an AbortSignal cancels the running step and the rest', async () => {
    const [r, w] = fifo();
    const ac = new AbortController();
    const p = runChain(chain(op.read(r, Buffer.alloc(4)), op.nop()), { ring, signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    expect((await p.catch((e) => e)).name).to.equal('AbortError');
    expect(ring.inflight).to.equal(0);
    fs.closeSync(r);
    fs.closeSync(w);
  });

  it('an aborted chain closes the fd its OPENAT already opened (nobody receives it)', async () => {
    const file = path.join(dir, 'opened');
    fs.writeFileSync(file, 'x');
    const [r, w] = fifo();
    const fds = () => fs.readdirSync('/proc/self/fd').length;
    const before = fds();
    const ac = new AbortController();
    const p = runChain(chain(op.openat(file), op.read(r, Buffer.alloc(4))), { ring, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    expect((await p.catch((e) => e)).name).to.equal('AbortError');
    expect(fds()).to.equal(before);
    fs.closeSync(r);
    fs.closeSync(w);
  });
});
