// The ops newer kernels add: PIPE (6.16), FIXED_FD_INSTALL (6.8), EPOLL_WAIT (6.15), READ_MULTISHOT (6.7),
// FUTEX_WAITV (6.7), READV_FIXED / WRITEV_FIXED (6.15). Each is skipped where the kernel lacks it.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import koffi from 'koffi';
import { Ring, BufferRing, op, probe, uapi, pipe } from '@uring/core';
import { tempDir } from './helpers.mjs';

const libc = koffi.load('libc.so.6');
const epollCreate1 = libc.func('int epoll_create1(int flags)');
const EPOLLIN = 0x001;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** The fd's open flags as /proc reports them (octal). */
const fdFlags = (fd) => parseInt(/flags:\s+(\d+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))[1], 8);

describe('newer ops on the real ring', () => {
  let ring;
  beforeEach(() => { ring = new Ring({ entries: 64 }); });
  afterEach(() => ring.close());
  const skipUnless = (ctx, name) => { if (!probe(ring).supports(name)) ctx.skip(); };

  it('PIPE makes a close-on-exec pipe whose ends carry bytes', async function () {
    skipUnless(this, 'PIPE');
    const [r, w] = await ring.submit(op.pipe());
    expect(fdFlags(r) & uapi.O_CLOEXEC).to.equal(uapi.O_CLOEXEC);
    expect(await ring.submit(op.write(w, Buffer.from('through the pipe')))).to.equal(16);
    const buf = Buffer.alloc(32);
    const n = await ring.submit(op.read(r, buf));
    expect(buf.toString('utf8', 0, n)).to.equal('through the pipe');
    const [r2, w2] = await ring.submit(op.pipe({ flags: 0 }));
    expect(fdFlags(r2) & uapi.O_CLOEXEC).to.equal(0);
    const [r3, w3] = await pipe({ ring, flags: 0 }); // the promise form
    fs.writeSync(w3, 'p');
    const got = Buffer.alloc(4);
    expect(fs.readSync(r3, got)).to.equal(1);
    for (const fd of [r, w, r2, w2, r3, w3]) fs.closeSync(fd);
  });

  it('PIPE into fixed slots, and FIXED_FD_INSTALL gives code outside the ring a real fd for a slot', async function () {
    skipUnless(this, 'PIPE');
    skipUnless(this, 'FIXED_FD_INSTALL');
    const files = ring.files;
    const a = files.alloc();
    const b = files.alloc();
    expect(b).to.equal(a + 1);
    const [rs, ws] = await ring.submit(op.pipe({ fileIndex: a }));
    expect([rs, ws]).to.deep.equal([a, a + 1]);
    const wfd = await ring.submit(op.fixedFdInstall(ws));
    expect(fdFlags(wfd) & uapi.O_CLOEXEC).to.equal(uapi.O_CLOEXEC);
    fs.writeSync(wfd, 'from node:fs into a slot');
    fs.closeSync(wfd);
    const buf = Buffer.alloc(64);
    const n = await ring.submit(op.read(rs, buf), { fixedFile: true });
    expect(buf.toString('utf8', 0, n)).to.equal('from node:fs into a slot');
    const plain = await ring.submit(op.fixedFdInstall(rs, { cloexec: false }));
    expect(fdFlags(plain) & uapi.O_CLOEXEC).to.equal(0);
    fs.closeSync(plain);
    const err = await ring.submit(op.fixedFdInstall(60)).catch((e) => e); // an empty slot
    expect(err.code).to.equal('EBADF');
    files.update(a, [-1, -1]);
    files.free(a);
    files.free(b);
  });

  it('EPOLL_WAIT waits on an epoll set without a thread: the ready fd and its data', async function () {
    skipUnless(this, 'EPOLL_WAIT');
    skipUnless(this, 'PIPE');
    const ep = epollCreate1(0);
    const [rd, wr] = await ring.submit(op.pipe());
    await ring.submit(op.epollCtl(ep, op.EPOLL_CTL_ADD, rd, EPOLLIN, 42n));
    let ready;
    const waiting = ring.submit(op.epollWait(ep, 8)).then((e) => (ready = e));
    await sleep(20);
    expect(ready).to.equal(undefined); // nothing ready yet: the op waits in the kernel
    fs.writeSync(wr, 'x');
    expect(await waiting).to.deep.equal([{ events: EPOLLIN, data: 42n }]);
    for (const fd of [rd, wr, ep]) fs.closeSync(fd);
  });

  it('READ_MULTISHOT reads a pipe chunk by chunk into provided buffers until EOF', async function () {
    skipUnless(this, 'READ_MULTISHOT');
    skipUnless(this, 'PIPE');
    const [r, w] = await ring.submit(op.pipe());
    const br = new BufferRing(ring, { groupId: 5, entries: 8, size: 4096 });
    const chunks = [];
    const done = new Promise((resolve, reject) => {
      const arm = () => ring.start(op.readMultishot(r, 5), (res, flags, more) => {
        if (res > 0) {
          const bid = BufferRing.bufferId(flags);
          chunks.push(Buffer.from(br.buffer(bid, res)).toString());
          br.recycle(bid);
        } else if (res === 0) return resolve();
        else if (res !== -105) return reject(new Error(`read ${res}`));
        if (!more) arm(); // ENOBUFS or the kernel ended it: go on
      });
      arm();
    });
    for (const part of ['one', 'two', 'three']) {
      fs.writeSync(w, part);
      await sleep(15);
    }
    fs.closeSync(w);
    await done;
    expect(chunks).to.deep.equal(['one', 'two', 'three']);
    fs.closeSync(r);
    br.close();
  });

  it('FUTEX_WAITV wakes on any of its futexes and says which', async function () {
    skipUnless(this, 'FUTEX_WAITV');
    const word = new Int32Array(new SharedArrayBuffer(12));
    let which;
    const waiting = ring.submit(op.futexWaitv([{ word, index: 0, expected: 0 }, { word, index: 2, expected: 0 }])).then((i) => (which = i));
    await sleep(20);
    expect(which).to.equal(undefined);
    Atomics.store(word, 2, 1);
    expect(await ring.submit(op.futexWake(word, 2, 1))).to.equal(1);
    expect(await waiting).to.equal(1);
    const stale = await ring.submit(op.futexWaitv([{ word, index: 2, expected: 0 }])).catch((e) => e);
    expect(stale.code).to.equal('EAGAIN');
  });

  it('WRITEV_FIXED and READV_FIXED move bytes between a file and a registered buffer', async function () {
    skipUnless(this, 'READV_FIXED');
    skipUnless(this, 'WRITEV_FIXED');
    const dir = tempDir();
    const fd = fs.openSync(path.join(dir, 'v'), 'w+');
    const reg = Buffer.alloc(8192);
    reg.write('hello ', 0);
    reg.write('world', 100);
    ring.registerBuffers([reg]);
    expect(await ring.submit(op.writevFixed(fd, [reg.subarray(0, 6), reg.subarray(100, 105)], 0, 0))).to.equal(11);
    expect(fs.readFileSync(path.join(dir, 'v'), 'utf8')).to.equal('hello world');
    expect(await ring.submit(op.readvFixed(fd, [reg.subarray(4096, 4101), reg.subarray(5000, 5006)], 0, 0))).to.equal(11);
    expect(reg.toString('utf8', 4096, 4101) + reg.toString('utf8', 5000, 5006)).to.equal('hello world');
    const outside = await ring.submit(op.readvFixed(fd, [Buffer.alloc(4)], 0, 0)).catch((e) => e);
    expect(outside.code).to.equal('EFAULT');
    ring.unregisterBuffers();
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
