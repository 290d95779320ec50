// copyFile (SPLICE file -> pipe -> file) under deadlines and aborts fired at random moments
// (fast-check picks sizes and moments): every call settles, with the bytes of the source, or
// with ETIMEDOUT / AbortError and no partial destination left (libuv unlinks what it opened); no fd
// and nothing in flight is left behind.
import { expect } from 'chai';
import fc from 'fast-check';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultRing } from '@uring/core';
import { withOptions, isNative } from '@uring/fs';
import { openFds as fds } from './leaks.mjs';

const RUNS = Number(process.env.COPIES ?? 500);
const HUNG_MS = 10_000;

describe('@uring/fs: copyFile under random deadlines and aborts', function () {
  if (!isNative()) return;
  let dir;
  const p = (n) => path.join(dir, n);
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-copy-deadline-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`${RUNS} copies: each settles with the source's bytes, or ETIMEDOUT/AbortError and no partial destination`, async function () {
    this.timeout(RUNS * 200 + 30_000);
    // Around and over the splice chunk (1 MiB) and a pipe's default 64 KiB.
    const sizes = [0, 1, 65_536, 65_537, (1 << 20) + 3, 3 << 20, 8 << 20];
    const sources = sizes.map((n, i) => {
      const data = crypto.randomBytes(n);
      fs.writeFileSync(p(`src${i}`), data);
      return data;
    });
    const before = fds();
    const seen = { copied: 0, ETIMEDOUT: 0, AbortError: 0 };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: sizes.length - 1 }),
        fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 3000 }).map((us) => us / 1000)), // deadline, ms
        fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 3000 }).map((us) => us / 1000)), // abort after, ms
        fc.boolean(), // over an existing destination
        async (which, timeout, abortAfter, existing) => {
          const dest = p(`dest${run++}`);
          if (existing) fs.writeFileSync(dest, 'old contents');
          const ac = new AbortController();
          const timer = abortAfter === undefined ? undefined : setTimeout(() => ac.abort(), abortAfter);
          let watchdog;
          const hung = new Promise((resolve) => { watchdog = setTimeout(() => resolve('hung'), HUNG_MS); });
          const call = withOptions({ timeout, signal: ac.signal }).copyFile(p(`src${which}`), dest).then(() => 'copied', (err) => err);
          const outcome = await Promise.race([call, hung]);
          clearTimeout(watchdog);
          clearTimeout(timer);
          const what = `size ${sizes[which]}, timeout ${timeout}, abort after ${abortAfter}, existing ${existing}`;
          expect(outcome, `${what}: the copy never settled`).to.not.equal('hung');
          if (outcome === 'copied') {
            expect(fs.readFileSync(dest).equals(sources[which]), `${what}: the copy differs`).to.equal(true);
            seen.copied++;
          } else {
            const kind = outcome.name === 'AbortError' ? 'AbortError' : outcome.code;
            expect(['ETIMEDOUT', 'AbortError'], `${what}: ${outcome.stack}`).to.include(kind);
            // Untouched when the call ended before opening it; once opened (and truncated), removed.
            const left = fs.existsSync(dest) ? fs.readFileSync(dest, 'utf8') : undefined;
            expect(left, `${what}: ${kind} left the destination`).to.equal(existing && left !== undefined ? 'old contents' : undefined);
            seen[kind]++;
          }
          expect(defaultRing().inflight, what).to.equal(0);
          fs.rmSync(dest, { force: true });
        },
      ),
      { numRuns: RUNS },
    );
    expect(fds()).to.equal(before);
    // Every way out was taken (ETIMEDOUT comes from splices the deadline cut: a page-cached op that
    // completes inline, or before the deadline's backstop, completes and its result stands).
    expect(seen.copied, JSON.stringify(seen)).to.be.greaterThan(0);
    expect(seen.ETIMEDOUT, JSON.stringify(seen)).to.be.greaterThan(0);
    expect(seen.AbortError, JSON.stringify(seen)).to.be.greaterThan(0);
  });
});
