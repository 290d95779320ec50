// `node --import @uring/fs/register` (and --require) makes a program's and its dependencies'
// fs/promises ours without editing them: a small app with a dependency in node_modules, run as a user would.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The app: every way to reach fs/promises, in the app, in a CJS and an ESM dependency, a worker and a child. */
function makeApp() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-register-'));
  const w = (p, text) => {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), text);
  };
  fs.mkdirSync(path.join(dir, 'node_modules', '@uring'), { recursive: true });
  fs.symlinkSync(pkg, path.join(dir, 'node_modules', '@uring', 'fs'));
  w('node_modules/tiny-cjs/package.json', '{ "name": "tiny-cjs", "main": "index.js" }');
  w('node_modules/tiny-cjs/index.js', `const fs = require('fs');
    exports.seen = { fsPromises: fs.promises, req: require('fs/promises'), nodeReq: require('node:fs/promises') };
    exports.copy = async (a, b) => fs.promises.writeFile(b, await fs.promises.readFile(a));`);
  w('node_modules/tiny-esm/package.json', '{ "name": "tiny-esm", "type": "module", "exports": "./index.js" }');
  w('node_modules/tiny-esm/index.js', `import fsp from 'node:fs/promises'; import * as ns from 'fs/promises'; import { promises } from 'fs'; import fs from 'fs';
    export const seen = { def: fsp, ns: ns.readFile, promises, fsDefault: fs.promises };`);
  w('app.mjs', `import { createRequire } from 'node:module';
    import { Worker } from 'node:worker_threads';
    import { execFileSync } from 'node:child_process';
    import { seen as esm } from 'tiny-esm';
    const require = createRequire(import.meta.url);
    const ours = require('@uring/fs/promises');
    const cjs = require('tiny-cjs');
    await cjs.copy(new URL(import.meta.url).pathname, process.argv[2]);
    const handle = await require('fs').promises.open(process.argv[2]);
    const out = {
      cjs: Object.values(cjs.seen).map((m) => m === ours),
      esm: [esm.def === ours, esm.ns === ours.readFile, esm.promises === ours, esm.fsDefault === ours],
      builtin: typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('fs/promises') === ours : true,
      handleIsOurs: handle instanceof (await import('@uring/fs')).FileHandle && Object.getPrototypeOf((await import('@uring/fs')).FileHandle).name === 'FileHandle',
      copied: require('fs').readFileSync(process.argv[2], 'utf8').includes('tiny-esm'),
    };
    await handle.close();
    out.worker = await new Promise((resolve, reject) => new Worker(new URL('./worker.cjs', import.meta.url)).once('message', resolve).once('error', reject));
    out.child = execFileSync(process.execPath, ['-e', "process.stdout.write(String(require('fs').promises === require('@uring/fs/promises')))"], { cwd: process.cwd(), encoding: 'utf8' });
    console.log(JSON.stringify(out));`);
  // A loader registered after ours that resolves the builtin itself (a mock or TypeScript loader under a test
  // runner does): on Node 20 its resolve runs before ours and never asks it; the load of node:fs/promises still reaches ours.
  w('late-loader.mjs', "import { register } from 'node:module'; register(new URL('./late-hooks.mjs', import.meta.url));");
  w('late-hooks.mjs', `export async function resolve(specifier, context, next) {
      return /^(node:)?fs\\/promises$/.test(specifier) ? { url: 'node:fs/promises', shortCircuit: true } : next(specifier, context);
    }`);
  // A loader whose resolve hook, on the loader thread, waits for an answer from the main thread (tap's mocks do):
  // Node 22's in-thread hooks (module.registerHooks) beside it deadlock that wait; Node 24 and 26 deadlock it by themselves.
  w('port-loader.mjs', `import { register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (id) => port1.postMessage(id));
    port1.unref();
    register(new URL('./port-hooks.mjs', import.meta.url), { data: { port: port2 }, transferList: [port2] });`);
  w('port-hooks.mjs', `let port; let next = 0; const waiting = new Map();
    export function initialize(data) {
      port = data.port;
      port.on('message', (id) => { waiting.get(id)(); waiting.delete(id); if (!waiting.size) port.unref(); });
      port.unref();
    }
    export async function resolve(specifier, context, nextResolve) {
      if (context.parentURL) await new Promise((resolve) => { const id = next++; waiting.set(id, resolve); port.ref(); port.postMessage(id); });
      return nextResolve(specifier, context);
    }`);
  w('port-app.mjs', "const { readFile } = await import('node:fs/promises'); console.log(JSON.stringify(typeof readFile));");
  // A mock loader (tap's t.mockImport works so) that sends 'fs/promises' to a module of its own: registered before ours,
  // so ours asks it first when ours is flagged after it (`tap --node-arg=--import=@uring/fs/register`).
  w('mock-loader.mjs', "import { register } from 'node:module'; register(new URL('./mock-hooks.mjs', import.meta.url));");
  w('mock-hooks.mjs', `export async function resolve(specifier, context, next) {
      return specifier === 'fs/promises' ? { url: new URL('./mock-fsp.mjs', import.meta.url).href, shortCircuit: true } : next(specifier, context);
    }`);
  w('mock-fsp.mjs', "export default 'mocked';");
  w('mock-app.mjs', "import fsp from 'fs/promises'; import nfsp from 'node:fs/promises'; console.log(JSON.stringify([fsp, nfsp === (await import('@uring/fs/promises')).default]));");
  w('late-app.mjs', `import { createRequire } from 'node:module';
    import fsp from 'fs/promises'; import * as ns from 'fs/promises'; import nfsp from 'node:fs/promises';
    const ours = createRequire(import.meta.url)('@uring/fs/promises');
    console.log(JSON.stringify([fsp === ours, ns.readFile === ours.readFile, nfsp === ours]));`);
  w('worker.cjs', "require('node:worker_threads').parentPort.postMessage(require('fs').promises === require('@uring/fs/promises'));");
  w('app.cjs', `const ours = require('@uring/fs/promises');
    const cjs = require('tiny-cjs');
    const d = Object.getOwnPropertyDescriptor(require('fs'), 'promises');
    const shape = [d.enumerable, d.configurable, 'value' in d, typeof d.set, d.get.name, d.get.length];
    console.log(JSON.stringify({ cjs: Object.values(cjs.seen).map((m) => m === ours), shape }));`);
  return dir;
}

