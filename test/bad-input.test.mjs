// A table of bad inputs across the packages: each gets a clear Node-style error (never a crash,
// a hang or a write where none should happen); where a call mirrors Node, the error is Node's own.
import { expect } from 'chai';
import fs from 'node:fs';
import nodeFs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as timersNode from 'node:timers/promises';
import { op, run, Ring } from '@uring/core';
import uringFs from '@uring/fs/promises';
import { listen, connect } from '@uring/net';
import * as timersUring from '@uring/timers/promises';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-bad-'));
const good = path.join(dir, 'good');
fs.writeFileSync(good, 'untouched');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const outcome = async (fn) => {
  try {
    await fn();
    return { ok: true };
  } catch (e) {
    return { code: e.code, name: e.name, message: e.message };
  }
};

const badPaths = [undefined, null, 42, {}, [], true, 'a\0b', Buffer.from('a\0b'), new URL('http://example.com/x'), Symbol('s')];
const fsCalls = {
  readFile: (f, p) => f.readFile(p),
  writeFile: (f, p) => f.writeFile(p, 'x'),
  appendFile: (f, p) => f.appendFile(p, 'x'),
  stat: (f, p) => f.stat(p),
  lstat: (f, p) => f.lstat(p),
  open: (f, p) => f.open(p),
  unlink: (f, p) => f.unlink(p),
  mkdir: (f, p) => f.mkdir(p),
  rmdir: (f, p) => f.rmdir(p),
  renameFrom: (f, p) => f.rename(p, good),
  copyFileTo: (f, p) => f.copyFile(good, p),
  truncate: (f, p) => f.truncate(p),
  linkTo: (f, p) => f.link(good, p),
  symlinkAt: (f, p) => f.symlink(good, p),
};

