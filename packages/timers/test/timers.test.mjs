import { expect } from 'chai';
import { inspect } from 'node:util';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as node from 'node:timers/promises';
import { firstValueFrom, take, toArray, from } from 'rxjs';
import { op, defaultRing, chain } from '@uring/core';
import * as uring from '@uring/timers/promises';
import { sleep, sleepUntil, countOrTimeout, withTimeout, timer, interval, deadline, isNative, setTimeout as setT } from '@uring/timers';
import { fifo } from '../../core/test/helpers.mjs';

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const fixture = fileURLToPath(new URL('../../core/test/fixtures/deny-io-uring.cjs', import.meta.url));
const pkgDir = fileURLToPath(new URL('..', import.meta.url));

function child(code, env = {}, pre = []) {
  return spawnSync(process.execPath, [...pre, '--input-type=module', '-e', code], { cwd: pkgDir, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 10_000 });
}

describe('@uring/timers', () => {
  it('runs on the kernel here', () => expect(isNative()).to.equal(true));

  it('exports what node:timers/promises exports', () => {
    // '__esModule' and (Node 23+) 'module.exports' are how ESM sees any CommonJS module, not exports of ours.
    const ours = Object.keys(uring).filter((k) => k !== '__esModule' && k !== 'module.exports');
    expect(ours.sort()).to.deep.equal(Object.keys(node).sort());
  });

  it('setTimeout never fires early and resolves with the value', async () => {
    for (const d of [1, 5, 20]) {
      const t0 = process.hrtime.bigint();
      expect(await uring.setTimeout(d, 'v')).to.equal('v');
      expect(ms(t0)).to.be.at.least(d);
    }
  });

  it('10,000 concurrent timers each fire exactly once, none early', async () => {
    const fired = new Array(10_000).fill(0);
    const early = [];
    await Promise.all(fired.map((_, i) => {
      const d = 1 + (i % 10);
      const t0 = process.hrtime.bigint();
      return uring.setTimeout(d).then(() => { fired[i]++; if (ms(t0) < d) early.push(i); });
    }));
    expect(fired.every((n) => n === 1)).to.equal(true);
    expect(early).to.deep.equal([]);
  });

  it('a cancelled timer never fires and its kernel timeout is gone', async () => {
    const ring = defaultRing();
    const ac = new AbortController();
    let fired = false;
    const p = uring.setTimeout(30, 'x', { signal: ac.signal }).then(() => { fired = true; });
    ac.abort();
    const err = await p.catch((e) => e);
    expect(err.name).to.equal('AbortError');
    expect(err.code).to.equal('ABORT_ERR');
    await uring.setTimeout(60);
    expect(fired).to.equal(false);
    expect(ring.inflight).to.equal(0);
  });

  it('matches node:timers/promises on the same calls: values, validation errors, abort', async () => {
    const cases = [
      () => [1, 'value'],
      () => [],
      () => [1n],
      () => [0, 42],
      () => ['5', { a: 1 }],
      () => [-10, null],
      () => [NaN],
      () => [1, 'x', null],
      () => [1, 'x', 'options'],
      () => [1, 'x', { signal: 'nope' }],
      () => [1, 'x', { ref: 'yes' }],
      () => [1, 'x', { signal: AbortSignal.abort('reason') }],
    ];
    for (const make of cases) {
      const a = await node.setTimeout(...make()).then((v) => ({ v }), (e) => ({ e: [e.name, e.code, e.message, e.cause] }));
      const b = await uring.setTimeout(...make()).then((v) => ({ v }), (e) => ({ e: [e.name, e.code, e.message, e.cause] }));
      expect(b, inspect(make())).to.deep.equal(a);
    }
    for (const opts of [null, 1, { ref: 1 }, { signal: {} }]) {
      const a = await node.setInterval(1, 1, opts).next().catch((e) => [e.code, e.message]);
      const b = await uring.setInterval(1, 1, opts).next().catch((e) => [e.code, e.message]);
      expect(b).to.deep.equal(a);
    }
    expect(await uring.setImmediate('i')).to.equal(await node.setImmediate('i'));
    expect(await uring.scheduler.wait(2)).to.equal(await node.scheduler.wait(2));
  });

  it('setInterval yields until break, and stops the kernel timer', async () => {
    const values = [];
    const t0 = process.hrtime.bigint();
    for await (const v of uring.setInterval(5, 'tick')) {
      values.push(v);
      if (values.length === 4) break;
    }
    expect(values).to.deep.equal(['tick', 'tick', 'tick', 'tick']);
    expect(ms(t0)).to.be.at.least(20);
    await uring.setTimeout(20);
    expect(defaultRing().inflight).to.equal(0);
  });

  it('setInterval stops with AbortError when aborted', async () => {
    const ac = new AbortController();
    const seen = [];
    const err = await (async () => {
      for await (const v of uring.setInterval(3, 1, { signal: ac.signal })) {
        seen.push(v);
        if (seen.length === 2) ac.abort();
      }
    })().catch((e) => e);
    expect(err.name).to.equal('AbortError');
    // Like Node's, ticks that were already due when the abort came are still yielded (more on a loaded machine);
    // after the AbortError its timer is gone from the kernel.
    expect(seen.slice(0, 2)).to.deep.equal([1, 1]);
    await uring.setTimeout(20);
    expect(defaultRing().inflight).to.equal(0);
  });

  it('ref:false lets a process exit; a ref timer keeps it alive', () => {
    const unref = child(`import { setTimeout } from '@uring/timers'; setTimeout(60_000, 1, { ref: false }).then(() => console.log('fired')); console.log('bye');`);
    expect(unref.error).to.equal(undefined);
    expect(unref.stdout.trim()).to.equal('bye');
    const held = child(`import { setTimeout } from '@uring/timers'; setTimeout(200).then(() => console.log('fired'));`);
    expect(held.stdout.trim()).to.equal('fired');
  });

  it('sleep and sleepUntil (real-time Date and monotonic ns)', async () => {
    let t0 = process.hrtime.bigint();
    await sleep(10);
    expect(ms(t0)).to.be.at.least(10);
    t0 = process.hrtime.bigint();
    await sleepUntil(new Date(Date.now() + 20));
    expect(ms(t0)).to.be.at.least(15);
    t0 = process.hrtime.bigint();
    await sleepUntil({ clock: 'monotonic', ns: process.hrtime.bigint() + 10_000_000n });
    expect(ms(t0)).to.be.at.least(10);
    await sleepUntil(new Date(0)); // in the past: at once
  });

  it('count-or-time: fires on count, and on time', async () => {
    const onCount = countOrTimeout(2, 10_000);
    await Promise.all([defaultRing().submit(op.nop()), defaultRing().submit(op.nop())]);
    expect(await onCount).to.equal('count');
    const t0 = process.hrtime.bigint();
    expect(await countOrTimeout(1_000_000, 15)).to.equal('timeout');
    expect(ms(t0)).to.be.at.least(15);
  });

  it('a deadline cancels a read on a pipe that never gets data; a met deadline returns the value', async () => {
    const [r, w] = fifo();
    const err = await withTimeout(op.read(r, Buffer.alloc(4)), 20).catch((e) => e);
    expect(err.code).to.equal('ETIMEDOUT');
    fs.writeSync(w, 'ab');
    const buf = Buffer.alloc(4);
    expect(await withTimeout(op.read(r, buf), 5_000)).to.equal(2);
    expect(await withTimeout(chain(op.nop(), op.nop()), 5_000)).to.deep.equal([0, 0]);
    const viaRx = await firstValueFrom(from([op.read(r, buf)]).pipe(deadline(20))).catch((e) => e);
    expect(viaRx.code).to.equal('ETIMEDOUT');
    fs.closeSync(r);
    fs.closeSync(w);
  });

  it('RxJS timer and interval on kernel timeouts; unsubscribe removes the kernel timer', async () => {
    const t0 = process.hrtime.bigint();
    expect(await firstValueFrom(timer(10))).to.equal(0);
    expect(ms(t0)).to.be.at.least(10);
    expect(await firstValueFrom(timer(5, 3).pipe(take(3), toArray()))).to.deep.equal([0, 1, 2]);
    expect(await firstValueFrom(interval(2).pipe(take(4), toArray()))).to.deep.equal([0, 1, 2, 3]);
    await uring.setTimeout(5);
    expect(defaultRing().inflight).to.equal(0);
  });

  it('moving a timer earlier re-arms the kernel timer by update', async () => {
    const t0 = process.hrtime.bigint();
    const late = uring.setTimeout(2_000, 'late', { ref: false });
    void late;
    expect(await setT(10, 'early')).to.equal('early');
    expect(ms(t0)).to.be.below(1_500);
  });

  it('keeps working on Node timers where io_uring is denied', () => {
    const r = child(
      `import { setTimeout, setInterval, isNative, sleep } from '@uring/timers';
       const t0 = Date.now(); const v = await setTimeout(20, 'ok'); await sleep(5);
       let n = 0; for await (const _ of setInterval(2)) if (++n === 3) break;
       console.log(JSON.stringify({ native: isNative(), v, waited: Date.now() - t0 >= 20, n }));`,
      { URING_DENY: 'EPERM' },
      ['--require', fixture],
    );
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal({ native: false, v: 'ok', waited: true, n: 3 });
  });
});
