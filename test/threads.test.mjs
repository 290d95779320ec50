// Every package in a worker thread runs natively, on that worker's own ring.
import { expect } from 'chai';
import { Worker } from 'node:worker_threads';
import { defaultRing } from '@uring/core';

const script = new URL('./fixtures/native-in-worker.mjs', import.meta.url);

describe('worker threads, every package', () => {
  it('@uring/fs/promises, @uring/timers and @uring/net are native in workers, each on its own ring', async () => {
    const ws = [new Worker(script), new Worker(script)];
    const exits = ws.map((w) => new Promise((resolve) => w.once('exit', resolve)));
    const got = await Promise.all(ws.map((w) => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); })));
    for (const w of ws) w.postMessage('done'); // both rings were open at once: their fds are distinct
    expect(await Promise.all(exits)).to.deep.equal([0, 0]);
    for (const g of got) {
      expect(g).to.include({ fsNative: true, timersNative: true, file: '// Runs in a worker ' });
      expect(g.fileSubmissions).to.be.above(0);
      expect(g.timer).to.deep.include({ value: 'slept' });
      expect(g.timer.submissions).to.be.above(0);
      expect(g.net.value).to.equal('ping');
      expect(g.net.submissions).to.be.above(0);
    }
    expect(new Set([defaultRing().fd, got[0].ringFd, got[1].ringFd]).size).to.equal(3);
  });
});
