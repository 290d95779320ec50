// Every example runs as a real program and its output is checked.
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));
const run = (script, args = []) => promisify(execFile)(process.execPath, [path.join(here, script), ...args], { cwd: here, timeout: 60_000 });

function start(script, args, ready) {
  const child = spawn(process.execPath, [path.join(here, script), ...args], { cwd: here });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(ready);
      if (m) {
        child.stdout.removeAllListeners('data');
        resolve({ child, match: m, out });
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)));
  });
}

describe('examples', () => {
  let dir;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-examples-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const size of [0, 1, 4095, 131072, 131073, 1_000_003, 64 << 20]) {
    it(`cp copies ${size} bytes byte-identically`, async () => {
      const src = path.join(dir, `src-${size}`);
      const dst = path.join(dir, `dst-${size}`);
      fs.writeFileSync(src, crypto.randomBytes(size));
      const { stdout, stderr } = await run('cp.mjs', [src, dst, '--qd', '8', '--progress']);
      expect(stdout.trim()).to.equal(`copied ${size} bytes`);
      expect(fs.readFileSync(dst).equals(fs.readFileSync(src))).to.equal(true);
      if (size > 0) expect(stderr).to.include('100%');
    });
  }

  it('cp reports a missing source and exits non-zero', async () => {
    const err = await run('cp.mjs', [path.join(dir, 'nope'), path.join(dir, 'x')]).catch((e) => e);
    expect(err.code).to.equal(1);
    expect(err.stderr).to.include('ENOENT');
  });

  it('cat prints files in order and names the missing one', async () => {
    fs.writeFileSync(path.join(dir, 'a'), 'first\n');
    fs.writeFileSync(path.join(dir, 'b'), 'second\n');
    const err = await run('cat.mjs', [path.join(dir, 'a'), path.join(dir, 'missing'), path.join(dir, 'b')]).catch((e) => e);
    expect(err.stdout).to.equal('first\nsecond\n');
    expect(err.stderr).to.include('ENOENT');
  });

  it('du agrees with the blocks node:fs counts', async () => {
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(path.join(tree, 'x', 'y'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'x', 'f'), Buffer.alloc(50_000, 1));
    fs.writeFileSync(path.join(tree, 'x', 'y', 'g'), Buffer.alloc(9_000, 1));
    let blocks = 0;
    const walk = (p) => { const st = fs.lstatSync(p); blocks += st.blocks; if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n)); };
    walk(tree);
    const { stdout } = await run('du.mjs', [tree]);
    expect(stdout.trim()).to.equal(`${Math.floor((blocks * 512) / 1024)}\t${tree}`);
  });

  it('tail prints the last lines and follows appended data', async () => {
    const file = path.join(dir, 'log');
    fs.writeFileSync(file, Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const { child, out: first } = await start('tail.mjs', [file, '--lines', '3', '--for', '3000'], /line 19\n/);
    expect(first).to.equal('line 17\nline 18\nline 19\n');
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    fs.appendFileSync(file, 'appended\n');
    await new Promise((r) => child.on('exit', r));
    expect(out).to.equal('appended\n');
  });

  it('the echo server echoes every byte', async () => {
    const { child, match } = await start('echo-server.mjs', ['--port', '0'], /listening on [\d.]+:(\d+)/);
    const port = Number(match[1]);
    const payload = crypto.randomBytes(1 << 20);
    const got = await new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      const parts = [];
      let n = 0;
      s.on('data', (d) => { parts.push(d); n += d.length; if (n === payload.length) { s.end(); resolve(Buffer.concat(parts)); } });
      s.on('error', reject);
      s.write(payload);
    });
    expect(got.equals(payload)).to.equal(true);
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  });

  it('the http server serves files that fetch() downloads with the right bytes', async () => {
    const root = path.join(dir, 'www');
    fs.mkdirSync(root);
    const body = crypto.randomBytes(300_000);
    fs.writeFileSync(path.join(root, 'blob.bin'), body);
    const { child, match } = await start('http-server.mjs', ['--port', '0', '--root', root], /http:\/\/[\d.]+:(\d+)\//);
    const base = `http://127.0.0.1:${match[1]}`;
    const res = await fetch(`${base}/blob.bin`);
    expect(res.status).to.equal(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).to.equal(true);
    expect((await fetch(`${base}/missing`)).status).to.equal(404);
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  });

  it('hash: a pool of workers, each on its own ring, gives the sha256 a single thread computes', async () => {
    const sizes = [0, 1, 262143, 262144, 262145, 1 << 20, (1 << 20) + 3, 5_000_011, ...Array.from({ length: 12 }, (_, i) => 1000 * i + 17)];
    const files = sizes.map((size, i) => {
      const f = path.join(dir, `hash-${i}`);
      fs.writeFileSync(f, crypto.randomBytes(size));
      return f;
    });
    const missing = path.join(dir, 'hash-missing');
    const err = await run('hash.mjs', ['--workers', '2', ...files, missing]).catch((e) => e);
    const expected = files.map((f) => `${crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')}  ${f}`);
    expect(err.stdout.trim().split('\n')).to.deep.equal(expected);
    expect(err.stderr).to.include(`hash: ${missing}: ENOENT`);
    expect(err.code).to.equal(1);
    const { stdout } = await run('hash.mjs', ['--workers', '3', ...files.slice(0, 5)]);
    expect(stdout.trim().split('\n')).to.deep.equal(expected.slice(0, 5));
  });

  it('http-threads: worker threads share one port (reusePort), the kernel spreads connections over them', async () => {
    const { child, match } = await start('http-threads.mjs', ['--workers', '2', '--port', '0'], /on http:\/\/127\.0\.0\.1:(\d+)\/ with 2 worker threads/);
    const port = Number(match[1]);
    for (let i = 0; i < 40; i++) {
      // A new connection each time: the kernel picks a listener per connection.
      const body = await new Promise((resolve, reject) => {
        const req = net.connect(port, '127.0.0.1', () => req.end('GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'));
        let raw = '';
        req.on('data', (d) => (raw += d)).on('end', () => resolve(raw.split('\r\n\r\n')[1]));
        req.on('error', reject);
      });
      expect(body).to.equal('hello');
    }
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
    // Each thread served some of the 40 (40 connections all to one of 2 listeners: 2 in 10^12).
    const served = /served (\d+) (\d+)/.exec(out)?.slice(1).map(Number);
    expect(served, out).to.have.lengthOf(2);
    expect(served[0] + served[1]).to.equal(40);
    expect(Math.min(...served), `requests per thread: ${served}`).to.be.above(0);
  });

  it('cancel shows an abort and a deadline', async () => {
    const { stdout } = await run('cancel.mjs');
    expect(stdout).to.equal('aborted: AbortError (ABORT_ERR)\ndeadline: ETIMEDOUT read\n');
  });

  it('eventfd: a thread blocked on the eventfd wakes when the ring completes an op', async () => {
    const { stdout } = await run('eventfd.mjs');
    const m = stdout.match(/eventfd signalled after (\d+) ms, counter (\d+)\nthe timeout completed: timeout\n/);
    expect(m, stdout).to.not.equal(null);
    expect(Number(m[1])).to.be.at.least(29);
    expect(Number(m[2])).to.be.at.least(1);
  });

  it('the demo runs', async () => {
    const { stdout } = await run('demo.mjs');
    expect(stdout).to.match(/ratio: [\d.]+x/);
  });
});