function run(dir, args, env = {}) {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { cwd: dir, env: { ...process.env, ...env } }, (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(JSON.parse(stdout)))),
  );
}

describe('@uring/fs/register', function () {
  this.timeout(60_000);
  let dir;
  before(() => {
    dir = makeApp();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('node --import @uring/fs/register: the app, its CJS and ESM dependencies and a worker get ours; a child when asked', async () => {
    const out = await run(dir, ['--import', '@uring/fs/register', 'app.mjs', path.join(dir, 'copy.txt')], { URING_FS_REGISTER_CHILDREN: '1' });
    expect(out).to.deep.equal({ cjs: [true, true, true], esm: [true, true, true, true], builtin: true, handleIsOurs: true, copied: true, worker: true, child: 'true' });
  });

  it('a loader registered after ours that resolves fs/promises itself still hands out ours', async () => {
    const out = await run(dir, ['--no-warnings', '--import', '@uring/fs/register', '--import', './late-loader.mjs', 'late-app.mjs']);
    expect(out).to.deep.equal([true, true, true]);
  });

  it('a mock of fs/promises from a loader registered before ours stays the mock; the rest is ours', async () => {
    const out = await run(dir, ['--no-warnings', '--import', './mock-loader.mjs', '--import', '@uring/fs/register', 'mock-app.mjs']);
    expect(out).to.deep.equal(['mocked', true]);
  });

  it('a loader that waits on the main thread finishes (or not) as it does without ours', async () => {
    // Both runs at once; each either prints within the window or is stopped (SIGTERM) and reports null.
    const finish = (args) =>
      new Promise((resolve) => execFile(process.execPath, ['--no-warnings', ...args], { cwd: dir, timeout: 15_000 }, (err, stdout) => resolve(err ? null : stdout.trim())));
    const [ours, node] = await Promise.all([
      finish(['--import', '@uring/fs/register', '--import', './port-loader.mjs', 'port-app.mjs']),
      finish(['--import', './port-loader.mjs', 'port-app.mjs']),
    ]);
    expect(ours).to.equal(node);
  });

  it('a child process keeps Node\'s own unless asked', async () => {
    const out = await run(dir, ['--import', '@uring/fs/register', 'app.mjs', path.join(dir, 'copy2.txt')]);
    expect(out.child).to.equal('false');
    expect(out.cjs).to.deep.equal([true, true, true]);
  });

  it('node --require @uring/fs/register for a CommonJS app; fs.promises keeps the shape of Node\'s own property', async () => {
    const [ours, node] = await Promise.all([run(dir, ['--require', '@uring/fs/register', 'app.cjs']), run(dir, ['app.cjs'])]);
    expect(ours.cjs).to.deep.equal([true, true, true]);
    expect(ours.shape).to.deep.equal(node.shape);
  });

  it('without it, everything is Node\'s own', async () => {
    expect((await run(dir, ['app.cjs'])).cjs).to.deep.equal([false, false, false]);
  });
});
