// A completion that arrives while JavaScript is idle reaches its awaiter at once, on every Node line,
// even with an unrelated Node timer pending seconds away (Node 26 ran such promise reactions only at
// the next unrelated Node callback: DESIGN.md, "Node 26 stall"). Each case runs in a fresh process,
// so nothing of mocha's wakes the loop for us.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('./fixtures/idle-delivery.mjs', import.meta.url));
const WINDOW = 500; // ms; generous beside the milliseconds prompt delivery takes, far below the 3 s timer

function lag(which) {
  return Number(execFileSync(process.execPath, [fixture, which], { encoding: 'utf8', timeout: 10_000 }).trim());
}

describe(`delivery while the loop is idle (Node ${process.versions.node})`, () => {
  it('a kernel timeout reaches its await within milliseconds', () => {
    expect(lag('timeout')).to.be.within(0, WINDOW);
  });

  it('an observable subscriber, and a promise built on it, get the value within milliseconds', () => {
    expect(lag('observable')).to.be.within(0, WINDOW);
  });

  it("a socket read reaches its await within milliseconds of the peer's write", () => {
    expect(lag('recv')).to.be.within(0, WINDOW);
  });
});
