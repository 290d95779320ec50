import { expect } from 'chai';
import fs from 'node:fs';
import net from 'node:net';
import koffi from 'koffi';
import { firstValueFrom, take, toArray } from 'rxjs';
import { Ring, op, observe, probe, encodeSockaddr, sockopt, AF_INET } from '@uring/core';
import { fifo, sleep } from './helpers.mjs';

const libc = koffi.load('libc.so.6');
const epollCreate1 = libc.func('int epoll_create1(int flags)');
const posixSpawnp = libc.func('int posix_spawnp(_Out_ int *pid, const char *file, void *actions, void *attr, const char **argv, const char **envp)');

describe('poll, epoll, buffers, messages, waitid, futex', () => {
  let ring;
  beforeEach(() => { ring = new Ring({ entries: 64 }); });
  afterEach(() => ring.close());
  const skipUnless = (ctx, name) => { if (!probe(ring).supports(name)) ctx.skip(); };

  it('POLL_ADD resolves with the ready events; POLL_REMOVE cancels a pending poll', async () => {
    const [r, w] = fifo();
    const polled = ring.submit(op.pollAdd(r, op.POLLIN));
    await sleep(5);
    fs.writeSync(w, 'x');
    expect((await polled) & op.POLLIN).to.equal(op.POLLIN);
    fs.readSync(r, Buffer.alloc(1));
    let res;
    const h = ring.start(op.pollAdd(r, op.POLLIN), (x) => { res = x; });
    expect(await ring.submit(op.pollRemove(h.userData))).to.equal(0);
    expect(res).to.equal(-125);
    fs.closeSync(r);
    fs.closeSync(w);
  });

  it('multishot POLL_ADD emits on every readiness until unsubscribed', async () => {
    const [r, w] = fifo();
    const seen = firstValueFrom(observe(op.pollAdd(r, op.POLLIN, { multishot: true }), { ring }).pipe(take(3), toArray()));
    for (let i = 0; i < 3; i++) {
      await sleep(5);
      fs.writeSync(w, 'x');
      await sleep(5);
      fs.readSync(r, Buffer.alloc(8));
    }
    expect((await seen).every((e) => (e & op.POLLIN) !== 0)).to.equal(true);
    await ring.submit(op.nop());
    expect(ring.inflight).to.equal(0);
    fs.closeSync(r);
    fs.closeSync(w);
  });

  it('EPOLL_CTL adds an fd to an epoll set', async () => {
    const ep = epollCreate1(0);
    const [r, w] = fifo();
    expect(await ring.submit(op.epollCtl(ep, op.EPOLL_CTL_ADD, r, op.POLLIN, 42n))).to.equal(0);
    const again = await ring.submit(op.epollCtl(ep, op.EPOLL_CTL_ADD, r, op.POLLIN)).catch((e) => e);
    expect(again.code).to.equal('EEXIST');
    expect(await ring.submit(op.epollCtl(ep, op.EPOLL_CTL_DEL, r))).to.equal(0);
    for (const fd of [ep, r, w]) fs.closeSync(fd);
  });

  it('BIND and LISTEN as ops, where the kernel has them', async function () {
    skipUnless(this, 'LISTEN');
    const fd = await ring.submit(op.socket(AF_INET, op.SOCK_STREAM));
    expect(await ring.submit(op.bind(fd, encodeSockaddr({ host: '127.0.0.1', port: 0 })))).to.equal(0);
    expect(await ring.submit(op.listen(fd, 16))).to.equal(0);
    const port = sockopt.sockname(fd).port;
    await new Promise((resolve, reject) => net.connect(port, '127.0.0.1', resolve).on('error', reject).unref());
    await ring.submit(op.close(fd));
  });

  it('PROVIDE_BUFFERS: a receive picks a provided buffer; REMOVE_BUFFERS takes the rest back', async () => {
    const [r, w] = fifo();
    const memory = Buffer.alloc(4 * 64);
    expect(await ring.submit(op.provideBuffers(memory, 64, 4, 3, 0))).to.equal(0);
    fs.writeSync(w, 'picked');
    let flags;
    const n = await new Promise((resolve) => ring.start(op.readProvided(r, 3, 64), (res, f) => { flags = f; resolve(res); }));
    const bid = flags >>> 16;
    expect(memory.toString('utf8', bid * 64, bid * 64 + n)).to.equal('picked');
    expect(await ring.submit(op.removeBuffers(4, 3))).to.equal(3);
    fs.closeSync(r);
    fs.closeSync(w);
  });

  it('MSG_RING posts a message on another ring, and sends it a fixed file', async function () {
    skipUnless(this, 'MSG_RING');
    const other = new Ring({ entries: 8 });
    try {
      const got = new Promise((resolve) => other.onMessage((value, data) => resolve([value, data])));
      expect(await ring.submit(op.msgRing(other.fd, 1234, 77))).to.equal(0);
      other.flush();
      // The message is a CQE on `other`: its poll wakes it.
      expect(await got).to.deep.equal([1234, 77]);
      fs.writeFileSync('/tmp/uring-msgring-file', 'sent over');
      const fd = fs.openSync('/tmp/uring-msgring-file', 'r');
      const src = ring.files.alloc();
      ring.files.update(src, [fd]);
      fs.closeSync(fd);
      other.files; // the target needs a table
      const dst = other.files.alloc();
      const got2 = new Promise((resolve) => other.onMessage((value, data) => resolve([value, data])));
      await ring.submit(op.msgRingFd(other.fd, src, dst, 5));
      expect((await got2)[1]).to.equal(5);
      const buf = Buffer.alloc(16);
      const n = await other.submit(op.read(dst, buf, 0), { fixedFile: true });
      expect(buf.toString('utf8', 0, n)).to.equal('sent over');
    } finally {
      other.close();
    }
  });

  it('FILES_UPDATE as an op', async () => {
    const files = ring.files;
    const slot = files.alloc();
    const fd = fs.openSync('/etc/hostname', 'r');
    expect(await ring.submit(op.filesUpdate(slot, [fd]))).to.equal(1);
    fs.closeSync(fd);
    const n = await ring.submit(op.read(slot, Buffer.alloc(64), 0), { fixedFile: true });
    expect(n).to.equal(fs.statSync('/etc/hostname').size);
    expect(await ring.submit(op.filesUpdate(slot, [-1]))).to.equal(1);
  });

  it('WAITID sees a child exit', async function () {
    skipUnless(this, 'WAITID');
    // A child libuv does not know of (child_process children are reaped by libuv's SIGCHLD handler).
    const pidOut = new Int32Array(1);
    const rc = posixSpawnp(pidOut, 'sh', null, null, ['sh', '-c', 'sleep 0.05; exit 7', null], null);
    expect(rc).to.equal(0);
    const info = await ring.submit(op.waitid(op.P_PID, pidOut[0], op.WEXITED));
    expect(info.pid).to.equal(pidOut[0]);
    expect(info.status).to.equal(7);
  });

  it('FUTEX_WAIT wakes on FUTEX_WAKE; a stale value returns at once', async function () {
    skipUnless(this, 'FUTEX_WAIT');
    const word = new Int32Array(new SharedArrayBuffer(8));
    const stale = await ring.submit(op.futexWait(word, 0, 1)).catch((e) => e);
    expect(stale.code).to.equal('EAGAIN');
    let woke = false;
    const waiting = ring.submit(op.futexWait(word, 1, 0)).then((r) => { woke = true; return r; });
    await sleep(10);
    expect(woke).to.equal(false);
    Atomics.store(word, 1, 1);
    expect(await ring.submit(op.futexWake(word, 1, 1))).to.equal(1);
    expect(await waiting).to.equal(0);
  });
});
