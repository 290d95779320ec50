// Property-based: random sequences of calls run on node:fs/promises and @uring/fs/promises in sibling
// folders must give equal results, equal errors after each call, and equal trees at the end.
import { expect } from 'chai';
import fc from 'fast-check';
import path from 'node:path';
import nodeFsp from 'node:fs/promises';
import { both, sandbox, tree } from './differential.mjs';

const name = fc.constantFrom('a', 'b', 'c', 'd/a', 'd/b', 'd', 'e/f/g');
const data = fc.oneof(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 300_000 }).map((u) => Buffer.from(u)));
const enc = fc.constantFrom(undefined, 'utf8', 'hex', 'base64', 'latin1');

// Any export with odd arguments: both must reject (or resolve) alike. Paths stay in the sandbox; watch never ends, so it is left out.
const exportsToTry = Object.keys(nodeFsp).filter((k) => typeof nodeFsp[k] === 'function' && k !== 'watch' && !k.startsWith('mkdtemp') && k !== 'statfs'); // (mkdtemp's names are random; statfs's free counts move)
const junk = fc.constantFrom(undefined, null, -1, NaN, 2 ** 53, 1.5, 0, 7, 1n, 'r', 'w+', 'utf8', 'buffer', 'bogus', '', {}, [], true,
  { encoding: 'bogus' }, { encoding: 'buffer' }, { flag: 'r' }, { flag: 'bogus' }, { recursive: 'yes' }, { recursive: true }, { mode: -1 }, { mode: 'x' },
  { signal: 1 }, { flush: 1 }, { bigint: 1 }, { withFileTypes: 1 }, { force: 1 });
const TWO_PATHS = new Set(['rename', 'link', 'symlink', 'copyFile', 'cp']);
const where = fc.constantFrom('path', 'buffer', 'url', 'nul', 'number', 'object', 'none');

const call = fc.oneof(
  fc.record({ op: fc.constant('odd'), fn: fc.constantFrom(...exportsToTry), first: where, p: name, q: name, second: fc.oneof(junk, fc.constant('<q>')), rest: fc.array(junk, { maxLength: 2 }) }),
  fc.record({ op: fc.constant('writeFile'), p: name, data, flag: fc.constantFrom(undefined, 'w', 'a', 'wx') }),
  fc.record({ op: fc.constant('appendFile'), p: name, data }),
  fc.record({ op: fc.constant('readFile'), p: name, enc }),
  fc.record({ op: fc.constant('mkdir'), p: name, recursive: fc.boolean() }),
  fc.record({ op: fc.constant('rmdir'), p: name }),
  fc.record({ op: fc.constant('unlink'), p: name }),
  fc.record({ op: fc.constant('rename'), p: name, q: name }),
  fc.record({ op: fc.constant('copyFile'), p: name, q: name, excl: fc.boolean() }),
  fc.record({ op: fc.constant('stat'), p: name }),
  fc.record({ op: fc.constant('lstat'), p: name }),
  fc.record({ op: fc.constant('truncate'), p: name, len: fc.nat(2000) }),
  fc.record({ op: fc.constant('link'), p: name, q: name }),
  fc.record({ op: fc.constant('symlink'), p: name, q: name }),
  fc.record({ op: fc.constant('handle'), p: name, at: fc.nat(100), text: fc.string({ maxLength: 20 }) }),
  fc.record({ op: fc.constant('openFlags'), p: name, flag: fc.constantFrom('r', 'r+', 'w', 'w+', 'a', 'ax', 'wx+', 'as+'), text: fc.string({ maxLength: 20 }) }),
  fc.record({ op: fc.constant('vectored'), p: name, parts: fc.array(fc.uint8Array({ maxLength: 5000 }).map((u) => Buffer.from(u)), { maxLength: 4 }), at: fc.option(fc.nat(10_000)) }),
  fc.record({ op: fc.constant('readdir'), p: fc.constantFrom('.', 'd', 'e', 'e/f', 'a'), types: fc.boolean() }),
  fc.record({ op: fc.constant('rm'), p: name, recursive: fc.boolean(), force: fc.boolean() }),
  fc.record({ op: fc.constant('access'), p: name, mode: fc.constantFrom(undefined, 0, 2, 4, 1) }),
  fc.record({ op: fc.constant('statBig'), p: name }),
  fc.record({ op: fc.constant('readFileFlag'), p: name, flag: fc.constantFrom('r', 'r+', 'a+', 'w+') }),
);

