// The fault suite: a full disk (a 1 MiB tmpfs), FIFOs and pipes that return short reads, files
// replaced by rename while they are read, io_uring denied. Each check runs the same calls on
// node:fs/promises and on ours where Node defines the answer (the same outcome, the same bytes on
// disk), and afterwards nothing is in flight and no fd or fixed-file slot is left behind.
import { expect } from 'chai';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import node from 'node:fs/promises';
import uring from '@uring/fs/promises';
import { isNative, withOptions } from '@uring/fs';
import { defaultRing } from '@uring/core';
import { openFds, freeSlots } from './leaks.mjs';

const MiB = 1 << 20;
const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const denyFixture = fileURLToPath(new URL('../../core/test/fixtures/deny-io-uring.cjs', import.meta.url));
const isRoot = process.getuid?.() === 0;

/** What must hold after each check: nothing in flight, every fd and fixed-file slot given back. */
const baseline = () => ({ fds: openFds(), slots: isNative() ? freeSlots() : 0 });
async function expectNoLeaks(before) {
  await new Promise((resolve) => setTimeout(resolve, 20)); // closes ride in the next submission
  if (isNative()) {
    expect(defaultRing().inflight, 'ops in flight').to.equal(0);
    expect(freeSlots(), 'free fixed-file slots').to.equal(before.slots);
  }
  expect(openFds(), 'open fds').to.equal(before.fds);
}

/** An outcome as the user sees it: the value, or the error's name, code, syscall and message (root replaced). */
async function outcome(promise, root) {
  try {
    const v = await promise;
    return { value: v === undefined ? 'undefined' : v };
  } catch (err) {
    const fix = (s) => (typeof s === 'string' ? s.split(root).join('<root>') : s);
    return { error: { name: err.name, code: err.code, syscall: err.syscall, message: fix(err.message), path: fix(err.path), dest: fix(err.dest) } };
  }
}

/** The files under `dir`: name -> size, where the zeros start (a hole or an unwritten tail), a digest. */
function picture(dir) {
  const out = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const data = fs.readFileSync(path.join(dir, name));
    out[name] = { size: data.length, firstZero: data.indexOf(0), sha: crypto.createHash('sha1').update(data).digest('hex') };
  }
  return out;
}

