// readFile (OPENAT -> READ -> 1-byte READ, hardlinked) under deadlines and aborts fired at random
// moments (fast-check picks the file, the deadline and the moment): every call settles, with the
// file's bytes or with ETIMEDOUT / AbortError; a FIFO nobody writes to never leaves a read waiting in
// the kernel; no fixed-file slot, fd or op is left behind.
import { expect } from 'chai';
import fc from 'fast-check';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultRing } from '@uring/core';
import fsp from '@uring/fs/promises';
import { withOptions, isNative } from '@uring/fs';
import { openFds as fds, freeSlots, settle, fifoHasReader as hasReader } from './leaks.mjs';

const RUNS = Number(process.env.READS ?? 400);
const HUNG_MS = 10_000;
describe('@uring/fs: readFile under random deadlines and aborts', function () {
  if (!isNative()) return;
  let dir;
  const p = (n) => path.join(dir, n);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-readfile-deadline-'));
    execFileSync('mkfifo', [p('fifo')]);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const fifoHasReader = () => hasReader(p('fifo'));

  it(`${RUNS} reads: each settles with the file's bytes, or ETIMEDOUT/AbortError, and leaves nothing behind`, async function () {
    this.timeout(RUNS * 100 + 30_000);
    // Around the first READ (65,535 bytes) and its 1-byte end READ, and past it.
    const sizes = [0, 1, 4096, 65_534, 65_535, 65_536, 65_537, 300_000];
    const files = sizes.map((n, i) => {
      const data = crypto.randomBytes(n);
      fs.writeFileSync(p(`f${i}`), data);
      return data;
    });
    const before = { fds: fds(), slots: freeSlots() };
    const seen = { read: 0, ETIMEDOUT: 0, AbortError: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -1, max: sizes.length - 1 }), // -1: the FIFO, with no writer
        fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 3000 }).map((us) => us / 1000)), // deadline, ms
        fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 3000 }).map((us) => us / 1000)), // abort after, ms
        fc.boolean(), // the signal on the call itself, not through withOptions
        async (which, timeout, abortAfter, onCall) => {
          if (which < 0 && timeout === undefined && abortAfter === undefined) timeout = 1; // nothing else would end it
          const ac = new AbortController();
          const timer = abortAfter === undefined ? undefined : setTimeout(() => ac.abort(), abortAfter);
          let watchdog;
          const hung = new Promise((resolve) => { watchdog = setTimeout(() => resolve('hung'), HUNG_MS); });
          const file = which < 0 ? p('fifo') : p(`f${which}`);
          const call = onCall && timeout === undefined
            ? fsp.readFile(file, { signal: ac.signal })
            : withOptions({ timeout, signal: ac.signal }).readFile(file);
          const outcome = await Promise.race([call.then((b) => b, (err) => err), hung]);
          clearTimeout(watchdog);
          clearTimeout(timer);
          const what = `${which < 0 ? 'the FIFO' : `${sizes[which]} bytes`}, timeout ${timeout}, abort after ${abortAfter}, on the call ${onCall}`;
          expect(outcome, `${what}: the read never settled`).to.not.equal('hung');
          if (Buffer.isBuffer(outcome)) {
            expect(which, `${what}: a FIFO nobody writes to gave bytes`).to.be.at.least(0);
            expect(outcome.equals(files[which]), `${what}: the bytes differ`).to.equal(true);
            seen.read++;
          } else {
            const kind = outcome.name === 'AbortError' ? 'AbortError' : outcome.code;
            expect(['ETIMEDOUT', 'AbortError'], `${what}: ${outcome.stack}`).to.include(kind);
            seen[kind]++;
          }
          for (let i = 0; i < 50 && defaultRing().inflight > 0; i++) await settle(); // a cancel's own CQE may trail
          expect(defaultRing().inflight, what).to.equal(0);
        },
      ),
      { numRuns: RUNS },
    );
    await settle();
    expect(fifoHasReader(), 'a read of the FIFO is still waiting').to.equal(false);
    expect(fds()).to.equal(before.fds);
    expect(freeSlots()).to.equal(before.slots);
    expect(seen.read, JSON.stringify(seen)).to.be.greaterThan(0);
    expect(seen.ETIMEDOUT, JSON.stringify(seen)).to.be.greaterThan(0);
    expect(seen.AbortError, JSON.stringify(seen)).to.be.greaterThan(0);
  });
});