const at = (root, p, how) => ({ path: p, buffer: Buffer.from(p), url: new URL(`file://${p}`), nul: `${p}\u0000x`, number: 123, object: {}, none: undefined })[how];

async function apply(f, root, c) {
  const p = path.join(root, c.p);
  const q = c.q && path.join(root, c.q);
  switch (c.op) {
    case 'odd': {
      // A junk string in a path's place is a relative path: in this implementation's own folder.
      process.chdir(root);
      const args = [at(root, p, c.first), c.second === '<q>' ? (TWO_PATHS.has(c.fn) ? q : 'data') : c.second, ...c.rest];
      const r = await f[c.fn](...args);
      // A handle or a directory is closed again; what is compared is that one came back.
      if (r && typeof r.close === 'function') {
        await r.close();
        return 'closable';
      }
      if (r && typeof r[Symbol.asyncIterator] === 'function') return 'iterable';
      return r;
    }
    case 'writeFile': return f.writeFile(p, c.data, c.flag ? { flag: c.flag } : undefined);
    case 'appendFile': return f.appendFile(p, c.data);
    case 'readFile': return f.readFile(p, c.enc);
    case 'mkdir': return f.mkdir(p, { recursive: c.recursive });
    case 'rmdir': return f.rmdir(p);
    case 'unlink': return f.unlink(p);
    case 'rename': return f.rename(p, q);
    case 'copyFile': return f.copyFile(p, q, c.excl ? 1 : 0);
    case 'stat': return f.stat(p);
    case 'lstat': return f.lstat(p);
    case 'truncate': return f.truncate(p, c.len);
    case 'link': return f.link(p, q);
    case 'symlink': return f.symlink(c.q, p);
    case 'openFlags': {
      const h = await f.open(p, c.flag);
      try {
        const wrote = /[wa+]/.test(c.flag) ? await h.write(c.text).then((r) => r.bytesWritten, (e) => e.code) : null;
        const read = /[r+]/.test(c.flag) ? await h.read(Buffer.alloc(32), 0, 32, 0).then((r) => r.buffer.subarray(0, r.bytesRead), (e) => e.code) : null;
        return [wrote, read, (await h.stat()).size];
      } finally {
        await h.close();
      }
    }
    case 'vectored': {
      const h = await f.open(p, 'a+');
      try {
        const w = await h.writev(c.parts, c.at ?? undefined);
        const r = await h.readv([Buffer.alloc(100), Buffer.alloc(7000)], 0);
        return [w.bytesWritten, r.bytesRead, Buffer.concat(r.buffers).subarray(0, r.bytesRead)];
      } finally {
        await h.close();
      }
    }
    case 'readdir': return f.readdir(p, { withFileTypes: c.types }).then((es) => es.map((e) => (c.types ? [e.name, e.isFile(), e.isDirectory(), e.isSymbolicLink()] : e)).sort());
    case 'rm': return f.rm(p, { recursive: c.recursive, force: c.force });
    case 'access': return f.access(p, c.mode);
    case 'statBig': return f.stat(p, { bigint: true }).then((s) => [s.size, s.mode, s.nlink, s.isFile(), s.isDirectory()]);
    case 'readFileFlag': return f.readFile(p, { flag: c.flag });
    case 'handle': {
      const h = await f.open(p, 'a+');
      try {
        await h.write(c.text, c.at);
        return [await h.read(Buffer.alloc(64), 0, 64, 0), (await h.stat()).size];
      } finally {
        await h.close();
      }
    }
  }
}

describe('property: random call sequences behave the same on both', () => {
  const cwd = process.cwd();
  after(() => process.chdir(cwd));
  it('results, errors and final trees are equal', async function () {
    const runs = Number(process.env.FC_RUNS ?? 2000); // CI; FC_RUNS=20000 on demand
    this.timeout(Math.max(120_000, runs * 200));
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 12 }), async (calls) => {
        const box = sandbox();
        try {
          for (const c of calls) {
            const [a, b] = await both(box.roots, (f, root) => apply(f, root, c));
            expect(b, JSON.stringify({ ...c, data: undefined }, (k, v) => (typeof v === "bigint" ? `${v}n` : v))).to.deep.equal(a);
          }
          expect(tree(box.roots.uring)).to.deep.equal(tree(box.roots.node));
        } finally {
          box.cleanup();
        }
      }),
      { numRuns: runs, seed: Number(process.env.FC_SEED ?? 20261125) },
    );
  });
});
