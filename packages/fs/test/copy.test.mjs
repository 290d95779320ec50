// copyFile's paths by size (src/copy.ts): Node's own below 16 MiB for a plain call; on the ring from
// 16 MiB and under withOptions at any size (one READ -> WRITE up to 64 KiB, SPLICE workers above).
// Every path leaves the source's bytes and mode, onto a new, a longer and a shorter destination.
import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultRing } from '@uring/core';
import { withOptions, isNative } from '@uring/fs';
import uring from '@uring/fs/promises';

describe('@uring/fs: copyFile by size', function () {
  if (!isNative()) return;
  this.timeout(60_000);
  let dir;
  const p = (n) => path.join(dir, n);
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-copy-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const sizes = [1, 4096, 65_535, 65_536, 65_537, (1 << 20) + 1, (16 << 20) - 1, (16 << 20) + 5];
  const ways = { plain: uring, withOptions: withOptions({ timeout: 30_000 }) };

  it('each size, plain and under withOptions, onto a new, a longer and a shorter file: the bytes and the mode of the source', async () => {
    for (const n of sizes) {
      const data = crypto.randomBytes(n);
      fs.writeFileSync(p('src'), data);
      fs.chmodSync(p('src'), 0o640);
      for (const [way, f] of Object.entries(ways)) {
        const onto = { new: undefined, longer: Buffer.alloc(n + 70_000, 1), shorter: Buffer.alloc(n >> 1, 2) };
        for (const [what, old] of Object.entries(onto)) {
          fs.rmSync(p('dst'), { force: true });
          if (old) fs.writeFileSync(p('dst'), old, { mode: 0o600 });
          await f.copyFile(p('src'), p('dst'));
          const at = `${n} bytes, ${way}, onto a ${what} file`;
          expect(fs.readFileSync(p('dst')).equals(data), at).to.equal(true);
          expect(fs.statSync(p('dst')).mode & 0o7777, at).to.equal(0o640);
        }
      }
    }
    expect(defaultRing().inflight).to.equal(0);
  });

  it("an abort in the middle of the ring's copy rejects with Node's AbortError, the reason as its cause, and removes the destination", async () => {
    fs.writeFileSync(p('src'), crypto.randomBytes(64 << 20));
    const reason = new Error('stop now');
    let mid = 0;
    for (let i = 0; i < 5; i++) {
      const ac = new AbortController();
      const copy = withOptions({ signal: ac.signal }).copyFile(p('src'), p(`dst${i}`));
      // Once the destination exists the copy is past its opens (its bytes are moving, or soon).
      while (!fs.existsSync(p(`dst${i}`))) await new Promise((r) => setImmediate(r));
      ac.abort(reason);
      const err = await copy.then(() => undefined, (e) => e);
      if (err === undefined) continue; // it finished first
      mid++;
      expect(err.name).to.equal('AbortError');
      expect(err.code).to.equal('ABORT_ERR');
      expect(err.cause).to.equal(reason);
      expect(fs.existsSync(p(`dst${i}`))).to.equal(false);
    }
    expect(mid).to.be.greaterThan(0);
    expect(defaultRing().inflight).to.equal(0);
  });
});
