import { expect } from 'chai';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { both, node, sandbox, tree, uring } from './differential.mjs';
import { isNative, implementation, mode } from '@uring/fs';
import { defaultRing } from '@uring/core';

const require = createRequire(import.meta.url);
const pkgDir = fileURLToPath(new URL('..', import.meta.url));

describe('@uring/fs/promises beside node:fs/promises', () => {
  let box;
  beforeEach(() => {
    box = sandbox();
    for (const root of Object.values(box.roots)) {
      fs.writeFileSync(path.join(root, 'hello.txt'), 'hello world\n');
      fs.writeFileSync(path.join(root, 'empty'), '');
      fs.mkdirSync(path.join(root, 'dir'));
      fs.writeFileSync(path.join(root, 'dir', 'inner'), Buffer.alloc(100_000, 7));
      fs.mkdirSync(path.join(root, 'full'));
      fs.writeFileSync(path.join(root, 'full', 'x'), 'x');
      fs.symlinkSync(path.join(root, 'hello.txt'), path.join(root, 'link'));
      fs.symlinkSync('nowhere', path.join(root, 'dangling'));
    }
  });
  afterEach(() => box.cleanup());

  const same = async (label, call) => {
    const [a, b] = await both(box.roots, call);
    expect(b, label).to.deep.equal(a);
    expect(tree(box.roots.uring), `${label}: tree`).to.deep.equal(tree(box.roots.node));
    return a;
  };

  // This file also runs with io_uring denied (fallback.test.mjs runs it under a seccomp filter).
  const denied = Boolean(process.env.URING_DENY);

  it(denied ? 'falls back to node:fs/promises and says so' : 'runs on io_uring here and says so', () => {
    expect(isNative()).to.equal(!denied);
    expect(mode('readFile')).to.equal(denied ? 'node' : 'io_uring');
    expect(mode('readdir')).to.equal('node');
    expect(implementation.stat).to.equal('io_uring');
  });

  it('has the same exports as node:fs/promises, through import and require', async () => {
    const shape = (o) => Object.entries(Object.getOwnPropertyDescriptors(o)).map(([k, d]) => [k, typeof d.value, d.writable, d.enumerable, d.configurable, typeof d.get]);
    const cjs = require('@uring/fs/promises');
    // Same own keys (no default, no __esModule), order and attributes as Node's module object.
    expect(shape(cjs)).to.deep.equal(shape(require('node:fs/promises')));
    expect(Object.getPrototypeOf(cjs)).to.equal(Object.prototype);
    // The ESM default is that same object, and each named export is its member.
    const esm = await import('@uring/fs/promises');
    expect(esm.default).to.equal(cjs);
    const nodeEsm = await import('node:fs/promises');
    expect(Object.keys(esm).sort()).to.deep.equal(Object.keys(nodeEsm).sort());
    for (const k of Object.keys(cjs)) expect(esm[k], k).to.equal(cjs[k]);
    expect(uring.constants).to.equal(fs.constants);
  });

  it("a copy of every key, with one call stubbed, is what the copy's user calls (mocks, tap's createMock)", async () => {
    const stubbed = { ...require('@uring/fs/promises'), readFile: async () => 'stub' };
    expect(Object.keys(stubbed)).to.not.include('default');
    // TypeScript's and Babel's __importDefault wraps a module without __esModule, so .default is the module itself.
    const importDefault = (mod) => (mod && mod.__esModule ? mod : { default: mod });
    expect(await importDefault(stubbed).default.readFile('x')).to.equal('stub');
  });

  const rel = (root, ...p) => path.join(root, ...p);

  it('readFile: results and errors', async () => {
    const calls = {
      utf8: (f, r) => f.readFile(rel(r, 'hello.txt'), 'utf8'),
      buffer: (f, r) => f.readFile(rel(r, 'hello.txt')),
      options: (f, r) => f.readFile(rel(r, 'hello.txt'), { encoding: 'base64' }),
      latin1: (f, r) => f.readFile(rel(r, 'hello.txt'), 'latin1'),
      hex: (f, r) => f.readFile(rel(r, 'hello.txt'), { encoding: 'hex', flag: 'r' }),
      empty: (f, r) => f.readFile(rel(r, 'empty'), 'utf8'),
      big: (f, r) => f.readFile(rel(r, 'dir', 'inner')),
      link: (f, r) => f.readFile(rel(r, 'link'), 'utf8'),
      url: (f, r) => f.readFile(new URL(`file://${rel(r, 'hello.txt')}`), 'utf8'),
      missing: (f, r) => f.readFile(rel(r, 'missing')),
      dangling: (f, r) => f.readFile(rel(r, 'dangling')),
      directory: (f, r) => f.readFile(rel(r, 'dir')),
      notdir: (f, r) => f.readFile(rel(r, 'hello.txt', 'x')),
      relative: (f) => f.readFile('definitely-not-here.txt'),
      nul: (f, r) => f.readFile(rel(r, 'a\0b')),
      number: (f) => f.readFile(123456),
      object: (f) => f.readFile({}),
      badEncoding: (f, r) => f.readFile(rel(r, 'hello.txt'), 'klingon'),
      badFlag: (f, r) => f.readFile(rel(r, 'hello.txt'), { flag: 'zz' }),
      abortedSignal: (f, r) => f.readFile(rel(r, 'hello.txt'), { signal: AbortSignal.abort() }),
      badSignal: (f, r) => f.readFile(rel(r, 'hello.txt'), { signal: 'x' }),
      wplus: (f, r) => f.readFile(rel(r, 'hello.txt'), { flag: 'a+' }),
    };
    for (const [label, call] of Object.entries(calls)) await same(label, call);
  });

  it("readFile and FileHandle.readFile with { buffer } are the running Node's (26 reads into it, earlier lines ignore it)", async () => {
    const calls = {
      fits: async (f, r) => {
        const buffer = Buffer.alloc(64, 120);
        const got = await f.readFile(rel(r, 'hello.txt'), { buffer });
        return [got.toString('hex'), got.buffer === buffer.buffer];
      },
      tooSmall: (f, r) => f.readFile(rel(r, 'hello.txt'), { buffer: Buffer.alloc(4) }),
      encoded: (f, r) => f.readFile(rel(r, 'hello.txt'), { buffer: Buffer.alloc(64), encoding: 'utf8' }),
      handle: async (f, r) => {
        const h = await f.open(rel(r, 'hello.txt'));
        try {
          return await h.readFile({ buffer: Buffer.alloc(64) });
        } finally {
          await h.close();
        }
      },
    };
    for (const [label, call] of Object.entries(calls)) await same(label, call);
  });

  it("stat and lstat with { throwIfNoEntry } and { signal } are the running Node's (24 and 26 take them, earlier lines ignore them)", async () => {
    const calls = {};
    for (const f of ['stat', 'lstat']) {
      Object.assign(calls, {
        [`${f} missing, throwIfNoEntry false`]: async (impl, r) => String(await impl[f](rel(r, 'missing'), { throwIfNoEntry: false })),
        [`${f} throwIfNoEntry true`]: (impl, r) => impl[f](rel(r, 'missing'), { throwIfNoEntry: true }),
        [`${f} aborted signal`]: (impl, r) => impl[f](rel(r, 'hello.txt'), { signal: AbortSignal.abort() }),
        [`${f} live signal`]: (impl, r) => impl[f](rel(r, 'hello.txt'), { signal: new AbortController().signal }),
        [`${f} bad signal`]: (impl, r) => impl[f](rel(r, 'hello.txt'), { signal: 5 }),
      });
    }
    for (const [label, call] of Object.entries(calls)) await same(label, call);
  });

  it('readFile of a large file reads every byte', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 3);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    for (const root of Object.values(box.roots)) fs.writeFileSync(path.join(root, 'big'), big);
    const data = await uring.readFile(path.join(box.roots.uring, 'big'));
    expect(data.equals(big)).to.equal(true);
  });

  it('large files (16 MiB and up: huge-page buffers, waits on the previous one): kept results stay intact, at once or in turn', async () => {
    const root = box.roots.uring;
    const sizes = [(16 << 20) + 1, (17 << 20) + 4095, 24 << 20];
    const files = sizes.map((n, k) => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i + 4 <= n; i += 512) b.writeUInt32LE((i * (k + 3)) >>> 0, i);
      const p = path.join(root, `large-${k}`);
      fs.writeFileSync(p, b);
      return { p, b };
    });
    const together = await Promise.all(files.map(({ p }) => uring.readFile(p)));
    const inTurn = [];
    for (const { p } of files) inTurn.push(await uring.readFile(p));
    for (let round = 0; round < 3; round++) await uring.readFile(files[round].p); // dropped at once
    const fh = await uring.open(files[2].p);
    const viaHandle = await fh.readFile();
    await fh.close();
    files.forEach(({ b }, k) => {
      expect(together[k].equals(b), `at once ${k}`).to.equal(true);
      expect(inTurn[k].equals(b), `in turn ${k}`).to.equal(true);
    });
    expect(viaHandle.equals(files[2].b)).to.equal(true);
    for (const { p } of files) fs.unlinkSync(p);
  });

  it('readFile at the first read\'s boundaries and beyond (64 KiB chunk, 1 MiB requests) is Node\'s, byte for byte', async () => {
    const sizes = [65535, 65536, 65537, 1 << 20, (4 << 20) + 5];
    for (const root of Object.values(box.roots)) {
      for (const n of sizes) fs.writeFileSync(path.join(root, `s${n}`), Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff)));
    }
    for (const n of sizes) {
      await same(`buffer ${n}`, (f, r) => f.readFile(rel(r, `s${n}`)));
      await same(`latin1 ${n}`, (f, r) => f.readFile(rel(r, `s${n}`), 'latin1'));
    }
  });

  it('a readFile result stays the caller\'s: later reads (of every size) and copyFile never write into it', async () => {
    const root = box.roots.uring;
    const sizes = [100, 40_000, 49_152, 60_000, 65_536, 65_537, 200_000];
    sizes.forEach((n, i) => fs.writeFileSync(path.join(root, `k${n}`), Buffer.alloc(n, i + 1)));
    const kept = [];
    for (let round = 0; round < 3; round++) {
      for (const [i, n] of sizes.entries()) kept.push({ n, fill: i + 1, buf: await uring.readFile(rel(root, `k${n}`)) });
      await Promise.all(sizes.map((n) => uring.readFile(rel(root, `k${n}`))));
      await uring.copyFile(rel(root, 'k65536'), rel(root, 'copied'));
    }
    for (const { n, fill, buf } of kept) {
      expect(buf.length).to.equal(n);
      expect(buf.every((b) => b === fill), `${n} bytes of ${fill}`).to.equal(true);
    }
  });

  it('copyFile of files around and over the splice chunk (1 MiB) is byte for byte, over a longer file too', async () => {
    const sizes = [1, 65535, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (5 << 20) + 77];
    const data = sizes.map((n) => crypto.randomBytes(n));
    for (const root of Object.values(box.roots)) {
      sizes.forEach((n, i) => fs.writeFileSync(path.join(root, `src${n}`), data[i]));
      fs.writeFileSync(path.join(root, 'longer'), Buffer.alloc(7 << 20, 9));
    }
    for (const n of sizes) await same(`copy ${n}`, (f, r) => f.copyFile(rel(r, `src${n}`), rel(r, `dst${n}`)));
    await same('copy over a longer file', (f, r) => f.copyFile(rel(r, `src${65535}`), rel(r, 'longer')));
    for (const n of sizes) expect(fs.readFileSync(path.join(box.roots.uring, `dst${n}`)).equals(fs.readFileSync(path.join(box.roots.uring, `src${n}`)))).to.equal(true);
  });

  it('many readFile and writeFile calls at once each get their own bytes (pooled chunks, path slots)', async () => {
    const root = box.roots.uring;
    const names = Array.from({ length: 300 }, (_, i) => rel(root, `many-${i}-${'x'.repeat(i % 200)}`));
    await Promise.all(names.map((n, i) => uring.writeFile(n, `content ${i} `.repeat(i % 50 + 1))));
    const read = await Promise.all(names.map((n) => uring.readFile(n, 'utf8')));
    expect(read).to.deep.equal(names.map((_, i) => `content ${i} `.repeat(i % 50 + 1)));
    const bufs = await Promise.all(names.map((n) => uring.readFile(n)));
    expect(bufs.map((b) => b.toString())).to.deep.equal(read);
  });

  it('writeFile and appendFile: results, trees and errors', async () => {
    const calls = {
      string: (f, r) => f.writeFile(rel(r, 'new.txt'), 'new data'),
      buffer: (f, r) => f.writeFile(rel(r, 'new.bin'), Buffer.from([1, 2, 3])),
      typed: (f, r) => f.writeFile(rel(r, 'typed'), new Uint16Array([1, 2, 3])),
      encoding: (f, r) => f.writeFile(rel(r, 'enc'), 'aGVsbG8=', 'base64'),
      mode: (f, r) => f.writeFile(rel(r, 'mode'), 'x', { mode: 0o600 }),
      overwrite: (f, r) => f.writeFile(rel(r, 'hello.txt'), 'short'),
      exclusive: (f, r) => f.writeFile(rel(r, 'hello.txt'), 'x', { flag: 'wx' }),
      append: (f, r) => f.appendFile(rel(r, 'hello.txt'), 'more\n'),
      appendNew: (f, r) => f.appendFile(rel(r, 'appended'), Buffer.from('a')),
      appendFlag: (f, r) => f.writeFile(rel(r, 'hello.txt'), 'tail', { flag: 'a' }),
      intoDir: (f, r) => f.writeFile(rel(r, 'dir'), 'x'),
      missingParent: (f, r) => f.writeFile(rel(r, 'nope', 'x'), 'x'),
      iterable: (f, r) => f.writeFile(rel(r, 'iter'), ['a', 'b', 'c']),
      badData: (f, r) => f.writeFile(rel(r, 'bad'), 12345),
      nullData: (f, r) => f.writeFile(rel(r, 'bad'), null),
      nul: (f, r) => f.writeFile(rel(r, 'x\0y'), 'x'),
      badMode: (f, r) => f.writeFile(rel(r, 'bm'), 'x', { mode: 'zzz' }),
      aborted: (f, r) => f.writeFile(rel(r, 'ab'), 'x', { signal: AbortSignal.abort() }),
      empty: (f, r) => f.writeFile(rel(r, 'empty2'), ''),
      // O_TRUNC stands as an FTRUNCATE after the WRITE on the ring: every length and path through it
      overwriteLonger: (f, r) => f.writeFile(rel(r, 'hello.txt'), 'a longer text than hello.txt had before\n'.repeat(300)),
      overwriteEmpty: (f, r) => f.writeFile(rel(r, 'hello.txt'), ''),
      overwriteSignal: (f, r) => f.writeFile(rel(r, 'hello.txt'), 'cut', { signal: new AbortController().signal }),
      overwriteWplus: (f, r) => f.writeFile(rel(r, 'hello.txt'), 'w+', { flag: 'w+' }),
      overwriteNumeric: (f, r) => f.writeFile(rel(r, 'hello.txt'), 'num', { flag: fs.constants.O_WRONLY | fs.constants.O_TRUNC }),
      numericMissing: (f, r) => f.writeFile(rel(r, 'nofile'), 'num', { flag: fs.constants.O_WRONLY | fs.constants.O_TRUNC }),
      devNull: (f) => f.writeFile('/dev/null', 'into a device: O_TRUNC does not apply'),
    };
    for (const [label, call] of Object.entries(calls)) await same(label, call);
  });

  it('stat, lstat: Stats with the same fields, types and methods; errors', async () => {
    const calls = {
      file: (f, r) => f.stat(rel(r, 'hello.txt')),
      dir: (f, r) => f.stat(rel(r, 'dir')),
      bigint: (f, r) => f.stat(rel(r, 'hello.txt'), { bigint: true }),
      link: (f, r) => f.lstat(rel(r, 'link')),
      followed: (f, r) => f.stat(rel(r, 'link')),
      dangling: (f, r) => f.stat(rel(r, 'dangling')),
      lstatDangling: (f, r) => f.lstat(rel(r, 'dangling')),
      missing: (f, r) => f.stat(rel(r, 'missing')),
      lmissing: (f, r) => f.lstat(rel(r, 'missing')),
      notdir: (f, r) => f.stat(rel(r, 'hello.txt', 'x')),
      badType: (f) => f.stat(42),
      nul: (f) => f.stat('/tmp/\0'),
      empty: (f) => f.stat(''),
    };
    for (const [label, call] of Object.entries(calls)) await same(label, call);
  });

  it("Stats are built as the running Node builds them: same own keys (symbols too), lazy dates where Node's are, no DEP0180 warning", async () => {
    const shape = (st) => ({
      proto: Object.getPrototypeOf(st) === Object.getPrototypeOf(fs.statSync('/', { bigint: typeof st.size === 'bigint' })),
      keys: Reflect.ownKeys(st).map(String),
      ownDate: Object.getOwnPropertyDescriptor(st, 'mtime') !== undefined,
      mtime: st.mtime.getTime(),
      mtimeMs: st.mtimeMs,
    });
    for (const bigint of [false, true]) {
      const file = path.join(box.roots.uring, 'hello.txt');
      fs.utimesSync(file, 1000, 949363200.123);
      const [ours, nodes] = [await uring.stat(file, { bigint }), await node.stat(file, { bigint })];
      expect(shape(ours), `bigint ${bigint}`).to.deep.equal(shape(nodes));
      expect(ours instanceof fs.Stats, `bigint ${bigint}: instanceof fs.Stats`).to.equal(nodes instanceof fs.Stats);
    }
    if (!isNative()) return;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
      const fs = (await import('@uring/fs/promises')).default;
      const h = await fs.open('/');
      await Promise.all([fs.stat('/'), fs.lstat('/'), fs.stat('/', { bigint: true }), h.stat()]);
      await h.close();`], { cwd: pkgDir, encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.not.match(/DEP0180|DeprecationWarning/);
  });

  it('Stats values equal node:fs exactly, times included', async () => {
    const p = path.join(box.roots.uring, 'hello.txt');
    const [a, b] = [await node.stat(p), await uring.stat(p)];
    expect(b).to.be.instanceOf(fs.Stats);
    for (const k of Object.keys(a)) expect(b[k], k).to.deep.equal(a[k]);
    const [c, d] = [await node.stat(p, { bigint: true }), await uring.stat(p, { bigint: true })];
    for (const k of Object.keys(c)) expect(d[k], k).to.deep.equal(c[k]);
  });

  it('mkdir, rmdir, rename, unlink, link, symlink, truncate, copyFile: trees and errors', async () => {
    const calls = {
      mkdir: (f, r) => f.mkdir(rel(r, 'made')),
      mkdirMode: (f, r) => f.mkdir(rel(r, 'made2'), 0o700),
      mkdirOpts: (f, r) => f.mkdir(rel(r, 'made3'), { mode: 0o750 }),
      mkdirExists: (f, r) => f.mkdir(rel(r, 'dir')),
      mkdirMissingParent: (f, r) => f.mkdir(rel(r, 'a', 'b')),
      mkdirRecursive: (f, r) => f.mkdir(rel(r, 'a', 'b', 'c'), { recursive: true }),
      rmdir: (f, r) => f.rmdir(rel(r, 'made')),
      rmdirNotEmpty: (f, r) => f.rmdir(rel(r, 'full')),
      rmdirFile: (f, r) => f.rmdir(rel(r, 'hello.txt')),
      rename: (f, r) => f.rename(rel(r, 'hello.txt'), rel(r, 'renamed.txt')),
      renameMissing: (f, r) => f.rename(rel(r, 'missing'), rel(r, 'x')),
      renameDirOverFile: (f, r) => f.rename(rel(r, 'dir'), rel(r, 'renamed.txt')),
      renameOntoFull: (f, r) => f.rename(rel(r, 'a'), rel(r, 'full')),
      unlink: (f, r) => f.unlink(rel(r, 'renamed.txt')),
      unlinkDir: (f, r) => f.unlink(rel(r, 'dir')),
      unlinkMissing: (f, r) => f.unlink(rel(r, 'missing')),
      link: (f, r) => f.link(rel(r, 'empty'), rel(r, 'hard')),
      linkExists: (f, r) => f.link(rel(r, 'empty'), rel(r, 'hard')),
      symlink: (f, r) => f.symlink('empty', rel(r, 'soft')),
      symlinkExists: (f, r) => f.symlink('empty', rel(r, 'soft')),
      symlinkLoop: (f, r) => f.symlink('loop', rel(r, 'loop')),
      readLoop: (f, r) => f.readFile(rel(r, 'loop')),
      truncate: (f, r) => f.truncate(rel(r, 'dir', 'inner'), 10),
      truncateMissing: (f, r) => f.truncate(rel(r, 'missing'), 1),
      copy: (f, r) => f.copyFile(rel(r, 'dir', 'inner'), rel(r, 'copy')),
      copyEmpty: (f, r) => f.copyFile(rel(r, 'empty'), rel(r, 'copy0')),
      copyExcl: (f, r) => f.copyFile(rel(r, 'empty'), rel(r, 'copy'), fs.constants.COPYFILE_EXCL),
      copyOver: (f, r) => f.copyFile(rel(r, 'empty'), rel(r, 'copy')),
      copyMissing: (f, r) => f.copyFile(rel(r, 'missing'), rel(r, 'c2')),
      copyDir: (f, r) => f.copyFile(rel(r, 'dir'), rel(r, 'c3')),
      copyIntoMissing: (f, r) => f.copyFile(rel(r, 'empty'), rel(r, 'no', 'c4')),
      copyBadMode: (f, r) => f.copyFile(rel(r, 'empty'), rel(r, 'c5'), 99),
      copyDirOverFile: (f, r) => f.copyFile(rel(r, 'dir'), rel(r, 'empty')),
      copyOntoItself: (f, r) => f.copyFile(rel(r, 'dir', 'inner'), rel(r, 'dir', 'inner')),
      copyOntoHardlink: async (f, r) => { await f.link(rel(r, 'dir', 'inner'), rel(r, 'hl')); return f.copyFile(rel(r, 'dir', 'inner'), rel(r, 'hl')); },
    };
    for (const [label, call] of Object.entries(calls)) await same(label, call);
  });

  it('FileHandle: read/write overloads, readv/writev, stat, sync, truncate, readFile, close', async () => {
    const session = async (f, r) => {
      const out = [];
      const h = await f.open(rel(r, 'fh'), 'w+');
      out.push(typeof h.fd);
      out.push(await h.write(Buffer.from('0123456789')));
      out.push(await h.write('abc', 2));
      out.push(await h.write('ZZ', null, 'utf8'));
      out.push(await h.write(Buffer.from('xyz'), 1, 2, 0));
      out.push(await h.write(Buffer.from('qq'), { position: 8 }));
      out.push(await h.read(Buffer.alloc(4), 0, 4, 0));
      out.push(await h.read(Buffer.alloc(6), { position: 2 }));
      out.push(await h.read({ buffer: Buffer.alloc(3), position: 1 }));
      out.push((await h.read()).bytesRead);
      out.push(await h.read(Buffer.alloc(4), 0, 0, 0));
      out.push(await h.writev([Buffer.from('v1'), Buffer.from('v2')], 0));
      const a = Buffer.alloc(3);
      const b = Buffer.alloc(3);
      out.push((await h.readv([a, b], 0)).bytesRead, a.toString(), b.toString());
      out.push((await h.stat()).size);
      out.push(await h.sync(), await h.datasync());
      out.push(await h.truncate(5));
      out.push(await h.readFile('utf8'));
      await h.close();
      out.push(h.fd);
      for (const call of [() => h.read(Buffer.alloc(1)), () => h.write('x'), () => h.stat(), () => h.sync()]) {
        out.push(await call().catch((e) => [e.code, e.message, e.syscall]));
      }
      out.push(await h.close());
      return out;
    };
    await same('session', session);
  });

  it('FileHandle bad input: the same errors as Node', async () => {
    const calls = {
      negOffset: (h) => h.read(Buffer.alloc(4), -1),
      longLength: (h) => h.read(Buffer.alloc(4), 0, 10),
      emptyBuffer: (h) => h.read(Buffer.alloc(0), 0, 1),
      floatOffset: (h) => h.read(Buffer.alloc(4), 1.5),
      badOffsetType: (h) => h.read(Buffer.alloc(4), '1'),
      badParams: (h) => h.read(5),
      negPosition: (h) => h.read(Buffer.alloc(4), 0, 4, -2),
      bigPosition: (h) => h.read(Buffer.alloc(4), 0, 4, 2n ** 63n),
      bigintPosition: (h) => h.read(Buffer.alloc(4), 0, 4, 5n),
      floatPosition: (h) => h.read(Buffer.alloc(4), 0, 4, 1.5),
      writeNumber: (h) => h.write(1234),
      writeOffsetPast: (h) => h.write(Buffer.from('ab'), 5),
      writeLengthPast: (h) => h.write(Buffer.from('ab'), 0, 5),
      writeBadEncoding: (h) => h.write('x', 0, 'klingon'),
      truncateBad: (h) => h.truncate('x'),
    };
    for (const [label, call] of Object.entries(calls)) {
      await same(label, async (f, r) => {
        const h = await f.open(rel(r, 'hello.txt'), 'r+');
        try {
          return await call(h);
        } finally {
          await h.close();
        }
      });
    }
  });

  it('open: flags, modes and errors as Node', async () => {
    const calls = {};
    for (const flag of ['r', 'r+', 'w', 'wx', 'w+', 'a', 'ax', 'a+', 'as', 'rs+', fs.constants.O_RDONLY, 'zz', 3.5, null]) {
      calls[`flag ${String(flag)}`] = async (f, r) => {
        const h = await f.open(rel(r, 'hello.txt'), flag);
        await h.close();
        return 'opened';
      };
    }
    Object.assign(calls, {
      create: async (f, r) => (await f.open(rel(r, 'created'), 'w', 0o640)).close(),
      badMode: (f, r) => f.open(rel(r, 'created2'), 'w', 'rw'),
      missing: (f, r) => f.open(rel(r, 'missing')),
      exclExisting: (f, r) => f.open(rel(r, 'hello.txt'), 'wx'),
      writeDir: (f, r) => f.open(rel(r, 'dir'), 'w'),
      badPath: (f) => f.open(undefined),
      nul: (f) => f.open('a\0'),
    });
    for (const [label, call] of Object.entries(calls)) await same(label, call);
  });

  it('passes the signal: a readFile aborted mid-flight rejects with AbortError', async () => {
    const ac = new AbortController();
    const p = uring.readFile(path.join(box.roots.uring, 'dir', 'inner'), { signal: ac.signal });
    ac.abort();
    const err = await p.then(() => null, (e) => e);
    // Aborted before or after the kernel finished: either way no half result is returned as success after abort.
    if (err) expect(err.name).to.equal('AbortError');
  });

  it('batches: 1,000 stats in one tick go to the kernel together', async () => {
    const p = path.join(box.roots.uring, 'hello.txt');
    const stats = await Promise.all(Array.from({ length: 1000 }, () => uring.stat(p)));
    expect(stats.every((s) => s.size === 12)).to.equal(true);
    if (!denied) expect(defaultRing().inflight).to.equal(0);
  });

  it('closes every fixed-file slot and fd it opens', async () => {
    const before = fs.readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 200; i++) await uring.readFile(path.join(box.roots.uring, 'hello.txt'));
    await Promise.all(Array.from({ length: 200 }, () => uring.writeFile(path.join(box.roots.uring, 'w'), 'x')));
    await Promise.all(Array.from({ length: 100 }, async () => (await uring.open(path.join(box.roots.uring, 'hello.txt'))).close()));
    expect(fs.readdirSync('/proc/self/fd').length).to.equal(before);
  });
});
