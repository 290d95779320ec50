// What Node's own fs/promises tests (and real libraries) check that a rewrite easily misses:
// each case compares @uring/fs/promises with node:fs/promises on the same input.
import { expect } from 'chai';
import fs from 'node:fs';
import nodeFsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import uring from '@uring/fs/promises';

describe('@uring/fs/promises: what Node\'s own tests pin down', () => {
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fidelity-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('times', () => {
    for (const [label, when] of [['before 1970', new Date('1969-07-20T20:17:40.123Z')], ['sub-millisecond', 1_700_000_000.1234567], ['1970 itself', 0.5]]) {
      it(`stat and lstat read a time ${label} as Node does`, async () => {
        const f = path.join(dir, 'f');
        fs.writeFileSync(f, 'x');
        fs.utimesSync(f, when, when);
        for (const call of ['stat', 'lstat']) {
          const [a, b] = [await nodeFsp[call](f), await uring[call](f)];
          expect(b.mtimeMs, call).to.equal(a.mtimeMs);
          expect(b.atime.getTime(), call).to.equal(a.atime.getTime());
          const [x, y] = [await nodeFsp[call](f, { bigint: true }), await uring[call](f, { bigint: true })];
          expect(y.mtimeNs, call).to.equal(x.mtimeNs);
        }
        const h = await uring.open(f);
        try {
          expect((await h.stat()).mtimeMs).to.equal((await nodeFsp.stat(f)).mtimeMs);
        } finally {
          await h.close();
        }
      });
    }
  });
});
