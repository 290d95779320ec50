// Where io_uring is denied (a seccomp filter, as in Docker's default profile), every call
// falls back to node:fs/promises: the same script gives the same results, and isNative() says so.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('../../core/test/fixtures/deny-io-uring.cjs', import.meta.url));
const pkgDir = fileURLToPath(new URL('..', import.meta.url));

const script = (lib) => `
  import fs from '${lib}';
  import os from 'node:os';
  import path from 'node:path';
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'uring-fb-'));
  const out = [];
  await fs.writeFile(path.join(dir, 'a'), 'hello');
  out.push(await fs.readFile(path.join(dir, 'a'), 'utf8'));
  out.push((await fs.stat(path.join(dir, 'a'))).size);
  await fs.copyFile(path.join(dir, 'a'), path.join(dir, 'b'));
  await fs.rename(path.join(dir, 'b'), path.join(dir, 'c'));
  const h = await fs.open(path.join(dir, 'c'), 'r+');
  out.push((await h.read(Buffer.alloc(5), 0, 5, 0)).bytesRead);
  await h.close();
  out.push((await fs.readdir(dir)).sort());
  out.push(await fs.readFile(path.join(dir, 'missing')).catch((e) => [e.code, e.syscall, e.message.replace(dir, '<dir>')]));
  await fs.rm(dir, { recursive: true });
  ${lib === '@uring/fs/promises' ? "const { isNative } = await import('@uring/fs'); out.push(isNative());" : 'out.push(false);'}
  console.log(JSON.stringify(out));`;

function run(lib, deny) {
  const pre = deny ? ['--require', fixture] : [];
  const r = spawnSync(process.execPath, [...pre, '--input-type=module', '-e', script(lib)], {
    cwd: pkgDir, env: { ...process.env, URING_DENY: deny ?? '' }, encoding: 'utf8', timeout: 20_000,
  });
  expect(r.status, r.stderr).to.equal(0);
  return JSON.parse(r.stdout);
}

describe('@uring/fs without io_uring', () => {
  it('passes the whole differential suite through its fallback (mocha under a seccomp filter)', function () {
    this.timeout(120_000);
    const mocha = fileURLToPath(new URL('../node_modules/mocha/bin/mocha.js', import.meta.url));
    const r = spawnSync(process.execPath, ['--require', fixture, mocha, '--exit', '--timeout', '20000', 'test/promises.test.mjs'], {
      cwd: pkgDir, env: { ...process.env, URING_DENY: 'EPERM' }, encoding: 'utf8', timeout: 110_000,
    });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/falls back to node:fs\/promises and says so/);
    expect(r.stdout).to.match(/\d+ passing/);
    expect(r.stdout).to.not.match(/failing/);
  });

  for (const deny of ['EPERM', 'ENOSYS']) {
    it(`falls back to node:fs/promises when io_uring_setup fails with ${deny}`, () => {
      const ours = run('@uring/fs/promises', deny);
      const nodes = run('node:fs/promises', deny);
      expect(ours).to.deep.equal(nodes);
      expect(ours.at(-1)).to.equal(false);
    });
  }
});
