// Beyond Node: withOptions({ signal, timeout }) puts a kernel deadline and a signal on every call; batch() submits together.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultRing } from '@uring/core';
import { withOptions, batch, isNative } from '@uring/fs';
import uring from '@uring/fs/promises';
import { openFds as fds, settle, fifoHasReader as hasReader, takeAllSlots } from './leaks.mjs';


describe('@uring/fs: withOptions and batch', function () {
  if (!isNative()) return;
  let dir;
  const p = (n) => path.join(dir, n);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-scoped-'));
    execFileSync('mkfifo', [p('fifo')]);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const fifoHasReader = () => hasReader(p('fifo'));

  it('calls through it give the same results as plain calls', async () => {
    const f = withOptions({ timeout: 5000, signal: new AbortController().signal });
    await f.writeFile(p('a'), 'hello');
    await f.writeFile(p('a'), 'hi'); // the O_TRUNC stand-in, through runChain
    expect(await f.readFile(p('a'), 'utf8')).to.equal('hi');
    expect((await f.stat(p('a'))).size).to.equal(2);
    await f.mkdir(p('d'));
    await f.rename(p('a'), p('d/b'));
    const h = await f.open(p('d/b'));
    const { bytesRead, buffer } = await h.read(Buffer.alloc(2), 0, 2, 0);
    expect(buffer.toString('utf8', 0, bytesRead)).to.equal('hi');
    await h.close();
    expect(await f.readdir(p('d'))).to.deep.equal(['b']);
    await f.copyFile(p('d/b'), p('c'));
    expect(await f.readFile(p('c'), { encoding: 'utf8', signal: new AbortController().signal })).to.equal('hi');
    await f.writeFile(p('c'), 'signalled', { signal: new AbortController().signal });
    expect(fs.readFileSync(p('c'), 'utf8')).to.equal('signalled');
    const err = await f.readFile(p('missing')).catch((e) => e);
    const nodeErr = await fs.promises.readFile(p('missing')).catch((e) => e);
    expect([err.code, err.syscall, err.path, err.message]).to.deep.equal([nodeErr.code, nodeErr.syscall, nodeErr.path, nodeErr.message]);
  });

  it('a deadline stops a call blocked in the kernel: ETIMEDOUT, and the read is gone', async () => {
    const before = fds();
    const err = await withOptions({ timeout: 50 }).readFile(p('fifo')).catch((e) => e); // no writer: the READ waits
    expect(err.code).to.equal('ETIMEDOUT');
    await settle();
    expect(fifoHasReader()).to.equal(false);
    expect(defaultRing().inflight).to.equal(0);
    expect(fds()).to.equal(before);
  });

  it('a signal cancels the call in the kernel: AbortError, and the read is gone', async () => {
    const ac = new AbortController();
    const pending = withOptions({ signal: ac.signal }).readFile(p('fifo'));
    setTimeout(() => ac.abort(), 30);
    const err = await pending.catch((e) => e);
    expect(err.name).to.equal('AbortError');
    await settle();
    expect(fifoHasReader()).to.equal(false);
    const already = await withOptions({ signal: AbortSignal.abort() }).stat(p('fifo')).catch((e) => e);
    expect(already.name).to.equal('AbortError');
  });

  it('a signal that has already aborted: AbortError, and every fixed-file slot is free again', async () => {
    const files = defaultRing().files;
    const first = files.alloc();
    files.free(first);
    fs.writeFileSync(p('f'), 'data');
    const fsd = withOptions({ signal: AbortSignal.abort() });
    for (let i = 0; i < 5; i++) {
      expect((await fsd.readFile(p('f')).catch((e) => e)).name).to.equal('AbortError');
      expect((await fsd.writeFile(p('f'), 'other').catch((e) => e)).name).to.equal('AbortError');
    }
    // The allocator hands back the same slot: none was kept by the refused chains.
    const again = files.alloc();
    files.free(again);
    expect(again).to.equal(first);
    expect(fs.readFileSync(p('f'), 'utf8')).to.equal('data');
  });

  it('with the fixed-file table full, writeFile takes a FileHandle and still honours its signal', async () => {
    const files = defaultRing().files;
    const taken = takeAllSlots();
    try {
      const ac = new AbortController();
      const done = uring.writeFile(p('big'), Buffer.alloc(4 << 20, 7), { signal: ac.signal });
      ac.abort();
      expect((await done.catch((e) => e)).name).to.equal('AbortError');
      expect(fs.statSync(p('big')).size).to.be.below(4 << 20);
      await uring.writeFile(p('small'), 'still works', { signal: new AbortController().signal });
      expect(fs.readFileSync(p('small'), 'utf8')).to.equal('still works');
    } finally {
      for (const s of taken) files.free(s);
    }
  });

  it('batch: calls started together go to the kernel in one submission, results in order', async () => {
    fs.writeFileSync(p('x'), 'xx');
    await settle();
    const ring = defaultRing();
    const before = ring.submissions;
    const [sx, , sy, made] = await batch(() => [uring.stat(p('x')), uring.writeFile(p('y'), 'yyy'), uring.lstat(p('x')), uring.mkdir(p('z'))]);
    expect(ring.submissions - before).to.equal(1);
    expect([sx.size, sy.size, made, fs.readFileSync(p('y'), 'utf8'), fs.statSync(p('z')).isDirectory()]).to.deep.equal([2, 2, undefined, 'yyy', true]);
  });
});