describe('faults: a full disk (1 MiB tmpfs)', function () {
  let mnt;
  const src = path.join(os.tmpdir(), `uring-faults-src-${process.pid}`);
  const data = Buffer.alloc(2 * MiB, 'a'); // twice what fits: the first write is short, the next fails ENOSPC

  before(function () {
    if (!isRoot) {
      console.log('      (skipped: mounting a 1 MiB tmpfs needs root; CI runs as root)');
      this.skip();
    }
    mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-faults-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    fs.writeFileSync(src, data);
  });
  after(() => {
    if (!mnt) return;
    execFileSync('umount', [mnt]);
    fs.rmdirSync(mnt);
    fs.rmSync(src, { force: true });
  });
  const empty = () => {
    for (const name of fs.readdirSync(mnt)) fs.rmSync(path.join(mnt, name), { force: true });
  };

  /** Runs `call(impl, dir)` on node:fs/promises, then on ours, each on an empty disk: same outcome, same files. */
  async function same(label, call) {
    const seen = [];
    for (const impl of [node, uring]) {
      empty();
      const before = baseline();
      const result = await outcome(call(impl, mnt), mnt);
      if (impl === uring) await expectNoLeaks(before);
      seen.push({ result, files: picture(mnt) });
    }
    empty();
    expect(seen[1], label).to.deep.equal(seen[0]);
    return seen[0];
  }

  const onHandle = (flags, fn) => async (f, dir) => {
    const h = await f.open(path.join(dir, 'f'), flags);
    try {
      return await fn(h);
    } finally {
      await h.close();
    }
  };

  it('writeFile: ENOSPC, and the file holds what was written (no hole of zeros)', async () => {
    const seen = await same('writeFile', (f, dir) => f.writeFile(path.join(dir, 'f'), data));
    expect(seen.result.error.code).to.equal('ENOSPC');
    expect(seen.files.f.firstZero).to.equal(-1);
  });

  it('writeFile over an existing longer file: ENOSPC, the same bytes as Node leaves', async () => {
    await same('writeFile over', async (f, dir) => {
      fs.writeFileSync(path.join(dir, 'f'), Buffer.alloc(512 * 1024, 'o'));
      return f.writeFile(path.join(dir, 'f'), data);
    });
  });

  it('appendFile: ENOSPC, and what fitted stays', async () => {
    const seen = await same('appendFile', (f, dir) => f.appendFile(path.join(dir, 'f'), data));
    expect(seen.result.error.code).to.equal('ENOSPC');
  });

  it('FileHandle.writeFile: rejects ENOSPC (it resolved with 1 of 2 MiB written)', async () => {
    const seen = await same('FileHandle.writeFile', onHandle('w', (h) => h.writeFile(data)));
    expect(seen.result.error.code).to.equal('ENOSPC');
  });

  it('FileHandle.write at the file position: a short write, then ENOSPC (not a rewrite of offset 0)', async () => {
    const seen = await same(
      'FileHandle.write',
      onHandle('w', async (h) => {
        const first = (await h.write(data)).bytesWritten;
        const second = await outcome(h.write(data), mnt);
        return { first, second };
      }),
    );
    expect(seen.result.value.first).to.be.below(data.length);
    expect(seen.result.value.second.error.code).to.equal('ENOSPC');
  });

  it('FileHandle.writev at the file position: a short write, then ENOSPC', async () => {
    const halves = [data.subarray(0, MiB), data.subarray(MiB)];
    const seen = await same(
      'FileHandle.writev',
      onHandle('w', async (h) => {
        const first = (await h.writev(halves)).bytesWritten;
        const second = await outcome(h.writev(halves), mnt);
        return { first, second };
      }),
    );
    expect(seen.result.value.second.error.code).to.equal('ENOSPC');
  });

  it('writeFile with a signal, and FileHandle.appendFile on an O_APPEND handle: ENOSPC, the same bytes as Node', async () => {
    await same('writeFile with a signal', (f, dir) => f.writeFile(path.join(dir, 'f'), data, { signal: new AbortController().signal }));
    await same('FileHandle.appendFile', onHandle('a', (h) => h.appendFile(data)));
    await same('FileHandle.writeFile with a signal', onHandle('w', (h) => h.writeFile(data, { signal: new AbortController().signal })));
  });

  it('with the disk almost full: writeFile, appendFile, FileHandle.writeFile and copyFile of 100 KiB as Node', async () => {
    const small = Buffer.alloc(100 * 1024, 's');
    const fill = (dir) => fs.writeFileSync(path.join(dir, 'fill'), Buffer.alloc(1024 * 1024 - 40 * 1024, 'f'));
    await same('almost full writeFile', (f, dir) => (fill(dir), f.writeFile(path.join(dir, 'f'), small)));
    await same('almost full appendFile', (f, dir) => (fill(dir), f.appendFile(path.join(dir, 'f'), small)));
    await same('almost full FileHandle.writeFile', async (f, dir) => (fill(dir), onHandle('w', (h) => h.writeFile(small))(f, dir)));
    await same('almost full copyFile', (f, dir) => (fill(dir), f.copyFile(src, path.join(dir, 'f'))));
  });

  it('copyFile: ENOSPC, and no partial destination is left (libuv removes it)', async () => {
    const seen = await same('copyFile', (f, dir) => f.copyFile(src, path.join(dir, 'f')));
    expect(seen.result.error.code).to.equal('ENOSPC');
    expect(seen.files).to.deep.equal({});
  });

  it("copyFile on the ring (a plain call from 16 MiB; under withOptions, SPLICE or one READ -> WRITE): ENOSPC as Node's, no partial destination", async () => {
    // Below 16 MiB a plain call is Node's own: these take the ring's paths (src/copy.ts).
    const big = path.join(os.tmpdir(), `uring-faults-src17-${process.pid}`);
    const small = path.join(os.tmpdir(), `uring-faults-src60k-${process.pid}`);
    fs.writeFileSync(big, Buffer.alloc(17 * MiB, 'b'));
    fs.writeFileSync(small, Buffer.alloc(60 * 1024, 's'));
    const ring = (f) => (f === uring ? withOptions({}) : f);
    const fill = (dir) => fs.writeFileSync(path.join(dir, 'fill'), Buffer.alloc(1024 * 1024 - 40 * 1024, 'f'));
    try {
      for (const [label, call] of [
        ['copyFile of 17 MiB', (f, dir) => f.copyFile(big, path.join(dir, 'f'))],
        ['copyFile of 2 MiB under withOptions (SPLICE)', (f, dir) => ring(f).copyFile(src, path.join(dir, 'f'))],
        ['copyFile of 60 KiB onto an almost full disk under withOptions (READ -> WRITE)', (f, dir) => (fill(dir), ring(f).copyFile(small, path.join(dir, 'f')))],
      ]) {
        const seen = await same(label, call);
        expect(seen.result.error?.code, label).to.equal('ENOSPC');
        expect(seen.files.f, label).to.equal(undefined);
      }
    } finally {
      fs.rmSync(big, { force: true });
      fs.rmSync(small, { force: true });
    }
  });

  it('FileHandle.write then read on the same handle: the position is where Node has it', async () => {
    await same(
      'position after a short write',
      onHandle('w+', async (h) => {
        await h.write(data);
        await h.write(Buffer.from('x')).catch(() => {});
        const { bytesRead } = await h.read(Buffer.alloc(16), 0, 16, null);
        return bytesRead;
      }),
    );
  });
});

