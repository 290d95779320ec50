// bench/timers: @uring/timers beside node:timers/promises in the same script: schedule and fire
// 100,000 timeouts of 1-10 ms (timers/s, and CPU time per timer), and lateness p50/p99 of 1,000 timers of 5 ms; plus the
// liburing C programs (one kernel timeout per timer, and one per 1 ms bucket).
import { fileURLToPath } from 'node:url';
import { caseArgs, limit, median, percentile, report, reps, runCase } from './lib.mjs';

const self = fileURLToPath(import.meta.url);

async function lib(side) {
  return side === 'node' ? (await import('node:timers/promises')).setTimeout : (await import('@uring/timers')).setTimeout;
}

const cases = {
  async throughput(setTimeout) {
    const rates = [];
    const cpu = [];
    for (let r = 0; r < 3; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(Array.from({ length: 100_000 }, (_, i) => setTimeout(1 + (i % 10))));
      rates.push(100_000 / ((performance.now() - t0) / 1000));
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 100_000);
    }
    // CPU time per timer moves less than the rate when other processes share the cores.
    return { rate: median(rates), cpuUs: median(cpu) };
  },
  async lateness(setTimeout) {
    const late = [];
    for (let r = 0; r < 3; r++) {
      await Promise.all(Array.from({ length: 1000 }, async () => {
        const t0 = process.hrtime.bigint();
        await setTimeout(5);
        late.push(Number(process.hrtime.bigint() - t0) / 1e6 - 5);
      }));
    }
    return { p50: percentile(late, 50), p99: percentile(late, 99) };
  },
};

const args = caseArgs();
if (args) report(await cases[args.name](await lib(args.side)));

export function run() {
  const t = { node: runCase(self, 'throughput', 'node'), uring: runCase(self, 'throughput', 'uring') };
  // Lateness is the noisiest figure on a shared VM: five processes per side, alternating, medians.
  const runs = { node: [], uring: [] };
  for (let i = 0; i < reps(5); i++) for (const side of ['node', 'uring']) runs[side].push(runCase(self, 'lateness', side));
  const l = {};
  for (const side of ['node', 'uring']) l[side] = { p50: median(runs[side].map((r) => r.p50)), p99: median(runs[side].map((r) => r.p99)) };
  const each = limit('uring_timers', ['each', 100000, 1, 10, 3]);
  const wheel = limit('uring_timers', ['wheel', 100000, 1, 10, 3]);
  return [
    { suite: 'timers', name: '100k timeouts of 1-10 ms', unit: 'timers/s', node: t.node.rate, uring: t.uring.rate, c: wheel ?? each, rssNode: t.node.rssMiB, rssUring: t.uring.rssMiB, target: '>= 1.2x' },
    { suite: 'timers', name: 'CPU per timer, same 100k', unit: 'us', node: t.node.cpuUs, uring: t.uring.cpuUs, lowerIsBetter: true },
    { suite: 'timers', name: 'lateness p50, 1,000 x 5 ms', unit: 'ms', node: l.node.p50, uring: l.uring.p50, lowerIsBetter: true },
    { suite: 'timers', name: 'lateness p99, 1,000 x 5 ms', unit: 'ms', node: l.node.p99, uring: l.uring.p99, lowerIsBetter: true, target: "<= node's" },
  ];
}

if (process.argv[1] === self && !args) {
  const { table, machine } = await import('./lib.mjs');
  console.log(machine());
  console.log(table(run()));
}
