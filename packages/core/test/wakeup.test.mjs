// After the ring's poll callback, the ticks and microtasks its completions queued run before the loop
// goes on (as after Node's own I/O callbacks), on every line: Node 26 does not drain them after a native
// callback, and the ring drains them itself there. A tick that throws is an uncaught exception, and the
// ring goes on delivering. Each case runs in a fresh process (an idle loop, nothing of mocha's).
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/wakeup-order.mjs', import.meta.url));
const run = (mode) => JSON.parse(execFileSync(process.execPath, [fixture, mode], { encoding: 'utf8', timeout: 10_000 }).trim().split('\n').pop());

describe(`the ring's wake-up (Node ${process.versions.node})`, () => {
  it("runs a completion's ticks and microtasks before an immediate it queued, as Node does after its own callbacks", () => {
    expect(run('order').seen).to.deep.equal(['tick', 'microtask', 'immediate']);
  });

  it('a tick that throws is an uncaught exception; the rest still run and later completions are delivered', () => {
    const { seen, thrown } = run('throw');
    expect(thrown).to.equal(1);
    expect(seen).to.include.members(['tick', 'uncaught:from a tick', 'immediate', 'microtask', 'second']);
    expect(seen.indexOf('second')).to.equal(seen.length - 1);
  });
});
