#!/usr/bin/env node
// cp on io_uring: the file is copied as linked READ -> WRITE chains, one per block,
// with QD chains in flight, each on its own registered (fixed) buffer.
//   node examples/cp.mjs SRC DST [--qd 16] [--bs 262144] [--progress]
import { parseArgs } from 'node:util';
import { Ring } from '@uring/core';
import { copy } from './copy.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { qd: { type: 'string', default: '16' }, bs: { type: 'string', default: '262144' }, progress: { type: 'boolean', default: false } },
});
if (positionals.length !== 2) {
  console.error('usage: cp.mjs SRC DST [--qd N] [--bs BYTES] [--progress]');
  process.exit(2);
}
const [src, dst] = positionals;
const qd = Number(values.qd);
const bs = Number(values.bs);

const ring = new Ring({ entries: Math.max(64, qd * 4) });
try {
  const n = await copy(ring, src, dst, { qd, bs, progress: values.progress });
  console.log(`copied ${n} bytes`);
} catch (err) {
  console.error(`cp: ${err.message}`);
  process.exitCode = 1;
} finally {
  ring.close();
}