describe('faults: short reads (FIFOs and pipes)', () => {
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-faults-fifo-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A FIFO fed by a child that writes `pieces` pieces of `size` bytes, one per millisecond or so. */
  function fedFifo(name, pieces, size) {
    const p = path.join(dir, name);
    execFileSync('mkfifo', [p]);
    const child = spawn(process.execPath, ['-e', `
      const fs = require('fs');
      const fd = fs.openSync(${JSON.stringify(p)}, 'w');
      let i = 0;
      const t = setInterval(() => { fs.writeSync(fd, Buffer.alloc(${size}, 97 + (i % 26))); if (++i === ${pieces}) { clearInterval(t); fs.closeSync(fd); } }, 1);`]);
    return { p, exited: new Promise((resolve) => child.on('exit', resolve)) };
  }
  const expected = (pieces, size) => Buffer.concat(Array.from({ length: pieces }, (_, i) => Buffer.alloc(size, 97 + (i % 26))));

  for (const [label, read] of [
    ['readFile', (f, p) => f.readFile(p)],
    ['readFile with a signal', (f, p) => f.readFile(p, { signal: new AbortController().signal })],
    ['FileHandle.readFile', async (f, p) => {
      const h = await f.open(p);
      try {
        return await h.readFile();
      } finally {
        await h.close();
      }
    }],
  ]) {
    it(`${label} of a FIFO written in 1,000-byte pieces reads all 100,000 bytes, as Node does`, async () => {
      for (const impl of [node, uring]) {
        const before = baseline();
        const { p, exited } = fedFifo(`f-${impl === node ? 'n' : 'u'}`, 100, 1000);
        const got = await read(impl, p);
        await exited;
        expect(got.length, label).to.equal(100_000);
        expect(got.equals(expected(100, 1000)), label).to.equal(true);
        if (impl === uring) await expectNoLeaks(before);
      }
    });
  }

  it('readFile of more than a chunk (64 KiB) from a FIFO, in pieces of odd sizes', async () => {
    const before = baseline();
    const { p, exited } = fedFifo('big', 60, 4099);
    const got = await uring.readFile(p);
    await exited;
    expect(got.equals(expected(60, 4099))).to.equal(true);
    await expectNoLeaks(before);
  });

  it("readFile('/dev/stdin') of a pipe written in pieces reads it all, as Node does", () => {
    // A shell pipeline, so stdin is a pipe (a child's stdio from spawn is a socket, which /dev/stdin cannot open).
    fs.writeFileSync(path.join(dir, 'producer.cjs'), `
      let i = 0;
      const t = setInterval(() => { process.stdout.write(Buffer.alloc(1000, 97 + (i % 26))); if (++i === 100) clearInterval(t); }, 1);`);
    const run = (lib) => {
      fs.writeFileSync(path.join(dir, 'reader.mjs'), `
        const f = (await import(${JSON.stringify(lib)})).default;
        const got = await f.readFile('/dev/stdin');
        process.stdout.write(JSON.stringify({ length: got.length, sha: (await import('node:crypto')).createHash('sha1').update(got).digest('hex') }));`);
      const q = (s) => `'${s}'`;
      return JSON.parse(execFileSync('sh', ['-c', `${q(process.execPath)} ${q(path.join(dir, 'producer.cjs'))} | ${q(process.execPath)} ${q(path.join(dir, 'reader.mjs'))}`], { encoding: 'utf8', timeout: 20_000 }));
    };
    const nodes = run('node:fs/promises');
    expect(nodes.length).to.equal(100_000);
    expect(run(import.meta.resolve('@uring/fs/promises'))).to.deep.equal(nodes);
  });
});

