import { expect } from 'chai';
import fs from 'node:fs';
import { setMaxListeners } from 'node:events';
import path from 'node:path';
import koffi from 'koffi';
import { Ring, chain, op, probe, runChain, uapi } from '@uring/core';
import { fifo, tempDir } from './helpers.mjs';

const { O_RDWR, O_CREAT, O_RDONLY, O_WRONLY, O_NOFOLLOW } = fs.constants;
const libc = koffi.load('libc.so.6');
const eventfd = libc.func('int eventfd(unsigned int initval, int flags)');
const RESOLVE_NO_SYMLINKS = 0x04;

describe('file ops on the real ring', () => {
  let ring;
  let dir;
  const p = (name) => path.join(dir, name);
  beforeEach(() => { ring = new Ring({ entries: 64 }); dir = tempDir(); });
  afterEach(() => { ring.close(); fs.rmSync(dir, { recursive: true, force: true }); });
  const supports = (name) => probe(ring).supports(name);

  it('writev gathers and readv scatters', async () => {
    const fd = fs.openSync(p('v'), 'w+');
    expect(await ring.submit(op.writev(fd, [Buffer.from('abc'), Buffer.from('defg')], 0))).to.equal(7);
    expect(fs.readFileSync(p('v'), 'utf8')).to.equal('abcdefg');
    const a = Buffer.alloc(2);
    const b = Buffer.alloc(5);
    expect(await ring.submit(op.readv(fd, [a, b], 0))).to.equal(7);
    expect(a.toString() + b.toString()).to.equal('abcdefg');
    fs.closeSync(fd);
  });

  it('read and write at the current position advance it like read(2)/write(2)', async () => {
    const fd = fs.openSync(p('pos'), 'w+');
    await ring.submit(op.write(fd, Buffer.from('12'), -1));
    await ring.submit(op.write(fd, Buffer.from('34'), -1));
    expect(fs.readFileSync(p('pos'), 'utf8')).to.equal('1234');
    fs.closeSync(fd);
  });

  it('READ_FIXED and WRITE_FIXED use registered buffers', async () => {
    const big = Buffer.alloc(8192);
    const table = ring.registerBuffers([big]);
    const fd = fs.openSync(p('fixed'), 'w+');
    big.write('fixed buffer', 0);
    expect(await ring.submit(op.writeFixed(fd, big.subarray(0, 12), 0, 0))).to.equal(12);
    expect(fs.readFileSync(p('fixed'), 'utf8')).to.equal('fixed buffer');
    big.fill(0);
    expect(await ring.submit(op.readFixed(fd, big.subarray(100, 112), 0, 0))).to.equal(12);
    expect(big.toString('utf8', 100, 112)).to.equal('fixed buffer');
    // Memory outside the registered buffer is refused.
    const err = await ring.submit(op.readFixed(fd, Buffer.alloc(4), 0, 0)).catch((e) => e);
    expect(err.code).to.equal('EFAULT');
    expect(table.buffers).to.have.length(1);
    ring.unregisterBuffers();
    fs.closeSync(fd);
  });

  it('fsync, fdatasync and sync_file_range succeed on a written file', async () => {
    const fd = fs.openSync(p('sync'), 'w');
    fs.writeSync(fd, 'x'.repeat(10000));
    expect(await ring.submit(op.fsync(fd))).to.equal(0);
    expect(await ring.submit(op.fsync(fd, { datasync: true }))).to.equal(0);
    expect(await ring.submit(op.syncFileRange(fd, 0, 4096, 2))).to.equal(0);
    fs.closeSync(fd);
    const err = await ring.submit(op.fsync(fd)).catch((e) => e);
    expect(err.code).to.equal('EBADF');
    expect(err.syscall).to.equal('fsync');
  });

  it('fallocate grows the file; ftruncate sets its size', async () => {
    const fd = fs.openSync(p('alloc'), 'w+');
    expect(await ring.submit(op.fallocate(fd, 0, 0, 1 << 20))).to.equal(0);
    expect(fs.fstatSync(fd).size).to.equal(1 << 20);
    if (supports('FTRUNCATE')) {
      expect(await ring.submit(op.ftruncate(fd, 123))).to.equal(0);
      expect(fs.fstatSync(fd).size).to.equal(123);
    }
    fs.closeSync(fd);
  });

  it('fadvise and madvise are accepted', async () => {
    const fd = fs.openSync(p('adv'), 'w+');
    fs.writeSync(fd, 'data');
    expect(await ring.submit(op.fadvise(fd, 0, 4, 2 /* SEQUENTIAL */))).to.equal(0);
    fs.closeSync(fd);
    // madvise needs page-aligned memory: a registered-size page inside a larger buffer.
    const buf = Buffer.alloc(3 * 4096);
    const addr = koffi.address(buf);
    const skip = Number((4096n - (addr % 4096n)) % 4096n);
    expect(await ring.submit(op.madvise(buf.subarray(skip, skip + 4096), 0 /* NORMAL */))).to.equal(0);
  });

  it('openat creates with flags and mode; openat2 honours RESOLVE_NO_SYMLINKS', async () => {
    const fd = await ring.submit(op.openat(p('new'), O_CREAT | O_WRONLY, 0o640));
    expect(fs.statSync(p('new')).mode & 0o777).to.equal(0o640 & ~process.umask());
    fs.closeSync(fd);
    fs.symlinkSync(p('new'), p('link'));
    const fd2 = await ring.submit(op.openat2(p('new'), { flags: O_RDONLY }));
    fs.closeSync(fd2);
    const err = await ring.submit(op.openat2(p('link'), { flags: O_RDONLY, resolve: RESOLVE_NO_SYMLINKS })).catch((e) => e);
    expect(err.code).to.equal('ELOOP');
    expect(err.syscall).to.equal('open');
    const err2 = await ring.submit(op.openat(p('link'), O_RDONLY | O_NOFOLLOW)).catch((e) => e);
    expect(err2.code).to.equal('ELOOP');
  });

  it('openat relative to a directory fd', async () => {
    fs.writeFileSync(p('rel'), 'relative');
    const dfd = fs.openSync(dir, O_RDONLY);
    const fd = await ring.submit(op.openat('rel', O_RDONLY, 0, { dirfd: dfd }));
    expect(fs.readFileSync(fd, 'utf8')).to.equal('relative');
    fs.closeSync(fd);
    fs.closeSync(dfd);
  });

  it('close closes the fd', async () => {
    const fd = fs.openSync(p('c'), 'w');
    expect(await ring.submit(op.close(fd))).to.equal(0);
    expect(() => fs.fstatSync(fd)).to.throw().with.property('code', 'EBADF');
  });

  it('statx of a directory, a symlink (lstat), an fd (AT_EMPTY_PATH)', async () => {
    fs.writeFileSync(p('f'), 'abc');
    fs.symlinkSync(p('f'), p('s'));
    const d = await ring.submit(op.statx(dir));
    expect(d.mode & fs.constants.S_IFMT).to.equal(fs.constants.S_IFDIR);
    const l = await ring.submit(op.statx(p('s'), { flags: uapi.AT_SYMLINK_NOFOLLOW }));
    expect(l.mode & fs.constants.S_IFMT).to.equal(fs.constants.S_IFLNK);
    const fd = fs.openSync(p('f'), 'r');
    const f = await ring.submit(op.statx('', { dirfd: fd, flags: uapi.AT_EMPTY_PATH }));
    expect(f.size).to.equal(3n);
    expect(f.nlink).to.equal(1);
    fs.closeSync(fd);
  });

  it('statx scratch slots: many at once, long and non-ASCII paths, chained, aborted, each result its own', async () => {
    // Sizes 0..599 tell the files apart: a slot shared by two ops in flight would show.
    const names = Array.from({ length: 600 }, (_, i) => `f${i}-é`);
    names.forEach((n, i) => fs.writeFileSync(p(n), Buffer.alloc(i)));
    const sizes = await Promise.all(names.map((n) => ring.submit(op.statxWith(p(n), (v, at) => Number(v.getBigUint64(at + 40, true))))));
    expect(sizes).to.deep.equal(names.map((_, i) => i));
    // A path longer than the slot's room for it (over 768 bytes) takes the allocated path.
    let deep = dir;
    for (let i = 0; i < 8; i++) deep = path.join(deep, 'd'.repeat(120) + i);
    fs.mkdirSync(deep, { recursive: true });
    fs.writeFileSync(path.join(deep, 'x'), 'four');
    expect((await ring.submit(op.statx(path.join(deep, 'x')))).size).to.equal(4n);
    expect((await ring.submit(op.statx(Buffer.from(path.join(deep, 'x'))))).size).to.equal(4n);
    // A statx step in a chain is completed once: its slot is not handed out twice.
    const [st] = await runChain(chain(op.statx(p(names[7])), op.nop()), { ring });
    expect(st.size).to.equal(7n);
    // Aborted statx ops give their slots back; later ones still see their own files.
    const ac = new AbortController();
    setMaxListeners(100, ac.signal);
    const aborted = names.slice(0, 50).map((n) => ring.submit(op.statx(p(n)), { signal: ac.signal }).catch((e) => e));
    ac.abort();
    await Promise.all(aborted);
    const again = await Promise.all(names.map((n) => ring.submit(op.statx(p(n)))));
    expect(again.map((s) => Number(s.size))).to.deep.equal(names.map((_, i) => i));
    // A spec is single-use.
    const once = op.statx(p(names[1]));
    await ring.submit(once);
    expect(() => ring.submit(once)).to.throw().with.property('code', 'ERR_URING_SPEC_REUSED');
  });

  it('renameat, unlinkat, mkdirat, rmdir, symlinkat, linkat change the tree as the syscalls do', async () => {
    fs.writeFileSync(p('a'), 'A');
    expect(await ring.submit(op.renameat(p('a'), p('b')))).to.equal(0);
    expect(fs.existsSync(p('a'))).to.equal(false);
    expect(fs.readFileSync(p('b'), 'utf8')).to.equal('A');
    expect(await ring.submit(op.linkat(p('b'), p('hard')))).to.equal(0);
    expect(fs.statSync(p('b')).nlink).to.equal(2);
    expect(await ring.submit(op.symlinkat('b', p('soft')))).to.equal(0);
    expect(fs.readlinkSync(p('soft'))).to.equal('b');
    expect(await ring.submit(op.mkdirat(p('d'), 0o700))).to.equal(0);
    expect(fs.statSync(p('d')).isDirectory()).to.equal(true);
    const notEmpty = p('d2');
    fs.mkdirSync(notEmpty);
    fs.writeFileSync(path.join(notEmpty, 'x'), '');
    const e1 = await ring.submit(op.unlinkat(notEmpty, { flags: uapi.AT_REMOVEDIR })).catch((e) => e);
    expect(e1.code).to.equal('ENOTEMPTY');
    expect(e1.syscall).to.equal('rmdir');
    expect(await ring.submit(op.unlinkat(p('d'), { flags: uapi.AT_REMOVEDIR }))).to.equal(0);
    expect(await ring.submit(op.unlinkat(p('hard')))).to.equal(0);
    expect(fs.existsSync(p('hard'))).to.equal(false);
    const e2 = await ring.submit(op.renameat(p('nope'), p('x'))).catch((e) => e);
    expect([e2.code, e2.syscall, e2.path, e2.dest]).to.deep.equal(['ENOENT', 'rename', p('nope'), p('x')]);
    expect(e2.message).to.equal(`ENOENT: no such file or directory, rename '${p('nope')}' -> '${p('x')}'`);
  });

  it('splice moves file bytes into a pipe, tee duplicates pipe bytes', async () => {
    fs.writeFileSync(p('sp'), 'spliced!');
    const fd = fs.openSync(p('sp'), 'r');
    const [r1, w1] = fifo();
    const [r2, w2] = fifo();
    expect(await ring.submit(op.splice(fd, 0, w1, -1, 8))).to.equal(8);
    expect(await ring.submit(op.tee(r1, w2, 8))).to.equal(8);
    const a = Buffer.alloc(8);
    const b = Buffer.alloc(8);
    expect(fs.readSync(r1, a)).to.equal(8);
    expect(fs.readSync(r2, b)).to.equal(8);
    expect(a.toString()).to.equal('spliced!');
    expect(b.toString()).to.equal('spliced!');
    for (const x of [fd, r1, w1, r2, w2]) fs.closeSync(x);
  });

  it('setxattr / getxattr round-trip (where the filesystem has user xattrs)', async function () {
    fs.writeFileSync(p('x'), '');
    const set = await ring.submit(op.setxattr(p('x'), 'user.uring', Buffer.from('value'))).catch((e) => e);
    if (set instanceof Error && ['EOPNOTSUPP', 'ENOTSUP', 'EINVAL'].includes(set.code)) this.skip();
    expect(set).to.equal(0);
    const out = Buffer.alloc(16);
    const n = await ring.submit(op.getxattr(p('x'), 'user.uring', out));
    expect(out.toString('utf8', 0, n)).to.equal('value');
    const fd = fs.openSync(p('x'), 'r+');
    await ring.submit(op.fsetxattr(fd, 'user.two', Buffer.from('2')));
    const m = await ring.submit(op.fgetxattr(fd, 'user.two', out));
    expect(out.toString('utf8', 0, m)).to.equal('2');
    const missing = await ring.submit(op.getxattr(p('x'), 'user.none', out)).catch((e) => e);
    expect(missing.code).to.equal('ENODATA');
    fs.closeSync(fd);
  });

  it('a sparse fixed-file table: update slots, use them with IOSQE_FIXED_FILE, empty them', async () => {
    fs.writeFileSync(p('ff'), 'fixed file');
    const fd = fs.openSync(p('ff'), 'r');
    const files = ring.files;
    const slot = files.alloc();
    expect(files.update(slot, [fd])).to.equal(1);
    fs.closeSync(fd); // the table holds its own reference
    const buf = Buffer.alloc(32);
    const n = await ring.submit(op.read(slot, buf, 0), { fixedFile: true });
    expect(buf.toString('utf8', 0, n)).to.equal('fixed file');
    files.update(slot, [-1]);
    const err = await ring.submit(op.read(slot, buf, 0), { fixedFile: true }).catch((e) => e);
    expect(err.code).to.equal('EBADF');
    files.free(slot);
    // The kernel's allocator picks from the other half of the table.
    const kslot = await ring.submit(op.openat(p('ff'), O_RDONLY, 0, { fileIndex: 'alloc' }));
    expect(kslot).to.be.at.least(files.size / 2);
    expect(await ring.submit(op.close(kslot, { fixed: true }))).to.equal(0);
  });

  it('hands out every JS-managed slot once, then says the table is full', () => {
    const small = new Ring({ entries: 4, fixedFiles: 8 });
    try {
      const slots = [0, 1, 2, 3].map(() => small.files.alloc());
      expect(slots).to.deep.equal([0, 1, 2, 3]);
      expect(() => small.files.alloc()).to.throw().with.property('code', 'ERR_URING_NO_FILE_SLOTS');
      small.files.free(2);
      expect(small.files.alloc()).to.equal(2);
    } finally {
      small.close();
    }
  });

  it('signals a registered eventfd on completions, and stops after unregister', async () => {
    const efd = eventfd(0, 0x800 /* EFD_NONBLOCK */);
    const counter = Buffer.alloc(8);
    ring.registerEventfd(efd);
    expect(() => fs.readSync(efd, counter)).to.throw().with.property('code', 'EAGAIN');
    await Promise.all([ring.submit(op.nop()), ring.submit(op.nop()), ring.submit(op.nop())]);
    // The kernel signals at least once per batch of completions (it may coalesce them).
    expect(fs.readSync(efd, counter)).to.equal(8);
    expect(counter.readBigUInt64LE(0) >= 1n).to.equal(true);
    ring.unregisterEventfd();
    await ring.submit(op.nop());
    expect(() => fs.readSync(efd, counter)).to.throw().with.property('code', 'EAGAIN');
    fs.closeSync(efd);
  });
});
