// Behaviours pinned down by Node's own test/parallel/test-fs-promises*.js, run against both
// node:fs/promises and @uring/fs/promises: each check must hold for both.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { buffer as consume } from 'node:stream/consumers';
import { Worker } from 'node:worker_threads';
import { execFile } from 'node:child_process';
import node from 'node:fs/promises';
import uring from '@uring/fs/promises';

/** The error `fn()`'s promise rejects with; fails if it resolves or if `fn` throws synchronously (Node's calls reject). */
async function rejection(fn) {
  let pending;
  try {
    pending = fn();
  } catch (err) {
    throw new Error(`threw synchronously instead of rejecting: ${err.message}`);
  }
  try {
    await pending;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but it resolved');
}

const immediate = () => new Promise((resolve) => setImmediate(resolve));

/** An iterable whose one item is `value`. */
const iterableOf = (value) => ({ *[Symbol.iterator]() { yield value; } });
/** A readable stream destroyed with `err` on the next tick (`now`: at once). */
function failingStream(err, now = false) {
  const s = new Readable({ read() {} });
  if (now) s.destroy(err);
  else process.nextTick(() => s.destroy(err));
  return s;
}
/** Values neither writeFile nor FileHandle.writeFile take as data (nor as an iterable's item). */
const notData = [42, 42n, {}, Symbol('42'), true, undefined, null, NaN];

for (const [label, fsp] of [['node:fs/promises', node], ['@uring/fs/promises', uring]]) {
  describe(`Node's fs/promises behaviours, on ${label}`, () => {
    let dir;
    const p = (n) => path.join(dir, n);
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-nodebeh-')); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('FileHandle.readFile reads from the current position', async () => {
      fs.writeFileSync(p('f'), 'Hello, world');
      const h = await fsp.open(p('f'), 'r');
      await h.read(Buffer.alloc(7), 0, 7, null);
      expect(await h.readFile('utf8')).to.equal('world');
      await h.close();
    });

    it('FileHandle.readFile of a large file returns every byte', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'x');
      fs.writeFileSync(p('big'), big);
      const h = await fsp.open(p('big'), 'r');
      expect((await h.readFile()).equals(big)).to.equal(true);
      await h.close();
    });

    it('readFile with an already-aborted signal rejects with AbortError and reads nothing', async () => {
      fs.writeFileSync(p('f'), 'x');
      const err = await fsp.readFile(p('f'), { signal: AbortSignal.abort() }).catch((e) => e);
      expect(err.name).to.equal('AbortError');
    });

    it("emits 'close' once, and the fd becomes -1", async () => {
      const h = await fsp.open(p('c'), 'w');
      let closes = 0;
      h.on('close', () => closes++);
      await h.close();
      await h.close();
      expect(closes).to.equal(1);
      expect(h.fd).to.equal(-1);
    });

    it('write(string, position, encoding) and write(buffer, offset, length, position)', async () => {
      const h = await fsp.open(p('w'), 'w+');
      expect((await h.write('68656c6c6f', 0, 'hex')).bytesWritten).to.equal(5);
      expect((await h.write(Buffer.from('XYZworld'), 3, 5, 5)).bytesWritten).to.equal(5);
      await h.close();
      expect(fs.readFileSync(p('w'), 'utf8')).to.equal('helloworld');
    });

    it('writeFile takes strings, buffers, typed arrays, iterables, async iterables and streams', async () => {
      await fsp.writeFile(p('s'), 'str');
      await fsp.writeFile(p('u'), new Uint8Array([104, 105]));
      await fsp.writeFile(p('i'), ['a', 'b', Buffer.from('c')]);
      await fsp.writeFile(p('ai'), (async function* () { yield 'x'; yield 'y'; })());
      await fsp.writeFile(p('st'), Readable.from(['r', 's']));
      expect(['s', 'u', 'i', 'ai', 'st'].map((n) => fs.readFileSync(p(n), 'utf8'))).to.deep.equal(['str', 'hi', 'abc', 'xy', 'rs']);
    });

    it('writeFile with a FileHandle writes at its position; appendFile appends', async () => {
      const h = await fsp.open(p('fh'), 'w+');
      await fsp.writeFile(h, 'first');
      await fsp.appendFile(h, '+second');
      await h.close();
      expect(fs.readFileSync(p('fh'), 'utf8')).to.equal('first+second');
    });

    it('truncate through a handle, and stat through a handle with bigint', async () => {
      fs.writeFileSync(p('t'), '0123456789');
      const h = await fsp.open(p('t'), 'r+');
      await h.truncate(4);
      const st = await h.stat({ bigint: true });
      expect(st.size).to.equal(4n);
      await h.close();
      expect(fs.readFileSync(p('t'), 'utf8')).to.equal('0123');
    });

    it('readLines yields each line', async () => {
      fs.writeFileSync(p('l'), 'one\ntwo\r\nthree');
      const h = await fsp.open(p('l'), 'r');
      const lines = [];
      for await (const line of h.readLines()) lines.push(line);
      expect(lines).to.deep.equal(['one', 'two', 'three']);
    });

    it('createReadStream with start and end; the handle closes with the stream', async () => {
      fs.writeFileSync(p('r'), 'abcdefghij');
      const h = await fsp.open(p('r'), 'r');
      const parts = [];
      for await (const c of h.createReadStream({ start: 2, end: 5 })) parts.push(c);
      expect(Buffer.concat(parts).toString()).to.equal('cdef');
      await new Promise((r) => setImmediate(r));
      expect(h.fd).to.equal(-1);
    });

    it('createWriteStream writes through the handle', async () => {
      const h = await fsp.open(p('ws'), 'w');
      const ws = h.createWriteStream();
      await new Promise((resolve, reject) => ws.end('streamed', (err) => (err ? reject(err) : resolve())));
      await new Promise((r) => ws.on('close', r));
      expect(fs.readFileSync(p('ws'), 'utf8')).to.equal('streamed');
    });

    it('readableWebStream yields the bytes', async () => {
      fs.writeFileSync(p('web'), 'web stream bytes');
      const h = await fsp.open(p('web'), 'r');
      const parts = [];
      for await (const c of h.readableWebStream()) parts.push(Buffer.from(c));
      expect(Buffer.concat(parts).toString()).to.equal('web stream bytes');
      await h.close();
    });

    it('Symbol.asyncDispose closes the handle', async () => {
      const h = await fsp.open(p('d'), 'w');
      await h[Symbol.asyncDispose]();
      expect(h.fd).to.equal(-1);
    });

    it('a closed handle rejects with EBADF "file closed" and the method as syscall', async () => {
      const h = await fsp.open(p('x'), 'w');
      await h.close();
      for (const [name, fn] of [['read', () => h.read(Buffer.alloc(1))], ['write', () => h.write('x')], ['fstat', () => h.stat()], ['fsync', () => h.sync()]]) {
        const e = await fn().catch((err) => err);
        expect([e.code, e.message, e.syscall]).to.deep.equal(['EBADF', 'file closed', name]);
      }
    });

    it('read() with no arguments reads up to 16 KiB into a new buffer', async () => {
      fs.writeFileSync(p('n'), Buffer.alloc(20000, 1));
      const h = await fsp.open(p('n'), 'r');
      const { bytesRead, buffer } = await h.read();
      expect(bytesRead).to.equal(16384);
      expect(buffer.length).to.equal(16384);
      await h.close();
    });

    it('mkdir recursive returns the first directory created', async () => {
      expect(await fsp.mkdir(p('a/b/c'), { recursive: true })).to.equal(p('a'));
      expect(await fsp.mkdir(p('a/b/c'), { recursive: true })).to.equal(undefined);
    });

    it('every FileHandle method of a closed handle rejects EBADF "file closed", with its syscall', async () => {
      const h = await fsp.open(p('x'), 'w+');
      await h.close();
      const calls = [
        ['read', () => h.read(Buffer.alloc(1))], ['write', () => h.write('x')], ['readv', () => h.readv([Buffer.alloc(1)])],
        ['writev', () => h.writev([Buffer.alloc(1)])], ['fstat', () => h.stat()], ['fsync', () => h.sync()],
        ['fdatasync', () => h.datasync()], ['ftruncate', () => h.truncate()], ['fchmod', () => h.chmod(0o666)],
        ['fchown', () => h.chown(process.getuid(), process.getgid())], ['futimes', () => h.utimes(1, 1)],
        ['readFile', () => h.readFile()], ['writeFile', () => h.writeFile('x')], ['writeFile', () => h.appendFile('x')],
      ];
      for (const [syscall, fn] of calls) {
        const e = await rejection(fn);
        expect([e.code, e.message, e.syscall]).to.deep.equal(['EBADF', 'file closed', syscall]);
      }
    });

    const onUring = label === '@uring/fs/promises';
    const specifier = onUring ? import.meta.resolve('@uring/fs/promises') : 'node:fs/promises';
    const file35 = 'module.exports = "baz fixture 35";\n'; // 35 bytes, as Node's fixtures/baz.js
    /** A handle on a fresh 35-byte file `name`, opened r+. */
    const handleOn = async (name) => {
      fs.writeFileSync(p(name), file35);
      return fsp.open(p(name), 'r+');
    };

    // From test/parallel/test-fs-promises.js
    describe('test-fs-promises.js', () => {
      it('access resolves for a file and rejects ENOENT with Node\'s message for a missing one', async () => {
        fs.writeFileSync(p('f'), 'x');
        expect(await fsp.access(p('f'), 0)).to.equal(undefined);
        const e = await rejection(() => fsp.access(p('missing'), 0));
        expect([e.code, e.name, e.syscall]).to.deep.equal(['ENOENT', 'Error', 'access']);
        expect(e.message).to.match(/^ENOENT: no such file or directory, access/);
      });

      it('access rejects a mode out of range (ERR_OUT_OF_RANGE) or not a number (ERR_INVALID_ARG_TYPE)', async () => {
        fs.writeFileSync(p('f'), 'x');
        expect((await rejection(() => fsp.access(p('f'), 8))).code).to.equal('ERR_OUT_OF_RANGE');
        expect((await rejection(() => fsp.access(p('f'), { [Symbol.toPrimitive]: () => 5 }))).code).to.equal('ERR_INVALID_ARG_TYPE');
      });

      it('FileHandle.stat sees truncate; datasync and sync resolve', async () => {
        const h = await handleOn('baz');
        let st = await h.stat();
        expect([typeof st, typeof st.dev, typeof st.mode, st.size]).to.deep.equal(['object', 'number', 'number', 35]);
        expect(await h.truncate(1)).to.equal(undefined);
        expect((await h.stat()).size).to.equal(1);
        st = await fsp.stat(p('baz'));
        expect([typeof st.dev, typeof st.mode, st.size]).to.deep.equal(['number', 'number', 1]);
        expect(await h.datasync()).to.equal(undefined);
        expect(await h.sync()).to.equal(undefined);
        await h.close();
      });

      it('statfs gives numbers, or bigints with { bigint: true }', async () => {
        fs.writeFileSync(p('f'), 'x');
        const fields = ['type', 'bsize', 'blocks', 'bfree', 'bavail', 'files', 'ffree'];
        const st = await fsp.statfs(p('f'));
        expect(fields.map((k) => typeof st[k])).to.deep.equal(fields.map(() => 'number'));
        const big = await fsp.statfs(p('f'), { bigint: true });
        expect(fields.map((k) => typeof big[k])).to.deep.equal(fields.map(() => 'bigint'));
      });

      it('read of length 0 resolves with bytesRead 0', async () => {
        const h = await fsp.open(p('zero'), 'w+');
        const data = Buffer.from('DAWGS WIN');
        await h.write(data);
        expect((await h.read(Buffer.alloc(data.length), 0, 0, 0)).bytesRead).to.equal(0);
        await h.close();
      });

      it('read(null, ...) reads into a new 16 KiB buffer; read(0, ...) is ERR_INVALID_ARG_TYPE', async () => {
        const h = await handleOn('baz');
        const r = await h.read(null, 0, 0, 0);
        expect([r.buffer.length, r.bytesRead]).to.deep.equal([16384, 35]);
        expect((await rejection(() => h.read(0, 0, 0, 0))).code).to.equal('ERR_INVALID_ARG_TYPE');
        await h.close();
      });

      it('what write(buffer) and write(buffer, 0, length, 0) wrote reads back at 0', async () => {
        const h = await handleOn('baz');
        const a = Buffer.from('hello fsPromises');
        await h.write(a);
        const r = await h.read(Buffer.alloc(a.length), 0, a.length, 0);
        expect(r.bytesRead).to.equal(a.length);
        expect(r.buffer).to.deep.equal(a);
        const b = Buffer.from('hello FileHandle');
        await h.write(b, 0, b.length, 0);
        const r2 = await h.read(Buffer.alloc(b.length), 0, b.length, 0);
        expect([r2.bytesRead, r2.buffer.toString()]).to.deep.equal([b.length, 'hello FileHandle']);
        await h.close();
      });

      it('truncate(path, 5) keeps the first 5 bytes', async () => {
        fs.writeFileSync(p('t'), 'hello FileHandle');
        expect(await fsp.truncate(p('t'), 5)).to.equal(undefined);
        expect((await fsp.readFile(p('t'))).toString()).to.equal('hello');
      });

      it('chmod and FileHandle.chmod; chown and FileHandle.chown to our ids; a gid of -2 is ERR_OUT_OF_RANGE', async () => {
        const h = await handleOn('baz');
        await fsp.chmod(p('baz'), 0o666);
        await h.chmod(0o666);
        await fsp.chmod(p('baz'), 0o10777);
        await h.chmod(0o10777);
        expect(fs.statSync(p('baz')).mode & 0o7777).to.equal(0o777);
        await fsp.chown(p('baz'), process.getuid(), process.getgid());
        await h.chown(process.getuid(), process.getgid());
        for (const fn of [() => fsp.chown(p('baz'), 1, -2), () => h.chown(1, -2)]) {
          const e = await rejection(fn);
          expect([e.code, e.name, e.message]).to.deep.equal(['ERR_OUT_OF_RANGE', 'RangeError', 'The value of "gid" is out of range. It must be >= -1 && <= 4294967295. Received -2']);
        }
        await h.close();
      });

      it('utimes and FileHandle.utimes resolve; lutimes sets atime and mtime', async () => {
        const h = await handleOn('baz');
        expect(await fsp.utimes(p('baz'), new Date(), new Date())).to.equal(undefined);
        expect(await h.utimes(new Date(), new Date())).to.equal(undefined);
        await h.close();
        const atime = new Date(Date.now() - 60_000);
        const mtime = new Date(Date.now() - 3_600_000);
        await fsp.lutimes(p('baz'), atime, mtime);
        const st = await fsp.stat(p('baz'));
        expect([st.atime.toString(), st.mtime.toString()]).to.deep.equal([atime.toString(), mtime.toString()]);
      });

      it('rename, symlink, lchown, lstat, realpath, readlink, unlink; lchmod is ERR_METHOD_NOT_IMPLEMENTED on Linux', async () => {
        fs.writeFileSync(p('baz'), file35);
        await fsp.rename(p('baz'), p('baz2'));
        expect((await fsp.stat(p('baz2'))).size).to.equal(35);
        await fsp.symlink(p('baz2'), p('baz3'));
        await fsp.lchown(p('baz3'), process.getuid(), process.getgid());
        expect((await fsp.lstat(p('baz3'))).isSymbolicLink()).to.equal(true);
        expect(await fsp.realpath(p('baz3'))).to.equal(fs.realpathSync(p('baz2')));
        expect(await fsp.readlink(p('baz3'))).to.equal(p('baz2'));
        const e = await rejection(() => fsp.lchmod(p('baz3'), 0o666));
        expect([e.code, e.name, e.message]).to.deep.equal(['ERR_METHOD_NOT_IMPLEMENTED', 'Error', 'The lchmod() method is not implemented']);
        await fsp.unlink(p('baz3'));
        expect(fs.existsSync(p('baz3'))).to.equal(false);
      });

      it("symlink with type 'dir' makes a symbolic link", async () => {
        await fsp.symlink(dir, p('dirlink'), 'dir');
        expect((await fsp.lstat(p('dirlink'))).isSymbolicLink()).to.equal(true);
        await fsp.unlink(p('dirlink'));
      });

      it('link makes a hard link; unlink removes it', async () => {
        fs.writeFileSync(p('baz2'), file35);
        await fsp.link(p('baz2'), p('baz4'));
        expect([fs.statSync(p('baz2')).nlink, fs.readFileSync(p('baz4'), 'utf8')]).to.deep.equal([2, file35]);
        await fsp.unlink(p('baz4'));
        expect(fs.statSync(p('baz2')).nlink).to.equal(1);
      });

      it('readdir lists a new directory and a new file; rmdir and unlink remove them', async () => {
        await fsp.mkdir(p('dir'));
        await fsp.writeFile(p('foo.js'), 'DAWGS WIN!', 'utf8');
        expect((await fsp.stat(p('dir'))).isDirectory()).to.equal(true);
        expect((await fsp.readdir(dir)).sort()).to.deep.equal(['dir', 'foo.js']);
        await fsp.rmdir(p('dir'));
        await fsp.unlink(p('foo.js'));
        expect(await fsp.readdir(dir)).to.deep.equal([]);
      });

      it('writeFile with { encoding: null } writes the string as utf8', async () => {
        await fsp.writeFile(p('dogs'), 'dogs running ü', { encoding: null });
        expect(fs.readFileSync(p('dogs'), 'utf8')).to.equal('dogs running ü');
      });

      it('mkdir takes a mode as a number or a string', async () => {
        await fsp.mkdir(p('n'), 777);
        await fsp.mkdir(p('s'), '777');
        expect([(await fsp.stat(p('n'))).isDirectory(), (await fsp.stat(p('s'))).isDirectory()]).to.deep.equal([true, true]);
      });

      it('mkdir recursive makes nested directories, through ./ and ../', async () => {
        await fsp.mkdir(p('a/b'), { recursive: true });
        await fsp.mkdir(path.resolve(dir, 'c/./d'), { recursive: true });
        await fsp.mkdir(path.resolve(dir, 'e/../f'), { recursive: true });
        for (const d of ['a/b', 'c/d', 'f']) expect((await fsp.stat(p(d))).isDirectory(), d).to.equal(true);
      });

      it('mkdir recursive onto a file is EEXIST, through a file ENOTDIR (syscall mkdir)', async () => {
        fs.mkdirSync(p('a'));
        fs.writeFileSync(p('a/file'), '');
        const exists = await rejection(() => fsp.mkdir(p('a/file'), { recursive: true }));
        expect([exists.code, exists.name, exists.syscall]).to.deep.equal(['EEXIST', 'Error', 'mkdir']);
        expect(exists.message).to.match(/EEXIST: .*mkdir/);
        const notDir = await rejection(() => fsp.mkdir(p('a/file/b/c'), { recursive: true }));
        expect([notDir.code, notDir.name, notDir.syscall]).to.deep.equal(['ENOTDIR', 'Error', 'mkdir']);
        expect(notDir.message).to.match(/ENOTDIR: .*mkdir/);
      });

      it('mkdir rejects a recursive option that is not a boolean with ERR_INVALID_ARG_TYPE', async () => {
        for (const recursive of ['', 1, {}, [], null, Symbol('test'), () => {}]) {
          const e = await rejection(() => fsp.mkdir(p('x/y'), { recursive }));
          expect([e.code, e.name], String(recursive?.toString?.() ?? recursive)).to.deep.equal(['ERR_INVALID_ARG_TYPE', 'TypeError']);
        }
        expect(fs.existsSync(p('x'))).to.equal(false);
      });

      it('mkdtemp makes a directory from a prefix; a number prefix is ERR_INVALID_ARG_TYPE', async () => {
        const made = await fsp.mkdtemp(path.resolve(dir, 'FOO'));
        expect(path.basename(made)).to.match(/^FOO.{6}$/);
        expect(fs.statSync(made).isDirectory()).to.equal(true);
        const e = await rejection(() => fsp.mkdtemp(1));
        expect([e.code, e.name]).to.deep.equal(['ERR_INVALID_ARG_TYPE', 'TypeError']);
      });

      it("write(string, 0, 'hex') of an odd-length string is ERR_INVALID_ARG_VALUE; an even one writes", async () => {
        const h = await handleOn('baz');
        const e = await rejection(() => h.write('abc', 0, 'hex'));
        expect(e.code).to.equal('ERR_INVALID_ARG_VALUE');
        expect(e.message).to.match(/'encoding' is invalid for data of length 3/);
        expect((await h.write('abcd', 0, 'hex')).bytesWritten).to.equal(2);
        expect(fs.readFileSync(p('baz')).subarray(0, 2)).to.deep.equal(Buffer.from([0xab, 0xcd]));
        await h.close();
      });

      it('a FileHandle method called on another object rejects ERR_INTERNAL_ASSERTION', async () => {
        const h = await handleOn('baz');
        const e = await rejection(() => h.stat.call({}));
        expect(e.code).to.equal('ERR_INTERNAL_ASSERTION');
        expect(e.message).to.match(/handle must be an instance of FileHandle/);
        await h.close();
      });
    });

    // From test/parallel/test-fs-promises-exists.js
    describe('test-fs-promises-exists.js', () => {
      it('constants is fs.constants, and every export of node:fs/promises is there', () => {
        expect(fsp.constants).to.equal(fs.constants);
        for (const name of Object.keys(node)) expect(typeof fsp[name], name).to.equal(typeof node[name]);
      });
    });

    // test/parallel/test-fs-promises-file-handle-{aggregate-errors,close-errors,op-errors}.js patch Node's internal
    // FileHandle.prototype (--expose-internals) to make an operation and close fail: nothing to check from outside.

    // From test/parallel/test-fs-promises-file-handle-append-file.js
    describe('test-fs-promises-file-handle-append-file.js', () => {
      it("FileHandle.appendFile on an 'a' handle appends a buffer, and a string as utf8", async () => {
        const bytes = Buffer.from('a&Dp'.repeat(100), 'utf8');
        const hb = await fsp.open(p('buf'), 'a');
        await hb.appendFile(bytes);
        expect(fs.readFileSync(p('buf'))).to.deep.equal(bytes);
        const hs = await fsp.open(p('str'), 'a');
        await hs.appendFile('x~yz'.repeat(100));
        await hs.appendFile('ü');
        expect(fs.readFileSync(p('str'), 'utf8')).to.equal(`${'x~yz'.repeat(100)}ü`);
        await hb.close();
        await hs.close();
      });
    });

    // From test/parallel/test-fs-promises-file-handle-chmod.js
    describe('test-fs-promises-file-handle-chmod.js', () => {
      it('FileHandle.chmod(0o765) on a file created 0o444', async () => {
        const h = await fsp.open(p('m'), 'w+', 0o444);
        expect(fs.statSync(p('m')).mode & 0o444).to.equal(0o444);
        await h.chmod(0o765);
        expect(fs.statSync(p('m')).mode & 0o777).to.equal(0o765);
        await h.close();
      });
    });

    // From test/parallel/test-fs-promises-file-handle-close.js
    describe('test-fs-promises-file-handle-close.js', () => {
      // Node 20-24 warn (DEP0137); Node 26 throws ERR_INVALID_STATE as an uncaught exception. Each is checked against
      // what node:fs/promises does on the Node that runs the test.
      const leaveToGc = async (spec, file) => {
        const code = `
          const fsp = (await import(${JSON.stringify(spec)})).default;
          const warnings = [];
          const errors = [];
          process.on('warning', (w) => warnings.push([w.name, w.code ?? null, w.message]));
          process.on('uncaughtException', (e) => errors.push([e.name, e.code ?? null, e.message]));
          let fd;
          await (async () => { fd = (await fsp.open(${JSON.stringify(file)})).fd; })(); // the handle is garbage from here
          await new Promise((resolve) => setTimeout(resolve, 10));
          globalThis.gc();
          await new Promise((resolve) => setTimeout(resolve, 50));
          let open = true;
          try { (await import('node:fs')).fstatSync(fd); } catch { open = false; }
          console.log(JSON.stringify({ fd, open, warnings, errors }));`;
        const out = await new Promise((resolve, reject) => {
          execFile(process.execPath, ['--expose-gc', '--no-warnings', '--input-type=module', '-e', code], (err, stdout) => (err ? reject(err) : resolve(stdout)));
        });
        const { fd, ...rest } = JSON.parse(out);
        // (Node 26 names the path it opened; a handle over an fd opened on the ring has none to name: '<unknown path>'.)
        return JSON.parse(JSON.stringify(rest).replace(new RegExp(`descriptor(:?) ${fd}\\b( \\([^)]*\\))?`, 'g'), 'descriptor$1 <fd>'));
      };
      it("a FileHandle left to the garbage collector is closed, with the running Node's warning or error", async () => {
        fs.writeFileSync(p('gc'), 'x');
        const got = await leaveToGc(specifier, p('gc'));
        expect(got.open).to.equal(false);
        expect(got.warnings.length + got.errors.length).to.be.greaterThan(0);
        expect(got).to.deep.equal(await leaveToGc('node:fs/promises', p('gc')));
      });
    });

    // From test/parallel/test-fs-promises-file-handle-dispose.js
    describe('test-fs-promises-file-handle-dispose.js', () => {
      it("Symbol.asyncDispose emits 'close'", async () => {
        fs.writeFileSync(p('d'), 'x');
        const h = await fsp.open(p('d'));
        let closes = 0;
        h.on('close', () => closes++);
        await h[Symbol.asyncDispose]();
        expect(closes).to.equal(1);
      });
    });

    // From test/parallel/test-fs-promises-file-handle-read-worker.js
    describe('test-fs-promises-file-handle-read-worker.js', () => {
      const inWorker = (handle, code) =>
        new Promise((resolve, reject) => {
          const w = new Worker(code, { eval: true, workerData: { handle }, transferList: [handle] });
          w.once('message', resolve);
          w.once('error', reject);
        });

      it('a FileHandle can be transferred to a worker, which reads it', async () => {
        fs.writeFileSync(p('w'), 'hello world');
        const h = await fsp.open(p('w'), 'r');
        let closes = 0;
        h.on('close', () => closes++);
        const got = await inWorker(h, `
          const { workerData, parentPort } = require('node:worker_threads');
          const { handle } = workerData;
          handle.readFile('utf8').then(async (s) => { await handle.close(); parentPort.postMessage(s); });`);
        expect([got, closes]).to.deep.equal(['hello world', 0]);
      });

      it('a FileHandle a stream uses cannot be transferred (DataCloneError, code 25)', async () => {
        fs.writeFileSync(p('w'), 'hello world');
        const h = await fsp.open(p('w'), 'r');
        h.createReadStream({ autoClose: false });
        let err;
        try {
          new Worker('', { eval: true, workerData: { h }, transferList: [h] });
        } catch (e) {
          err = e;
        }
        expect(err?.code).to.equal(25);
        await h.close();
      });
    });

    // From test/parallel/test-fs-promises-file-handle-read.js
    describe('test-fs-promises-file-handle-read.js', () => {
      const read = (h, useConf, buffer, offset, length, position) =>
        useConf ? h.read({ buffer, offset, length, position }) : h.read(buffer, offset, length, position);

      for (const useConf of [false, true]) {
        const form = useConf ? '({ buffer, offset, length, position })' : '(buffer, offset, length, position)';

        it(`read${form} of a file and of an empty one; close emits 'close'`, async () => {
          for (const data of ['Hello world', '']) {
            fs.writeFileSync(p('r'), data);
            const h = await fsp.open(p('r'), 'r+');
            let closes = 0;
            h.on('close', () => closes++);
            const r = await read(h, useConf, Buffer.alloc(11), 0, 11, 0);
            expect(r.bytesRead).to.equal(data.length);
            if (data.length) expect(r.buffer).to.deep.equal(Buffer.from(data));
            await h.close();
            expect(closes).to.equal(1);
          }
        });

        it(`read${form} at a position past 2^32 of a 3-byte file reads nothing`, async () => {
          fs.writeFileSync(p('x'), 'xyz');
          const h = await fsp.open(p('x'), 'r');
          expect((await read(h, useConf, Buffer.alloc(1), 0, 1, 0xffffffff + 1)).bytesRead).to.equal(0);
          await h.close();
        });
      }

      it('read({ ..., position: 0 }) reads at 0 again after the position moved', async () => {
        fs.writeFileSync(p('x'), 'xyz');
        const h = await fsp.open(p('x'), 'r');
        const got = [];
        for (let i = 0; i < 6; i++) {
          const buffer = Buffer.alloc(1);
          const { bytesRead } = await h.read({ buffer, offset: 0, length: 1, position: i % 3 });
          got.push(`${bytesRead}${buffer}`);
        }
        expect(got).to.deep.equal(['1x', '1y', '1z', '1x', '1y', '1z']);
        await h.close();
      });

      it('read({ length }) of 0 and of 1 byte', async () => {
        fs.writeFileSync(p('x'), 'xyz');
        const h = await fsp.open(p('x'), 'r');
        for (const length of [0, 1]) expect((await h.read({ buffer: Buffer.alloc(4), offset: 0, length, position: 0 })).bytesRead).to.equal(length);
        await h.close();
      });

      it('read(buffer), and an undefined or null length, fill the buffer (0 and 1 bytes)', async () => {
        fs.writeFileSync(p('x'), 'xyz');
        const h = await fsp.open(p('x'), 'r');
        for (const size of [0, 1]) {
          const buffer = Buffer.alloc(size);
          const results = [
            await h.read(buffer),
            await h.read(buffer, 0, undefined, 0),
            await h.read(buffer, 0, null, 0),
            await h.read({ buffer, offset: 0, length: undefined, position: 0 }),
            await h.read({ buffer, offset: 0, length: null, position: 0 }),
          ];
          expect(results.map((r) => r.bytesRead), `size ${size}`).to.deep.equal([size, size, size, size, size]);
        }
        await h.close();
      });

      it('fs.createReadStream(null, { fd: handle }) reads the handle', async () => {
        fs.writeFileSync(p('s'), 'Hello world');
        const h = await fsp.open(p('s'), 'r');
        expect((await consume(fs.createReadStream(null, { fd: h }))).toString()).to.equal('Hello world');
        await h.close();
      });
    });

    // From test/parallel/test-fs-promises-file-handle-readFile.js
    describe('test-fs-promises-file-handle-readFile.js', () => {
      it('FileHandle.readFile returns what another fd wrote', async () => {
        const h = await fsp.open(p('rf'), 'w+');
        const data = Buffer.from('Hello world'.repeat(100), 'utf8');
        const fd = fs.openSync(p('rf'), 'w+');
        fs.writeSync(fd, data, 0, data.length);
        fs.closeSync(fd);
        expect(await h.readFile()).to.deep.equal(data);
        await h.close();
      });

      it('FileHandle.readFile of a /proc file (whose size reads 0)', async () => {
        const h = await fsp.open('/proc/sys/kernel/hostname', 'r');
        const hostname = await h.readFile();
        expect(hostname.length).to.be.greaterThan(0);
        expect(hostname).to.deep.equal(fs.readFileSync('/proc/sys/kernel/hostname'));
        await h.close();
      });

      it('readFile(handle, { signal }) with an aborted signal rejects AbortError and leaves the options alone', async () => {
        const h = await fsp.open(p('dogs'), 'w+');
        fs.writeFileSync(p('dogs'), Buffer.from('Dogs running'.repeat(10000), 'utf8'));
        const options = Object.freeze({ signal: AbortSignal.abort() });
        expect((await rejection(() => fsp.readFile(h, options))).name).to.equal('AbortError');
        await h.close();
      });

      it('readFile(handle, { signal }) aborted on the next tick rejects AbortError', async () => {
        const h = await fsp.open(p('dogs'), 'w+');
        fs.writeFileSync(p('dogs'), Buffer.from('Dogs running'.repeat(10000), 'utf8'));
        const controller = new AbortController();
        process.nextTick(() => controller.abort());
        expect((await rejection(() => fsp.readFile(h, Object.freeze({ signal: controller.signal })))).name).to.equal('AbortError');
        await h.close();
      });

      it('FileHandle.readFile({ signal, encoding }) aborted in the next turn of the loop rejects AbortError', async () => {
        fs.writeFileSync(p('dogs'), Buffer.from('Dogs running'.repeat(1000), 'utf8'));
        const h = await fsp.open(p('dogs'), 'r');
        const controller = new AbortController();
        setImmediate(() => controller.abort());
        expect((await rejection(() => h.readFile(Object.freeze({ signal: controller.signal, encoding: 'utf8' })))).name).to.equal('AbortError');
        await h.close();
      });

      it('a file over 2 GiB (5 GiB, sparse): FileHandle.readFile and readFile reject ERR_FS_FILE_TOO_LARGE', async () => {
        await fsp.writeFile(p('huge'), Buffer.from('0'));
        await fsp.truncate(p('huge'), 5 * 1024 ** 3);
        const h = await fsp.open(p('huge'), 'r');
        for (const fn of [() => h.readFile(), () => fsp.readFile(p('huge')), () => fsp.readFile(p('huge'), { signal: new AbortController().signal })]) {
          const e = await rejection(fn);
          expect([e.code, e.name, e.message]).to.deep.equal(['ERR_FS_FILE_TOO_LARGE', 'RangeError', 'File size (5368709120) is greater than 2 GiB']);
        }
        await h.close();
      });
    });

    // From test/parallel/test-fs-promises-file-handle-readLines.mjs
    describe('test-fs-promises-file-handle-readLines.mjs', () => {
      it('readLines keeps an empty line and drops the trailing newline', async () => {
        await fsp.writeFile(p('lines'), '1\n\n2\n');
        const h = await fsp.open(p('lines'));
        const lines = [];
        for await (const line of h.readLines()) lines.push(line);
        expect(lines).to.deep.equal(['1', '', '2']);
        await h.close();
      });
    });

    // From test/parallel/test-fs-promises-file-handle-stat.js
    describe('test-fs-promises-file-handle-stat.js', () => {
      it('FileHandle.stat of a new file: mtime is a Date', async () => {
        const h = await fsp.open(p('new'), 'w+');
        const st = await h.stat();
        expect(st.mtime).to.be.instanceOf(Date);
        expect([st.isFile(), st.size]).to.deep.equal([true, 0]);
        await h.close();
      });
    });

    // From test/parallel/test-fs-promises-file-handle-stream.js
    describe('test-fs-promises-file-handle-stream.js', () => {
      const text = Buffer.from('Hello world'.repeat(100), 'utf8');

      it('createWriteStream().end(buffer) writes it', async () => {
        const h = await fsp.open(p('w'), 'w');
        const stream = h.createWriteStream();
        stream.end(text);
        await finished(stream);
        expect(fs.readFileSync(p('w'))).to.deep.equal(text);
      });

      it('createReadStream() read whole gives the bytes', async () => {
        fs.writeFileSync(p('r'), text);
        const h = await fsp.open(p('r'));
        expect(await consume(h.createReadStream())).to.deep.equal(text);
      });

      it("createReadStream({ start, end, autoClose: false }) leaves the handle open", async () => {
        fs.writeFileSync(p('r'), 'Hello');
        const h = await fsp.open(p('r'));
        let got = '';
        for (let i = 0; i < 5; i++) {
          got += await consume(h.createReadStream({ start: i, end: i, autoClose: false }));
        }
        expect([got, h.fd > 0]).to.deep.equal(['Hello', true]);
        await h.close();
      });

      // (createWriteStream({ start, autoClose: false }) written one byte at a time: on Node 20 such a stream never finishes.)

      it("a read stream closes its handle at the end ('close')", async () => {
        fs.writeFileSync(p('r'), 'Hello world');
        const h = await fsp.open(p('r'));
        const closed = new Promise((resolve) => h.once('close', resolve));
        expect((await consume(h.createReadStream())).toString()).to.equal('Hello world');
        await closed;
        expect(h.fd).to.equal(-1);
      });

      it("a write stream closes its handle at the end ('close')", async () => {
        const h = await fsp.open(p('w'), 'w');
        const closed = new Promise((resolve) => h.once('close', resolve));
        const stream = h.createWriteStream();
        stream.end(Buffer.from('Hello world'));
        await finished(stream);
        await closed;
        expect(h.fd).to.equal(-1);
        expect(fs.readFileSync(p('w'), 'utf8')).to.equal('Hello world');
      });
    });

    // From test/parallel/test-fs-promises-file-handle-sync.js
    describe('test-fs-promises-file-handle-sync.js', () => {
      it("copyFile and access reject a string mode 'r' with ERR_INVALID_ARG_TYPE", async () => {
        fs.writeFileSync(p('baz'), file35);
        const c = await rejection(() => fsp.copyFile(p('baz'), p('dest'), 'r'));
        expect(c.code).to.equal('ERR_INVALID_ARG_TYPE');
        expect(c.message).to.match(/mode/);
        expect(fs.existsSync(p('dest'))).to.equal(false);
        await fsp.copyFile(p('baz'), p('dest'));
        const a = await rejection(() => fsp.access(p('dest'), 'r'));
        expect(a.code).to.equal('ERR_INVALID_ARG_TYPE');
        expect(a.message).to.match(/mode/);
        expect(await fsp.access(p('dest'))).to.equal(undefined);
      });

      it('datasync and sync, then write and read it back', async () => {
        const h = await handleOn('baz');
        await h.datasync();
        await h.sync();
        const buf = Buffer.from('hello world');
        await h.write(buf);
        const r = await h.read(Buffer.alloc(11), 0, 11, 0);
        expect([r.bytesRead, r.buffer.toString()]).to.deep.equal([11, 'hello world']);
        await h.close();
      });
    });

    // From test/parallel/test-fs-promises-file-handle-truncate.js
    describe('test-fs-promises-file-handle-truncate.js', () => {
      it('FileHandle.truncate(5) after write(buffer, 0, length)', async () => {
        const h = await fsp.open(p('t'), 'w+');
        const buf = Buffer.from('Hello world', 'utf8');
        await h.write(buf, 0, buf.length);
        expect((await fsp.readFile(p('t'))).toString()).to.equal('Hello world');
        await h.truncate(5);
        expect((await fsp.readFile(p('t'))).toString()).to.equal('Hello');
        await h.close();
      });
    });

    // From test/parallel/test-fs-promises-file-handle-write.js
    describe('test-fs-promises-file-handle-write.js', () => {
      it('write(buffer, 0, length) writes it; an empty buffer writes nothing', async () => {
        const buf = Buffer.from('Hello world'.repeat(100), 'utf8');
        const h = await fsp.open(p('w'), 'w+');
        expect((await h.write(buf, 0, buf.length)).bytesWritten).to.equal(buf.length);
        expect(fs.readFileSync(p('w'))).to.deep.equal(buf);
        const e = await fsp.open(p('e'), 'w+');
        expect((await e.write(Buffer.from(''), 0, 0)).bytesWritten).to.equal(0);
        expect(fs.readFileSync(p('e')).length).to.equal(0);
        await h.close();
        await e.close();
      });

      it('write(string, 0, number) writes the whole string (a number is no encoding)', async () => {
        const s = Buffer.from('Hello world', 'utf8').toString('base64');
        const h = await fsp.open(p('w'), 'w+');
        const r = await h.write(s, 0, s.length);
        expect([r.bytesWritten, r.buffer]).to.deep.equal([s.length, s]);
        expect(fs.readFileSync(p('w'), 'utf8')).to.equal(s);
        await h.close();
      });
    });

    // From test/parallel/test-fs-promises-file-handle-writeFile.js (and test-fs-promises-writefile-with-fd.js)
    describe('test-fs-promises-file-handle-writeFile.js', () => {
      const big = () => Buffer.from('dogs running'.repeat(512 * 1024), 'utf8');

      it('FileHandle.writeFile of a buffer and of a string', async () => {
        const buf = Buffer.from('Hello world'.repeat(100), 'utf8');
        const hb = await fsp.open(p('b'), 'w+');
        await hb.writeFile(buf);
        expect(fs.readFileSync(p('b'))).to.deep.equal(buf);
        const hs = await fsp.open(p('s'), 'w+');
        await hs.writeFile('x~yz'.repeat(100));
        expect(fs.readFileSync(p('s'), 'utf8')).to.equal('x~yz'.repeat(100));
        await hb.close();
        await hs.close();
      });

      it('FileHandle.writeFile of a 6 MiB buffer, aborted on the next tick, rejects AbortError', async () => {
        const h = await fsp.open(p('dogs'), 'w+');
        const controller = new AbortController();
        process.nextTick(() => controller.abort());
        expect((await rejection(() => h.writeFile(big(), { signal: controller.signal }))).name).to.equal('AbortError');
        await h.close();
      });

      it('FileHandle.writeFile of a stream, an iterable, a buffer iterable, an async iterable, a large iterable', async () => {
        const cases = [
          [Readable.from(['a', 'b', 'c']), 'abc'],
          [{ *[Symbol.iterator]() { yield 'a'; yield 'b'; yield 'c'; } }, 'abc'],
          [{ *[Symbol.iterator]() { yield Buffer.from('a'); yield Buffer.from('b'); yield Buffer.from('c'); } }, 'abc'],
          [{ async *[Symbol.asyncIterator]() { yield 'a'; yield 'b'; yield 'c'; } }, 'abc'],
          [iterableOf(big()), 'dogs running'.repeat(512 * 1024)],
        ];
        for (const [data, expected] of cases) {
          const h = await fsp.open(p('it'), 'w+');
          await h.writeFile(data);
          await h.close();
          expect(fs.readFileSync(p('it'), 'utf8') === expected, expected.slice(0, 20)).to.equal(true);
        }
      });

      it("FileHandle.writeFile(stream, 'latin1') encodes the stream's strings as latin1", async () => {
        const h = await fsp.open(p('l'), 'w+');
        await h.writeFile(Readable.from(['ümlaut', ' ', 'sechzig']), 'latin1');
        await h.close();
        expect(fs.readFileSync(p('l'), 'latin1')).to.equal('ümlaut sechzig');
      });

      it('FileHandle.writeFile of a stream that errors (soon, or already) rejects with its error', async () => {
        for (const now of [false, true]) {
          const h = await fsp.open(p('err'), 'w+');
          const error = new Error(`stream error ${now}`);
          const stream = failingStream(error, now);
          expect((await rejection(() => h.writeFile(stream))).message).to.equal(error.message);
          await h.close();
        }
      });

      it('FileHandle.writeFile of a stream, aborted on the next tick, rejects AbortError', async () => {
        const h = await fsp.open(p('other'), 'w+');
        const controller = new AbortController();
        process.nextTick(() => controller.abort());
        expect((await rejection(() => h.writeFile(Readable.from(['a', 'b', 'c']), { signal: controller.signal }))).name).to.equal('AbortError');
        await h.close();
      });

      it('FileHandle.writeFile rejects what is not data, or an iterable of it, with ERR_INVALID_ARG_TYPE', async () => {
        const h = await fsp.open(p('bad'), 'w+');
        for (const value of notData) {
          expect((await rejection(() => h.writeFile(value))).code, String(value)).to.equal('ERR_INVALID_ARG_TYPE');
          expect((await rejection(() => h.writeFile(iterableOf(value)))).code, `[${String(value)}]`).to.equal('ERR_INVALID_ARG_TYPE');
        }
        await h.close();
        expect(fs.readFileSync(p('bad')).length).to.equal(0);
      });

      it('FileHandle.writeFile of a Uint8Array, Uint16Array and Uint32Array writes their bytes', async () => {
        const buf = Buffer.from('012'.repeat(2 ** 14));
        for (const Ctor of [Uint8Array, Uint16Array, Uint32Array]) {
          const h = await fsp.open(p('ta'), 'w+');
          await h.writeFile(new Ctor(buf.buffer, buf.byteOffset, buf.byteLength / Ctor.BYTES_PER_ELEMENT));
          await h.close();
          expect(fs.readFileSync(p('ta')).equals(buf), Ctor.name).to.equal(true);
        }
      });

      it('FileHandle.writeFile writes from the current position', async () => {
        const h = await fsp.open(p('pos'), 'w+');
        expect((await h.write(Buffer.from('Hello'), 0, 5, null)).bytesWritten).to.equal(5);
        await h.writeFile('World');
        expect(fs.readFileSync(p('pos'), 'utf8')).to.equal('HelloWorld');
        await h.close();
      });
    });

    // From test/parallel/test-fs-promises-readfile-empty.js
    describe('test-fs-promises-readfile-empty.js', () => {
      it("readFile of an empty file: an empty Buffer, or '' with an encoding", async () => {
        fs.writeFileSync(p('empty'), '');
        const data = await fsp.readFile(p('empty'));
        expect([Buffer.isBuffer(data), data.length]).to.deep.equal([true, 0]);
        expect(await fsp.readFile(p('empty'), 'utf8')).to.equal('');
        expect(await fsp.readFile(p('empty'), { encoding: 'utf8' })).to.equal('');
      });
    });

    // From test/parallel/test-fs-promises-readfile-with-fd.js
    describe('test-fs-promises-readfile-with-fd.js', () => {
      it('readFile(handle) reads from the current position', async () => {
        fs.writeFileSync(p('f'), 'Hello World');
        const h = await fsp.open(p('f'), 'r');
        const buf = Buffer.alloc(5);
        expect((await h.read(buf, 0, 5, null)).bytesRead).to.equal(5);
        expect(buf.toString()).to.equal('Hello');
        expect((await fsp.readFile(h)).toString()).to.equal(' World');
        await h.close();
      });
    });

    // From test/parallel/test-fs-promises-readfile.js
    describe('test-fs-promises-readfile.js', () => {
      it('readFile of a 1 MiB + 19 file written by writeFile returns every byte', async () => {
        const data = Buffer.from(Array.from({ length: 1024 ** 2 + 19 }, (_, i) => i));
        await fsp.writeFile(p('large'), data);
        expect((await fsp.readFile(p('large'))).equals(data)).to.equal(true);
      });

      it('readFile of a /proc file (whose size reads 0)', async () => {
        const hostname = await fsp.readFile('/proc/sys/kernel/hostname');
        expect(hostname.length).to.be.greaterThan(0);
        expect(hostname).to.deep.equal(fs.readFileSync('/proc/sys/kernel/hostname'));
      });

      it('readFile with a signal aborted before, or on the next tick, rejects AbortError', async () => {
        fs.writeFileSync(p('f'), Buffer.alloc(100_000, 1));
        const before = new AbortController();
        before.abort();
        expect((await rejection(() => fsp.readFile(p('f'), { signal: before.signal }))).name).to.equal('AbortError');
        const during = new AbortController();
        process.nextTick(() => during.abort());
        expect((await rejection(() => fsp.readFile(p('f'), { signal: during.signal }))).name).to.equal('AbortError');
      });

      it("readFile with signal: 'hello' is ERR_INVALID_ARG_TYPE", async () => {
        fs.writeFileSync(p('f'), 'x');
        const e = await rejection(() => fsp.readFile(p('f'), { signal: 'hello' }));
        expect([e.code, e.name]).to.deep.equal(['ERR_INVALID_ARG_TYPE', 'TypeError']);
      });
    });

    // From test/parallel/test-fs-promises-watch.js
    describe('test-fs-promises-watch.js', () => {
      for (const onFile of [false, true]) {
        it(`watch on a ${onFile ? 'file' : 'directory'} yields the changed file's name; iterating again after a break yields nothing`, async () => {
          const name = onFile ? 'bar' : 'foo';
          const file = p(`watched/${name}`);
          fs.mkdirSync(p('watched'));
          fs.writeFileSync(file, 'a'.repeat(1e4));
          const watcher = fsp.watch(onFile ? file : p('watched'));
          const timer = setInterval(() => {
            fs.writeFileSync(file, '');
            fs.writeFileSync(file, 'B'.repeat(1e4));
          }, 20);
          try {
            for await (const { eventType, filename } of watcher) {
              expect(['rename', 'change']).to.include(eventType);
              expect(filename).to.equal(name);
              break;
            }
          } finally {
            clearInterval(timer);
          }
          for await (const event of watcher) expect.fail(`should not run: ${JSON.stringify(event)}`);
        });
      }

      it('watch validates its arguments', async () => {
        const drain = async (it) => { for await (const _ of it); };
        fs.writeFileSync(p('f'), 'x');
        const cases = [
          [() => fsp.watch(1), 'ERR_INVALID_ARG_TYPE'],
          [() => fsp.watch(p('f'), 1), 'ERR_INVALID_ARG_TYPE'],
          [() => fsp.watch('', { persistent: 1 }), 'ERR_INVALID_ARG_TYPE'],
          [() => fsp.watch('', { recursive: 1 }), 'ERR_INVALID_ARG_TYPE'],
          [() => fsp.watch('', { encoding: 1 }), 'ERR_INVALID_ARG_VALUE'],
          [() => fsp.watch('', { signal: 1 }), 'ERR_INVALID_ARG_TYPE'],
        ];
        for (const [make, code] of cases) expect((await rejection(() => drain(make()))).code).to.equal(code);
      });

      it('watch ends with AbortError when its signal aborts', async () => {
        fs.writeFileSync(p('f'), 'x');
        const controller = new AbortController();
        setImmediate(() => controller.abort());
        const e = await rejection(async () => { for await (const _ of fsp.watch(p('f'), { signal: controller.signal })); });
        expect(e.name).to.equal('AbortError');
      });
    });

    // From test/parallel/test-fs-promises-write-optional-params.js
    describe('test-fs-promises-write-optional-params.js', () => {
      const zyx = () => Buffer.from('zyx');

      it('write(notData, {}) and write() reject ERR_INVALID_ARG_TYPE', async () => {
        const h = await fsp.open(p('w'), 'w+');
        const bad = [
          undefined, null, true, 42, 42n, Symbol('42'), NaN, [], () => {}, {}, Promise.resolve(new Uint8Array(1)),
          { buffer: 'amNotParam' }, { string: 'amNotParam' }, { buffer: new Uint8Array(1).buffer }, new Date(),
          new String('notPrimitive'), { toString() { return 'amObject'; } }, { [Symbol.toPrimitive]: () => 'amObject' },
        ];
        for (const value of bad) expect((await rejection(() => h.write(value, Object.freeze({})))).code, String(typeof value)).to.equal('ERR_INVALID_ARG_TYPE');
        expect((await rejection(() => h.write())).code).to.equal('ERR_INVALID_ARG_TYPE');
        await h.close();
        expect(fs.readFileSync(p('w')).length).to.equal(0);
      });

      it('write(buffer, options) with offset or length out of range, or a boolean offset, rejects', async () => {
        const h = await fsp.open(p('w'), 'w+');
        const cases = [
          [{ length: 5 }, 'ERR_OUT_OF_RANGE'],
          [{ offset: 5 }, 'ERR_OUT_OF_RANGE'],
          [{ length: 1, offset: 3 }, 'ERR_OUT_OF_RANGE'],
          [{ length: -1 }, 'ERR_OUT_OF_RANGE'],
          [{ offset: -1 }, 'ERR_OUT_OF_RANGE'],
          [{ offset: false }, 'ERR_INVALID_ARG_TYPE'],
          [{ offset: true }, 'ERR_INVALID_ARG_TYPE'],
        ];
        for (const [options, code] of cases) expect((await rejection(() => h.write(zyx(), Object.freeze(options)))).code, JSON.stringify(options)).to.equal(code);
        await h.close();
      });

      it('write(buffer, options) and read(buffer, options) agree, with the results node:fs/promises gives', async () => {
        const all = [undefined, null, {}, { length: 1 }, { position: 5 }, { length: 1, position: 5 }, { length: 1, position: -1, offset: 2 }, { length: null }, { position: null }, { offset: 1 }];
        const writeThenRead = async (api, file, options) => {
          const h = await api.open(file, 'w+');
          try {
            const buffer = zyx();
            const w = await h.write(buffer, options && Object.freeze({ ...options }));
            const written = Uint8Array.prototype.slice.call(w.buffer);
            const r = await h.read(buffer, options && Object.freeze({ ...options }));
            const read = Uint8Array.prototype.slice.call(r.buffer);
            return { w, r, written, read, content: fs.readFileSync(file).toString('latin1') };
          } finally {
            await h.close();
          }
        };
        for (const options of all) {
          const label = JSON.stringify(options);
          const { w, r, written, read, content } = await writeThenRead(fsp, p('rw'), options);
          expect(w.bytesWritten >= r.bytesRead, label).to.equal(true);
          if (options?.length != null) expect(w.bytesWritten, label).to.equal(options.length);
          if (!options?.offset) expect(read, label).to.deep.equal(written);
          expect(w.buffer === r.buffer, label).to.equal(true);
          const ref = await writeThenRead(node, p('ref'), options);
          expect([w.bytesWritten, r.bytesRead, content, [...read]], label).to.deep.equal([ref.w.bytesWritten, ref.r.bytesRead, ref.content, [...ref.read]]);
        }
      });
    });

    // From test/parallel/test-fs-promises-writefile-typedarray.js
    describe('test-fs-promises-writefile-typedarray.js', () => {
      it('writeFile of a Uint8Array, Uint16Array and Uint32Array over 16 KiB writes their bytes', async () => {
        const buf = Buffer.from('012'.repeat(2 ** 14));
        for (const Ctor of [Uint8Array, Uint16Array, Uint32Array]) {
          await fsp.writeFile(p('ta'), new Ctor(buf.buffer, buf.byteOffset, buf.byteLength / Ctor.BYTES_PER_ELEMENT));
          expect((await fsp.readFile(p('ta'))).equals(buf), Ctor.name).to.equal(true);
        }
      });
    });

    // From test/parallel/test-fs-promises-writefile-with-fd.js
    describe('test-fs-promises-writefile-with-fd.js', () => {
      it("writeFile(handle) writes at the handle's position, without truncating", async () => {
        fs.writeFileSync(p('f'), 'xxxxxxxxxxxxxxx');
        const h = await fsp.open(p('f'), 'r+');
        expect((await h.write(Buffer.from('Hello'), 0, 5, null)).bytesWritten).to.equal(5);
        await fsp.writeFile(h, 'World');
        await h.close();
        expect(fs.readFileSync(p('f'), 'utf8')).to.equal('HelloWorldxxxxx');
      });
    });

    // From test/parallel/test-fs-promises-writefile.js
    describe('test-fs-promises-writefile.js', () => {
      it('writeFile of a string and of a buffer', async () => {
        await fsp.writeFile(p('s'), 'x~yz'.repeat(100));
        expect(fs.readFileSync(p('s'), 'utf8')).to.equal('x~yz'.repeat(100));
        const buf = Buffer.from('abc'.repeat(1000));
        await fsp.writeFile(p('b'), buf);
        expect(fs.readFileSync(p('b'))).to.deep.equal(buf);
      });

      it('writeFile of a stream, iterables of strings and buffers, an async iterable and a large iterable', async () => {
        const large = 'dogs running'.repeat(512 * 1024);
        const cases = [
          [Readable.from(['a', 'b', 'c']), 'abc'],
          [{ *[Symbol.iterator]() { yield 'a'; yield 'b'; yield 'c'; } }, 'abc'],
          [{ *[Symbol.iterator]() { yield Buffer.from('a'); yield Buffer.from('b'); yield Buffer.from('c'); } }, 'abc'],
          [{ async *[Symbol.asyncIterator]() { yield 'a'; yield 'b'; yield 'c'; } }, 'abc'],
          [iterableOf(Buffer.from(large, 'utf8')), large],
        ];
        for (const [data, expected] of cases) {
          await fsp.writeFile(p('it'), data);
          expect(fs.readFileSync(p('it'), 'utf8') === expected, expected.slice(0, 20)).to.equal(true);
        }
      });

      it('writeFile of an iterable with pipe and on methods iterates it (no stream calls)', async () => {
        const fail = () => expect.fail('a custom iterable is not a stream');
        await fsp.writeFile(p('it'), { pipe: fail, on: fail, *[Symbol.iterator]() { yield 'a'; yield 'b'; yield 'c'; } });
        expect(fs.readFileSync(p('it'), 'utf8')).to.equal('abc');
      });

      it("writeFile(path, stream, 'latin1') encodes the stream's strings as latin1", async () => {
        await fsp.writeFile(p('l'), Readable.from(['ümlaut', ' ', 'sechzig']), 'latin1');
        expect(fs.readFileSync(p('l'), 'latin1')).to.equal('ümlaut sechzig');
      });

      // (writeFile(path, stream) of a stream that errors: Node 20 rejects, but the stream's error is also uncaught there.)

      it('writeFile of a stream into a missing directory rejects ENOENT, leaving no error listener', async () => {
        const stream = Readable.from(['a']);
        expect((await rejection(() => fsp.writeFile(p('not-found/tmp.txt'), stream))).code).to.equal('ENOENT');
        expect(stream.listenerCount('error')).to.equal(0);
      });

      it('writeFile of a buffer or a stream, aborted on the next tick, rejects AbortError', async () => {
        for (const data of [Buffer.from('abc'.repeat(1000)), Readable.from(['a', 'b', 'c'])]) {
          const controller = new AbortController();
          process.nextTick(() => controller.abort());
          expect((await rejection(() => fsp.writeFile(p('other'), data, { signal: controller.signal }))).name).to.equal('AbortError');
        }
      });

      it('writeFile rejects what is not data, or an iterable of it, with ERR_INVALID_ARG_TYPE', async () => {
        for (const value of notData) {
          expect((await rejection(() => fsp.writeFile(p('bad'), value))).code, String(value)).to.equal('ERR_INVALID_ARG_TYPE');
          expect((await rejection(() => fsp.writeFile(p('bad'), iterableOf(value)))).code, `[${String(value)}]`).to.equal('ERR_INVALID_ARG_TYPE');
        }
      });
    });
  });
}
