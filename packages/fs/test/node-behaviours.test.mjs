// Behaviours pinned down by Node's own test/parallel/test-fs-promises*.js, run against both
// node:fs/promises and @uring/fs/promises: each check must hold for both.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import node from 'node:fs/promises';
import uring from '@uring/fs/promises';

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
  });
}
