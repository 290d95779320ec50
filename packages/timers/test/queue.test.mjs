// The timer queue as a user meets it: memory held by aborted timers, whether a pending timer keeps the
// process alive, and delivery on time while an unrelated Node timer is pending (on every Node line).
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, take, toArray } from 'rxjs';
import { defaultRing } from '@uring/core';
import { setTimeout, setInterval, timer, interval } from '@uring/timers';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

function child(code, flags = []) {
  return spawnSync(process.execPath, [...flags, '--input-type=module', '-e', code], { cwd: pkgDir, encoding: 'utf8', timeout: 60_000 });
}

/** `runs` child processes of `code`, four at a time. */
async function children(code, runs) {
  const one = () => new Promise((resolve) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: pkgDir, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  const outs = [];
  while (outs.length < runs) outs.push(...(await Promise.all(Array.from({ length: Math.min(4, runs - outs.length) }, one))));
  return outs;
}

describe('@uring/timers queue', function () {
  this.timeout(180_000); // child processes: slow on a loaded machine
  it('20,000 aborted one-hour timers are freed at once: the heap does not grow by their size', () => {
    // Before: every aborted entry stayed in the heap with its closure and promise until its deadline: ~53 MiB for
    // 20k here (100k: 260 MiB), where node:timers/promises grows ~1 MiB. The bound is generous.
    const r = child(
      `import { setTimeout } from '@uring/timers';
       import { defaultRing } from '@uring/core';
       // One live timer of the same duration stays at the head, so the aborted ones are cancelled behind it.
       const keep = new AbortController();
       const kept = setTimeout(3_600_000, 'kept', { signal: keep.signal }).catch((e) => e.name);
       gc(); const before = process.memoryUsage().heapUsed;
       const ps = [];
       for (let i = 0; i < 20_000; i++) {
         const ac = new AbortController();
         ps.push(setTimeout(3_600_000, i, { signal: ac.signal }).catch((e) => e.name));
         ac.abort();
       }
       const names = new Set(await Promise.all(ps)); ps.length = 0;
       await new Promise((r) => globalThis.setTimeout(r, 20));
       gc(); const after = process.memoryUsage().heapUsed;
       keep.abort(); names.add(await kept);
       await new Promise((r) => globalThis.setTimeout(r, 20));
       console.log(JSON.stringify({ names: [...names], grewMiB: (after - before) / 2 ** 20, inflight: defaultRing().inflight }));`,
      ['--expose-gc'],
    );
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.names).to.deep.equal(['AbortError']);
    expect(out.grewMiB).to.be.below(20);
    expect(out.inflight, 'no kernel timeout left for timers that are all gone').to.equal(0);
  });

  it('timers of one duration fire once each, in the order added, when most of them are aborted (head, middle, tail)', async () => {
    const n = 3000;
    const fired = [];
    const errors = [];
    const controllers = [];
    const all = [];
    for (let i = 0; i < n; i++) {
      const ac = new AbortController();
      controllers.push(ac);
      // Every third timer has no signal; the others may be aborted. All share the 30 ms list.
      const p = i % 3 === 0 ? setTimeout(30, i) : setTimeout(30, i, { signal: ac.signal });
      all.push(p.then((v) => fired.push(v), (e) => errors.push([i, e.name])));
    }
    const aborted = new Set();
    for (let i = 0; i < n; i++) {
      if (i % 3 !== 0 && (i < 200 || i % 5 !== 0 || i > n - 100)) {
        controllers[i].abort();
        aborted.add(i);
      }
    }
    await Promise.all(all);
    const expected = [...Array(n).keys()].filter((i) => !aborted.has(i));
    expect(fired).to.deep.equal(expected);
    expect(errors.length).to.equal(aborted.size);
    expect(errors.every(([i, name]) => aborted.has(i) && name === 'AbortError')).to.equal(true);
    await setTimeout(5);
    expect(defaultRing().inflight).to.equal(0);
  });

  it('fractional, mixed and unref\'d durations never fire early; intervals of one period each keep their own ticks', async () => {
    const early = [];
    await Promise.all([1.5, 2.25, 7, 1, 3.75, 7].map(async (d, i) => {
      const t0 = process.hrtime.bigint();
      await setTimeout(d, undefined, { ref: i % 2 === 0 });
      if (ms(t0) < d) early.push(d);
    }));
    expect(early).to.deep.equal([]);
    // Delays that share a whole millisecond share a list: a later-added shorter one waits behind, never fires early.
    const fired = new Array(2000).fill(0);
    await Promise.all(fired.map(async (_, i) => {
      const d = 1 + ((i * 7.37) % 20);
      const t0 = process.hrtime.bigint();
      await setTimeout(d);
      fired[i]++;
      if (ms(t0) < d) early.push(d);
    }));
    expect(early).to.deep.equal([]);
    expect(fired.every((n) => n === 1)).to.equal(true);
    const counts = await Promise.all([0, 1, 2].map(async () => {
      let n = 0;
      for await (const _ of setInterval(4)) if (++n === 5) break;
      return n;
    }));
    expect(counts).to.deep.equal([5, 5, 5]);
  });

  // Each program prints the short timer's value, or nothing if the process exited with it pending.
  const programs = {
    'a long timer aborted, then a short one': `
      const ac = new AbortController();
      setTimeout(3_600_000, 'long', { signal: ac.signal }).catch(() => {});
      await setTimeout(1);
      ac.abort();
      setTimeout(30, 'fired').then(console.log);`,
    'an unref\'d long timer, then a short ref\'d one': `
      setTimeout(3_600_000, 'long', { ref: false });
      await setTimeout(1);
      setTimeout(30, 'fired').then(console.log);`,
    'a short timer aborted while a later one waits': `
      const ac = new AbortController();
      setTimeout(5, 'short', { signal: ac.signal }).catch(() => {});
      setTimeout(60, 'fired').then(console.log);
      ac.abort();`,
    'random ref\'d and unref\'d, short and long timers, aborted at random moments, then a short one': `
      const acs = [];
      for (let i = 0; i < 300; i++) {
        const ac = new AbortController();
        acs.push(ac);
        const delay = Math.random() < 0.5 ? 3_600_000 : 1 + Math.random() * 10;
        setTimeout(delay, i, { signal: ac.signal, ref: Math.random() < 0.5 }).catch(() => {});
        if (Math.random() < 0.3) acs[Math.floor(Math.random() * acs.length)].abort();
        if (Math.random() < 0.05) await setTimeout(1 + Math.random() * 2);
      }
      for (const ac of acs) ac.abort();
      setTimeout(30, 'fired').then(console.log);`,
    'an interval broken off, then a short timer': `
      for await (const _ of setInterval(2)) break;
      setTimeout(30, 'fired').then(console.log);`,
  };
  for (const [name, body] of Object.entries(programs)) {
    it(`a ref'd timer keeps the process alive until it fires: ${name} (12 runs)`, async () => {
      const code = `import { setTimeout, setInterval } from '@uring/timers';\n${body}`;
      const outs = await children(code, 12);
      for (const r of outs) expect(r.status, r.stderr).to.equal(0);
      expect(outs.filter((r) => r.stdout.trim() !== 'fired').length, 'runs that exited before the timer fired').to.equal(0);
    });
  }

  it('timers pending when the default ring is closed still fire (on the next ring), and hold the process until then', () => {
    const r = child(`import { setTimeout, setInterval } from '@uring/timers';
      import { defaultRing } from '@uring/core';
      await setTimeout(1);
      const first = defaultRing();
      const t0 = performance.now();
      setTimeout(120, 'pending').then((v) => console.log(v, performance.now() - t0 >= 120, defaultRing() !== first));
      const ticks = (async () => { let n = 0; for await (const _ of setInterval(30)) if (++n === 3) return n; })();
      first.close();
      console.log('ticks', await ticks);`);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n').sort()).to.deep.equal(['pending true true', 'ticks 3']); // either order on a loaded machine
  });

  it('an unref\'d timer alone still lets the process exit at once', () => {
    const t0 = process.hrtime.bigint();
    const r = child(`import { setTimeout } from '@uring/timers';
      const ac = new AbortController();
      setTimeout(100, 'a', { signal: ac.signal }).catch(() => {});
      ac.abort();
      setTimeout(60_000, 'b', { ref: false }).then(console.log);
      console.log('bye');`);
    expect(r.stdout.trim()).to.equal('bye');
    expect(ms(t0)).to.be.below(10_000);
  });

  describe('delivery while an unrelated Node timer is pending', () => {
    let hold;
    beforeEach(() => {
      hold = globalThis.setTimeout(() => {}, 2_000);
    });
    afterEach(() => globalThis.clearTimeout(hold));

    it('a 20 ms timer reaches its await well before a pending 2 s Node timer', async () => {
      await setTimeout(1); // the queue is set up
      for (let i = 0; i < 3; i++) {
        const t0 = process.hrtime.bigint();
        expect(await setTimeout(20, i)).to.equal(i);
        const took = ms(t0);
        expect(took).to.be.at.least(20);
        expect(took, `run ${i}`).to.be.below(500);
      }
    });

    it('setInterval yields on time', async () => {
      const t0 = process.hrtime.bigint();
      let n = 0;
      for await (const _ of setInterval(10)) if (++n === 3) break;
      expect(ms(t0)).to.be.below(500);
    });

    it('observable timer and interval subscribers receive on time', async () => {
      let t0 = process.hrtime.bigint();
      expect(await firstValueFrom(timer(20))).to.equal(0);
      expect(ms(t0)).to.be.below(500);
      t0 = process.hrtime.bigint();
      expect(await firstValueFrom(interval(10).pipe(take(3), toArray()))).to.deep.equal([0, 1, 2]);
      expect(ms(t0)).to.be.below(500);
      await setTimeout(5);
      expect(defaultRing().inflight).to.equal(0);
    });
  });
});
