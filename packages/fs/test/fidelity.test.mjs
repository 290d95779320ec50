// What Node's own fs/promises tests (and real libraries) check that a rewrite easily misses:
// each case compares @uring/fs/promises with node:fs/promises on the same input.
import { expect } from 'chai';
import fs from 'node:fs';
import nodeFsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import uring from '@uring/fs/promises';
import { withOptions } from '@uring/fs';

/** What a call gave: its result (prototype included) or its error's code and class. */
async function outcome(call) {
  try {
    const r = await call();
    return { proto: r === undefined ? 'none' : Object.getPrototypeOf(r) === null ? null : 'object', value: r && typeof r === 'object' ? JSON.stringify({ ...r }) : r };
  } catch (e) {
    return { error: e.code ?? e.name, type: e.constructor.name };
  }
}

const hasWebStream = await nodeFsp.open('/dev/null').then(async (h) => {
  const has = typeof h.readableWebStream === 'function';
  await h.close();
  return has;
});

describe('@uring/fs/promises: what Node\'s own tests pin down', () => {
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fidelity-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('times', () => {
    for (const [label, when] of [['before 1970', new Date('1969-07-20T20:17:40.123Z')], ['sub-millisecond', 1_700_000_000.1234567], ['1970 itself', 0.5]]) {
      it(`stat and lstat read a time ${label} as Node does`, async () => {
        const f = path.join(dir, 'f');
        fs.writeFileSync(f, 'x');
        fs.utimesSync(f, when, when);
        for (const call of ['stat', 'lstat']) {
          const [a, b] = [await nodeFsp[call](f), await uring[call](f)];
          expect(b.mtimeMs, call).to.equal(a.mtimeMs);
          expect(b.atime.getTime(), call).to.equal(a.atime.getTime());
          const [x, y] = [await nodeFsp[call](f, { bigint: true }), await uring[call](f, { bigint: true })];
          expect(y.mtimeNs, call).to.equal(x.mtimeNs);
        }
        const h = await uring.open(f);
        try {
          expect((await h.stat()).mtimeMs).to.equal((await nodeFsp.stat(f)).mtimeMs);
        } finally {
          await h.close();
        }
      });
    }
  });

  /** Runs `call` on a handle of each implementation, on files with the same content: same outcome, same bytes after. */
  async function sameOnHandles(label, call, flags = 'r+') {
    const got = [];
    for (const impl of [nodeFsp, uring]) {
      const f = path.join(dir, `${impl === uring ? 'u' : 'n'}-${label.replace(/\W/g, '_')}`);
      fs.writeFileSync(f, 'abcdefgh');
      const h = await impl.open(f, flags);
      const r = await outcome(() => call(h));
      await h.close();
      got.push([r, fs.readFileSync(f, 'latin1')]);
    }
    expect(got[1], label).to.deep.equal(got[0]);
  }

  /** Runs `call(impl, folder)` for each implementation in a folder of its own holding the same files: same outcome, same tree after. */
  async function sameCalls(label, call) {
    const got = [];
    for (const impl of [nodeFsp, uring]) {
      const d = path.join(dir, impl === uring ? 'u' : 'n');
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'file'), 'content');
      const r = await outcome(() => call(impl, d));
      const tree = Object.fromEntries(fs.readdirSync(d, { encoding: 'buffer' }).map((n) => [n.toString('hex'), fs.readFileSync(Buffer.concat([Buffer.from(d + '/'), n]), 'latin1')]));
      got.push([r, tree]);
    }
    expect(got[1], label).to.deep.equal(got[0]);
  }

  describe('module calls', () => {
    const raw = (d, ...bytes) => Buffer.concat([Buffer.from(`${d}/`), Buffer.from(bytes)]);
    const cases = {
      'open with flags 2^53': (m, d) => m.open(`${d}/file`, 2 ** 53).then((h) => h.close()),
      'open with flags 2^31': (m, d) => m.open(`${d}/file`, 2 ** 31).then((h) => h.close()),
      'readFile with options 7': (m, d) => m.readFile(`${d}/file`, 7),
      'readFile with options true': (m, d) => m.readFile(`${d}/file`, true),
      'writeFile with options 5': (m, d) => m.writeFile(`${d}/new`, 'x', 5),
      'appendFile with options 5': (m, d) => m.appendFile(`${d}/new`, 'x', 5),
      'writeFile with a function for options': (m, d) => m.writeFile(`${d}/new`, 'x', () => {}),
      "readFile(p, 'buffer')": (m, d) => m.readFile(`${d}/file`, 'buffer'),
      "writeFile(p, d, 'buffer')": (m, d) => m.writeFile(`${d}/new`, 'x', 'buffer'),
      'writeFile with flush 0': (m, d) => m.writeFile(`${d}/new`, 'x', { flush: 0 }),
      "appendFile with flush 'yes'": (m, d) => m.appendFile(`${d}/new`, 'x', { flush: 'yes' }),
      'writeFile with flush true': (m, d) => m.writeFile(`${d}/new`, 'x', { flush: true }),
      'appendFile with flush false': (m, d) => m.appendFile(`${d}/file`, 'x', { flush: false }),
      "empty writeFile with flag 'r'": (m, d) => m.writeFile(`${d}/file`, '', { flag: 'r' }),
      "empty appendFile with flag 'r'": (m, d) => m.appendFile(`${d}/file`, new Uint8Array(0), { flag: 'r' }),
      "writeFile with flag 'r'": (m, d) => m.writeFile(`${d}/file`, 'x', { flag: 'r' }),
      'empty writeFile makes the file': (m, d) => m.writeFile(`${d}/new`, ''),
      'a Buffer path that is not UTF-8 (writeFile)': (m, d) => m.writeFile(raw(d, 0xff, 0xfe), 'raw'),
      'a Buffer path that is not UTF-8 (readFile, stat, open)': async (m, d) => {
        fs.writeFileSync(raw(d, 0xc3, 0x28), 'latin');
        const h = await m.open(raw(d, 0xc3, 0x28));
        const r = [await m.readFile(raw(d, 0xc3, 0x28), 'utf8'), (await m.stat(raw(d, 0xc3, 0x28))).size, (await h.readFile()).toString()];
        await h.close();
        return r;
      },
      'a Buffer path that is UTF-8': (m, d) => m.writeFile(raw(d, 0xc3, 0xa9), 'utf8'),
      // Node 26 takes only a plain object for stat's options (an array is ERR_INVALID_ARG_TYPE); earlier lines stat the file.
      'stat with an array for options': (m, d) => m.stat(`${d}/file`, []).then((s) => s.size),
      'lstat with an array for options': (m, d) => m.lstat(`${d}/file`, []).then((s) => s.size),
    };
    for (const [label, call] of Object.entries(cases)) it(`${label}: as Node`, () => sameCalls(label, call));
  });

  it("an aborted withOptions({ signal }).copyFile rejects with Node's AbortError (not the signal's reason)", async () => {
    const f = __filenameOf(dir);
    for (const signal of [AbortSignal.abort(), AbortSignal.abort(new Error('why'))]) {
      const e = await withOptions({ signal }).copyFile(f, `${f}.copy`).catch((err) => err);
      expect(e.name).to.equal('AbortError');
      expect(e.code).to.equal('ABORT_ERR');
      expect(e).to.not.be.an.instanceof(DOMException);
      expect(e.cause).to.equal(signal.reason);
      expect(fs.existsSync(`${f}.copy`)).to.equal(false);
    }
  });

  describe('FileHandle', () => {
    const one = () => Buffer.from('Z');
    const cases = {
      'write at NaN': (h) => h.write(one(), 0, 1, NaN),
      'write at -5': (h) => h.write(one(), 0, 1, -5),
      'write at 2^53': (h) => h.write(one(), 0, 1, 2 ** 53),
      'write at a bigint': (h) => h.write(one(), 0, 1, 3n),
      'write of a string at 2 in hex': (h) => h.write('abc', 2, 'hex'),
      'write of a string with an unknown encoding': (h) => h.write('abc', 2, 'nope'),
      'write with offset past the end': (h) => h.write(one(), 2),
      'write with length -1': (h) => h.write(one(), 0, -1),
      'read at -3': (h) => h.read(Buffer.alloc(4), 0, 4, -3),
      'read of 0 bytes': (h) => h.read(Buffer.alloc(4), 0, 0, 0),
      'read into an empty buffer': (h) => h.read(Buffer.alloc(0), 0, 0, 0),
      'readv at -3': (h) => h.readv([Buffer.alloc(2)], -3),
      'readv([])': (h) => h.readv([]),
      'writev([])': (h) => h.writev([]),
      'writev at 1.5': (h) => h.writev([one()], 1.5),
      'read, plain': (h) => h.read(Buffer.alloc(4), 0, 4, 1),
      'write, plain': (h) => h.write(one(), 0, 1, 1),
      'readv, plain': (h) => h.readv([Buffer.alloc(2), Buffer.alloc(3)], 1),
      'writev, plain': (h) => h.writev([one(), one()], 6),
      "writeFile(buf, 'bogus')": (h) => h.writeFile(one(), 'bogus'),
      'writeFile with flush 1': (h) => h.writeFile('x', { flush: 1 }),
      'readFile with encoding buffer': (h) => h.readFile('buffer'),
      'truncate to 1.5': (h) => h.truncate(1.5),
      'stat with bigint 1': (h) => h.stat({ bigint: 1 }).then((s) => typeof s.size),
      'stat with an array for options': (h) => h.stat([]).then((s) => typeof s.size),
      'a closed handle before bad arguments (write)': (h) => h.close().then(() => h.write(one(), 0, 1, NaN)),
      'a closed handle before bad arguments (read)': (h) => h.close().then(() => h.read('nope')),
      'a closed handle before bad arguments (writeFile)': (h) => h.close().then(() => h.writeFile(5)),
      'a closed handle (readFile)': (h) => h.close().then(() => h.readFile()),
      'a method on another object': (h) => h.stat.call({}),
    };
    for (const [label, call] of Object.entries(cases)) it(`${label}: as Node`, () => sameOnHandles(label, call));

    for (const [label, data] of [['an empty iterable', () => []], ['a string', () => 'text'], ['bytes', () => Buffer.from('bytes')]]) {
      it(`writeFile(${label}, { signal }) sees an abort queued with process.nextTick before the open, as Node does`, async () => {
        const got = [];
        for (const impl of [nodeFsp, uring]) {
          const c = new AbortController();
          process.nextTick(() => c.abort());
          const h = await impl.open(__filenameOf(dir), 'r+');
          got.push(await outcome(() => h.writeFile(data(), { signal: c.signal })));
          const d = new AbortController();
          process.nextTick(() => d.abort());
          const g = await impl.open(__filenameOf(dir), 'r+');
          got.push(await outcome(() => g.readFile({ signal: d.signal })));
          await Promise.all([h.close(), g.close()]);
        }
        expect(got.slice(2)).to.deep.equal(got.slice(0, 2));
        expect(got[0].error).to.equal('ABORT_ERR');
      });
    }

    it("is an instance of Node's own FileHandle class", async () => {
      const n = await nodeFsp.open(__filenameOf(dir));
      const h = await uring.open(__filenameOf(dir));
      expect(h).to.be.an.instanceof(n.constructor);
      await Promise.all([n.close(), h.close()]);
    });

    it("node:fs/promises' readFile(fh) and writeFile(fh) take it", async () => {
      const f = __filenameOf(dir);
      const h = await uring.open(f, 'r+');
      expect(await nodeFsp.readFile(h, 'utf8')).to.equal('abcdefgh');
      await nodeFsp.writeFile(h, 'XY');
      await h.close();
      expect(fs.readFileSync(f, 'utf8')).to.equal('abcdefghXY');
    });

    it('fs.createReadStream and fs.createWriteStream take it as their fd, and close it', async () => {
      const f = __filenameOf(dir);
      const r = await uring.open(f);
      const chunks = [];
      for await (const c of fs.createReadStream(null, { fd: r })) chunks.push(c);
      expect(Buffer.concat(chunks).toString()).to.equal('abcdefgh');
      expect(r.fd).to.equal(-1);
      const w = await uring.open(f, 'w');
      await new Promise((resolve, reject) => fs.createWriteStream(null, { fd: w }).on('error', reject).on('close', resolve).end('written'));
      expect(fs.readFileSync(f, 'utf8')).to.equal('written');
      expect(w.fd).to.equal(-1);
    });

    it('moves to a worker in a transfer list, and is closed here after', async () => {
      const h = await uring.open(__filenameOf(dir));
      const w = new Worker(`const { parentPort, workerData } = require('node:worker_threads');
        workerData.h.readFile('utf8').then(async (t) => { await workerData.h.close(); parentPort.postMessage(t); });`, { eval: true, workerData: { h }, transferList: [h] });
      const [text] = await new Promise((resolve, reject) => w.once('message', (m) => resolve([m])).once('error', reject));
      expect(text).to.equal('abcdefgh');
      expect(h.fd).to.equal(-1);
      const e = await h.read(Buffer.alloc(1), 0, 1, 0).catch((err) => err);
      expect(e.code).to.equal('EBADF');
    });

    it('cannot be transferred while an op is in flight, as Node says', async () => {
      const h = await uring.open(__filenameOf(dir));
      const reading = h.read(Buffer.alloc(1), 0, 1, 0);
      const { port1 } = new MessageChannel();
      expect(() => port1.postMessage(h, [h])).to.throw(/Cannot transfer FileHandle while in use/);
      await reading;
      await h.close();
      port1.close();
    });

    if (hasWebStream) {
      it("readableWebStream: a second call, or one after close, is Node's ERR_INVALID_STATE", async () => {
        const errs = [];
        for (const impl of [nodeFsp, uring]) {
          const h = await impl.open(__filenameOf(dir));
          const chunks = [];
          const stream = h.readableWebStream();
          const second = await outcome(() => h.readableWebStream());
          for await (const c of stream) chunks.push(Buffer.from(c));
          expect(Buffer.concat(chunks).toString()).to.equal('abcdefgh');
          await h.close();
          const g = await impl.open(__filenameOf(dir));
          await g.close();
          errs.push([second, await outcome(() => g.readableWebStream())]);
        }
        expect(errs[1]).to.deep.equal(errs[0]);
        expect(errs[1][0].error).to.equal('ERR_INVALID_STATE');
      });
    }
  });
});

/** A fresh file with 'abcdefgh' in `dir`. */
let serial = 0;
function __filenameOf(dir) {
  const f = path.join(dir, `f${serial++}`);
  fs.writeFileSync(f, 'abcdefgh');
  return f;
}