describe('bad input, table-driven', () => {
  describe('@uring/fs/promises gives the error node:fs/promises gives', () => {
    for (const [name, call] of Object.entries(fsCalls)) {
      for (const p of badPaths) {
        it(`${name}(${typeof p === 'symbol' ? 'Symbol' : JSON.stringify(p instanceof URL ? p.href : p)})`, async () => {
          const a = await outcome(() => call(nodeFs, p));
          const b = await outcome(() => call(uringFs, p));
          expect(b).to.deep.equal(a);
          expect(b.ok).to.not.equal(true);
          expect(fs.readFileSync(good, 'utf8')).to.equal('untouched');
        });
      }
    }
  });

  describe('@uring/core rejects before the kernel sees anything', () => {
    const ring = new Ring({ entries: 8 });
    after(() => ring.close());
    const buf = Buffer.alloc(8);
    const detached = new Uint8Array(8);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    const cases = [
      ['read fd -1', () => op.read(-1, buf), 'ERR_OUT_OF_RANGE'],
      ['read fd 1.5', () => op.read(1.5, buf), 'ERR_OUT_OF_RANGE'],
      ['read fd "3"', () => op.read('3', buf), 'ERR_INVALID_ARG_TYPE'],
      ['read fd 2**31', () => op.read(2 ** 31, buf), 'ERR_OUT_OF_RANGE'],
      ['read fd null', () => op.read(null, buf), 'ERR_INVALID_ARG_TYPE'],
      ['read buffer null', () => op.read(0, null), 'ERR_INVALID_ARG_TYPE'],
      ['read buffer string', () => op.read(0, 'abc'), 'ERR_INVALID_ARG_TYPE'],
      ['read buffer number', () => op.read(0, 8), 'ERR_INVALID_ARG_TYPE'],
      ['read detached buffer', () => op.read(0, detached), 'ERR_INVALID_ARG_VALUE'],
      ['read position -2', () => op.read(0, buf, -2), 'ERR_OUT_OF_RANGE'],
      ['read position 1.5', () => op.read(0, buf, 1.5), 'ERR_OUT_OF_RANGE'],
      ['read position "0"', () => op.read(0, buf, '0'), 'ERR_INVALID_ARG_TYPE'],
      ['read position 2n**64n', () => op.read(0, buf, 2n ** 64n), 'ERR_OUT_OF_RANGE'],
      ['write fd -5', () => op.write(-5, buf), 'ERR_OUT_OF_RANGE'],
      ['writev not an array', () => op.writev(1, 'x'), 'ERR_INVALID_ARG_TYPE'],
      ['writev bad element', () => op.writev(1, [buf, 5]), 'ERR_INVALID_ARG_TYPE'],
      ['openat path NUL', () => op.openat('a\0'), 'ERR_INVALID_ARG_VALUE'],
      ['openat path number', () => op.openat(5), 'ERR_INVALID_ARG_TYPE'],
      ['openat flags string', () => op.openat('/x', 'r'), 'ERR_INVALID_ARG_TYPE'],
      ['openat mode -1', () => op.openat('/x', 0, -1), 'ERR_OUT_OF_RANGE'],
      ['openat fileIndex -1', () => op.openat('/x', 0, 0, { fileIndex: -1 }), 'ERR_OUT_OF_RANGE'],
      ['statx dirfd -200', () => op.statx('/x', { dirfd: -200 }), 'ERR_OUT_OF_RANGE'],
      ['fallocate negative length', () => op.fallocate(1, 0, 0, -5), 'ERR_OUT_OF_RANGE'],
      ['timeout negative', () => op.timeout(-1), 'ERR_OUT_OF_RANGE'],
      ['timeout Infinity', () => op.timeout(Infinity), 'ERR_OUT_OF_RANGE'],
      ['timeout string', () => op.timeout('5'), 'ERR_INVALID_ARG_TYPE'],
      ['timeout bad clock', () => op.timeout(5, { clock: 'tai' }), 'ERR_INVALID_ARG_TYPE'],
      ['cancel userData -1', () => op.cancel(-1), 'ERR_OUT_OF_RANGE'],
      ['splice nbytes -1', () => op.splice(0, -1, 1, -1, -1), 'ERR_OUT_OF_RANGE'],
      ['pipe flags string', () => op.pipe({ flags: 'x' }), 'ERR_INVALID_ARG_TYPE'],
      ['pipe fileIndex -1', () => op.pipe({ fileIndex: -1 }), 'ERR_OUT_OF_RANGE'],
      ['epollWait maxEvents 0', () => op.epollWait(3, 0), 'ERR_OUT_OF_RANGE'],
      ['epollWait epfd string', () => op.epollWait('3'), 'ERR_INVALID_ARG_TYPE'],
      ['readMultishot group 70000', () => op.readMultishot(0, 70000), 'ERR_OUT_OF_RANGE'],
      ['readvFixed bufIndex -1', () => op.readvFixed(0, [buf], -1), 'ERR_OUT_OF_RANGE'],
      ['writevFixed bad element', () => op.writevFixed(1, [buf, 5], 0), 'ERR_INVALID_ARG_TYPE'],
      ['futexWaitv index out of the word', () => op.futexWaitv([{ word: new Int32Array(1), index: 3, expected: 0 }]), 'ERR_OUT_OF_RANGE'],
      ['fixedFdInstall slot -1', () => op.fixedFdInstall(-1), 'ERR_OUT_OF_RANGE'],
      ['getsockopt optval number', () => op.getsockopt(3, 1, 9, 4), 'ERR_INVALID_ARG_TYPE'],
      ['setsockopt level -1', () => op.setsockopt(3, -1, 9, new Uint8Array(4)), 'ERR_OUT_OF_RANGE'],
      ['recvMultishot limit -1', () => op.recvMultishot(3, 1, 0, -1), 'ERR_OUT_OF_RANGE'],
      ['ring entries 0', () => new Ring({ entries: 0 }), 'ERR_OUT_OF_RANGE'],
      ['ring entries huge', () => new Ring({ entries: 2 ** 30 }), 'ERR_OUT_OF_RANGE'],
      ['ring cqEntries not pow2', () => new Ring({ entries: 8, cqEntries: 24 }), 'ERR_OUT_OF_RANGE'],
      ['ring options null', () => new Ring(null), 'ERR_INVALID_ARG_TYPE'],
      ['ring deferTaskrun with sqpoll', () => new Ring({ deferTaskrun: true, sqpoll: true }), 'ERR_INVALID_ARG_VALUE'],
    ];
    for (const [label, fn, code] of cases) {
      it(label, async () => {
        expect((await outcome(fn)).code).to.equal(code);
        // and the promise form rejects the same way rather than throwing
        if (label.startsWith('read') || label.startsWith('openat')) expect((await outcome(() => run(fn, { ring }))).code).to.equal(code);
      });
    }
    it('a closed or invalid fd is a kernel EBADF with syscall, not a crash', async () => {
      const e = await outcome(() => ring.submit(op.read(999_999, buf, 0)));
      expect(e.code).to.equal('EBADF');
      expect(e.message).to.equal('EBADF: bad file descriptor, read');
    });
    it('a buffer too small for the request reads only what fits', async () => {
      const fd = fs.openSync(good, 'r');
      const small = Buffer.alloc(3);
      expect(await ring.submit(op.read(fd, small, 0))).to.equal(3);
      expect(small.toString()).to.equal('unt');
      fs.closeSync(fd);
    });
  });

  describe('@uring/net', () => {
    for (const port of [-1, 65536, 1.5, NaN, 'x', {}, true]) {
      it(`listen with port ${String(port)}`, async () => {
        const e = await outcome(() => listen({ port }));
        expect(['ERR_SOCKET_BAD_PORT', 'ERR_INVALID_ARG_TYPE']).to.include(e.code);
      });
      it(`connect with port ${String(port)}`, async () => {
        const e = await outcome(() => connect({ port, host: '127.0.0.1' }));
        expect(['ERR_SOCKET_BAD_PORT', 'ERR_INVALID_ARG_TYPE']).to.include(e.code);
      });
    }
    for (const options of [null, 5, 'x']) {
      it(`connect(${JSON.stringify(options)})`, async () => {
        expect((await outcome(() => connect(options))).code).to.equal('ERR_INVALID_ARG_TYPE');
      });
    }
    it('connect to a host that is not an address and does not resolve', async () => {
      const e = await outcome(() => connect({ host: 'no-such-host.invalid', port: 1 }));
      expect(e.code).to.equal('ENOTFOUND');
    });
  });

  describe('@uring/timers gives the errors node:timers/promises gives', () => {
    const cases = [
      [1, 'v', null], [1, 'v', 5], [1, 'v', { signal: 1 }], [1, 'v', { ref: 0 }], ['1'], [{}], [1n], [() => {}],
    ];
    for (const args of cases) {
      it(`setTimeout(${args.map((a) => typeof a).join(', ')})`, async () => {
        expect(await outcome(() => timersUring.setTimeout(...args))).to.deep.equal(await outcome(() => timersNode.setTimeout(...args)));
      });
    }
  });
});
