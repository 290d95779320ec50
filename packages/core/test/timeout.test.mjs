import { expect } from 'chai';
import fs from 'node:fs';
import { firstValueFrom, take, toArray } from 'rxjs';
import { Ring, op, observe, run, timeout, nop } from '@uring/core';

const elapsedMs = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

describe('timeouts', () => {
  let ring;
  beforeEach(() => { ring = new Ring({ entries: 64 }); });
  afterEach(() => ring.close());

  it('fires after the duration, never early', async () => {
    const t0 = process.hrtime.bigint();
    expect(await timeout(20, { ring })).to.equal('timeout');
    expect(elapsedMs(t0)).to.be.at.least(20);
  });

  it('accepts { sec, nsec } and bigint nanoseconds', async () => {
    expect(await timeout({ sec: 0, nsec: 5_000_000 }, { ring })).to.equal('timeout');
    expect(await timeout(5_000_000n, { ring })).to.equal('timeout');
  });

  it('completes on count when enough other completions arrive first', async () => {
    const t = ring.submit(op.timeout(10_000, { count: 3 }));
    await Promise.all([ring.submit(op.nop()), ring.submit(op.nop()), ring.submit(op.nop())]);
    expect(await t).to.equal('count');
  });

  it('fires on time when the count is not reached', async () => {
    const t0 = process.hrtime.bigint();
    expect(await ring.submit(op.timeout(15, { count: 100 }))).to.equal('timeout');
    expect(elapsedMs(t0)).to.be.at.least(15);
  });

  for (const clock of ['monotonic', 'realtime']) {
    it(`fires at an absolute time on the ${clock} clock`, async () => {
      // The absolute instant in the clock's own time base.
      const now = clock === 'realtime' ? BigInt(Date.now()) * 1_000_000n : process.hrtime.bigint();
      const at = now + 20_000_000n;
      const t0 = process.hrtime.bigint();
      const r = await ring.submit(op.timeout({ sec: Number(at / 1_000_000_000n), nsec: Number(at % 1_000_000_000n) }, { abs: true, clock }));
      expect(r).to.equal('timeout');
      expect(elapsedMs(t0)).to.be.at.least(clock === 'realtime' ? 15 : 19);
    });
  }

  it('accepts a boot-time relative timeout', async () => {
    expect(await ring.submit(op.timeout(5, { clock: 'boottime' }))).to.equal('timeout');
  });

  it('is removed by TIMEOUT_REMOVE: the timeout completes ECANCELED, the removal 0', async () => {
    let res;
    const h = ring.start(op.timeout(60_000), (r) => { res = r; });
    expect(await ring.submit(op.timeoutRemove(h.userData))).to.equal(0);
    await ring.submit(op.nop());
    expect(res).to.equal(-125);
    expect(ring.inflight).to.equal(0);
  });

  it('is rescheduled by a timeout update, not remove-and-add', async () => {
    const t0 = process.hrtime.bigint();
    let fired;
    const done = new Promise((resolve) => {
      const h = ring.start(op.timeout(60_000), (r) => { fired = elapsedMs(t0); resolve(r); });
      ring.submit(op.timeoutUpdate(h.userData, 10));
    });
    expect(await done).to.equal(-62);
    expect(fired).to.be.at.least(10).and.below(30_000);
  });

  it('emits every shot of a multishot timeout as an observable, and stops on unsubscribe', async function () {
    const shots = await firstValueFrom(observe(op.timeout(5, { multishot: true }), { ring }).pipe(take(3), toArray()));
    expect(shots).to.deep.equal(['timeout', 'timeout', 'timeout']);
    await ring.submit(op.nop());
    expect(ring.inflight).to.equal(0); // the kernel timer is gone
  });

  it('a deadline (options.timeout) that is not a finite number >= 0 rejects with a Node-style error, and a huge one just never fires', async () => {
    for (const [timeout, code] of [[NaN, 'ERR_OUT_OF_RANGE'], [-1, 'ERR_OUT_OF_RANGE'], [Infinity, 'ERR_OUT_OF_RANGE'], ['10', 'ERR_INVALID_ARG_TYPE']]) {
      const err = await run(op.nop(), { ring, timeout }).catch((e) => e);
      expect(err.code, String(timeout)).to.equal(code);
      expect(err.message).to.include('options.timeout');
    }
    expect(ring.inflight).to.equal(0);
    // Over what a Node timer holds: no early cancel of a splice by a timer that overflowed.
    const [r, w] = await ring.submit(op.pipe());
    const [r2, w2] = await ring.submit(op.pipe());
    const p = run(op.splice(r, -1, w2, -1, 4), { ring, timeout: 2 ** 32 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    fs.writeSync(w, 'data');
    expect(await p).to.equal(4);
    for (const fd of [r, w, r2, w2]) fs.closeSync(fd);
  });

  it('observe() refuses a timeout or a signal instead of ignoring them (an observed op is cancelled by unsubscribing)', () => {
    expect(() => observe(op.nop(), { ring, timeout: 10 })).to.throw().with.property('code', 'ERR_INVALID_ARG_VALUE');
    expect(() => observe(op.nop(), { ring, signal: new AbortController().signal })).to.throw(/options\.signal/);
    expect(ring.inflight).to.equal(0);
  });

  it('rejects bad durations with Node-style errors', async () => {
    expect(() => op.timeout(-1)).to.throw().with.property('code', 'ERR_OUT_OF_RANGE');
    expect(() => op.timeout('1')).to.throw().with.property('code', 'ERR_INVALID_ARG_TYPE');
    expect(() => op.timeout(NaN)).to.throw().with.property('code', 'ERR_OUT_OF_RANGE');
    await nop();
  });
});