describe('faults: files replaced by rename while they are read', () => {
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-faults-rename-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  // Sizes on both sides of the first read (64 KiB) and of a 1 MiB request.
  for (const [a, b] of [[10_000, 30_000], [40_000, 100_000], [100_000, 300_000], [700_000, 1_500_000]]) {
    it(`readFile returns the old or the new file whole, never a mix (${a} and ${b} bytes, written to a temp name and renamed over)`, async function () {
      this.timeout(30_000);
      const target = path.join(dir, 'target');
      const versions = [Buffer.alloc(a, 'a'), Buffer.alloc(b, 'b')];
      fs.writeFileSync(target, versions[0]);
      const before = baseline();
      let stop = false;
      let renames = 0;
      const writer = (async () => {
        for (let i = 1; !stop; i++) {
          const tmp = `${target}.${i}.tmp`;
          await node.writeFile(tmp, versions[i % 2]);
          await node.rename(tmp, target);
          renames++;
        }
      })();
      let reads = 0;
      const wrong = [];
      // 600 ms, and on a loaded machine on until the writer has renamed a few times (at most 10 s more).
      const until = performance.now() + 600;
      while (performance.now() < until || (renames <= 3 && performance.now() < until + 10_000)) {
        const got = await Promise.all(Array.from({ length: 8 }, () => uring.readFile(target)));
        for (const buf of got) {
          reads++;
          if (!versions.some((v) => v.equals(buf))) wrong.push(buf.length);
        }
        await new Promise((resolve) => setImmediate(resolve)); // the writer's turn
      }
      stop = true;
      await writer;
      expect(renames).to.be.greaterThan(3);
      expect(wrong, `${wrong.length} of ${reads} reads were neither file`).to.deep.equal([]);
      await expectNoLeaks(before);
    });
  }
});

describe('faults: io_uring denied (seccomp), withOptions({ signal, timeout })', () => {
  it('an aborted signal rejects readFile, writeFile and stat with AbortError and writes nothing; a deadline rejects ETIMEDOUT', function () {
    this.timeout(30_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-faults-denied-'));
    try {
      const script = `
        import fs from 'node:fs';
        import { execFileSync } from 'node:child_process';
        import { withOptions, isNative } from '@uring/fs';
        const dir = ${JSON.stringify(dir)};
        fs.writeFileSync(dir + '/a', 'before');
        const name = (p) => p.then(() => 'resolved', (e) => [e.name, e.code]);
        const f = withOptions({ signal: AbortSignal.abort() });
        const out = { native: isNative() };
        out.readFile = await name(f.readFile(dir + '/a'));
        out.writeFile = await name(f.writeFile(dir + '/a', 'after'));
        out.appendFile = await name(f.appendFile(dir + '/a', 'after'));
        out.stat = await name(f.stat(dir + '/a'));
        out.content = fs.readFileSync(dir + '/a', 'utf8');
        execFileSync('mkfifo', [dir + '/fifo']);
        const t = performance.now();
        out.deadline = await name(withOptions({ timeout: 50 }).readFile(dir + '/fifo'));
        out.inTime = performance.now() - t < 2000;
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 30);
        out.abort = await name(withOptions({ signal: ac.signal }).stat(dir + '/a'));
        out.ok = await withOptions({ timeout: 5000, signal: new AbortController().signal }).readFile(dir + '/a', 'utf8');
        // Node's own readFile still waits in open() for a writer: give it one, so the process can exit.
        fs.closeSync(fs.openSync(dir + '/fifo', fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
        console.log(JSON.stringify(out));`;
      const r = spawnSync(process.execPath, ['--require', denyFixture, '--input-type=module', '-e', script], {
        cwd: pkgDir, env: { ...process.env, URING_DENY: 'EPERM' }, encoding: 'utf8', timeout: 20_000,
      });
      expect(r.status, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout);
      expect(out).to.deep.include({
        native: false,
        readFile: ['AbortError', 'ABORT_ERR'],
        writeFile: ['AbortError', 'ABORT_ERR'],
        appendFile: ['AbortError', 'ABORT_ERR'],
        stat: ['AbortError', 'ABORT_ERR'],
        content: 'before',
        deadline: ['Error', 'ETIMEDOUT'],
        inTime: true,
        ok: 'before',
      });
      // A stat takes microseconds: aborting 30 ms later finds it done, as Node's would be.
      expect(out.abort).to.equal('resolved');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
