/**
 * Runs the whole test suite (`pnpm run test:suite`) once per supported Node line and
 * prints one "N passed, N failed" summary per line and one for all. The soak test runs
 * SOAK_SECONDS on the newest line only, its 15 s default on the others.
 *   node scripts/test-lines.mjs            all lines
 *   NODE_LINES="24 26" node scripts/...    some
 */
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { nodeBinary, SUPPORTED } from './node-line.mjs';

const lines = (process.env.NODE_LINES ?? SUPPORTED.join(' ')).split(/[\s,]+/).filter(Boolean);
const soakLine = lines.at(-1);

function count(log, word) {
  let n = 0;
  for (const m of log.matchAll(new RegExp(`^ +(\\d+) ${word}`, 'gm'))) n += Number(m[1]);
  return n;
}

function runSuite(major) {
  const bin = nodeBinary(major);
  const env = { ...process.env, PATH: `${dirname(bin)}:${process.env.PATH}` };
  if (major !== soakLine) delete env.SOAK_SECONDS;
  return new Promise((resolve) => {
    console.log(`\n=== Node ${major} (${bin}) ===`);
    const child = spawn('pnpm', ['run', '--silent', 'test:suite'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const take = (out) => (chunk) => {
      out.write(chunk);
      log += chunk;
    };
    child.stdout.on('data', take(process.stdout));
    child.stderr.on('data', take(process.stderr));
    child.on('close', (status) => resolve({ major, status, passed: count(log, 'passing'), failed: count(log, 'failing'), skipped: count(log, 'pending') }));
  });
}

const results = [];
for (const major of lines) results.push(await runSuite(major));

console.log('\n=== summary ===');
const total = { passed: 0, failed: 0, skipped: 0 };
let ok = true;
for (const r of results) {
  // A suite that exits non-zero without a mocha failure (a crash, a hang killed by mocha) still fails its line.
  const failed = r.failed || (r.status === 0 ? 0 : 1);
  if (failed || r.passed === 0) ok = false;
  console.log(`node${r.major}: ${r.passed} passed, ${failed} failed, ${r.skipped} skipped`);
  total.passed += r.passed;
  total.failed += failed;
  total.skipped += r.skipped;
}
console.log(`all: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exitCode = ok ? 0 : 1;
