#!/usr/bin/env node
// tail -f: prints a file's last lines, then follows it as it grows.
//   node examples/tail.mjs FILE [--lines 10] [--for MS]   (--for stops after MS milliseconds)
import { parseArgs } from 'node:util';
import fs from '@uring/fs/promises';
import { setTimeout as sleep } from '@uring/timers';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { lines: { type: 'string', default: '10' }, for: { type: 'string' } } });
const file = positionals[0];
const handle = await fs.open(file, 'r');
const stop = values.for ? Date.now() + Number(values.for) : Infinity;
const all = await handle.readFile();
const lines = all.toString().split('\n');
if (lines.at(-1) === '') lines.pop();
process.stdout.write(lines.slice(-Number(values.lines)).map((l) => `${l}\n`).join(''));
let position = all.length;
const buf = Buffer.alloc(65536);
while (Date.now() < stop) {
  const { bytesRead } = await handle.read(buf, 0, buf.length, position);
  if (bytesRead > 0) {
    position += bytesRead;
    process.stdout.write(buf.subarray(0, bytesRead));
  } else {
    await sleep(20); // a kernel timeout on the ring, as every timer in @uring/timers
  }
}
await handle.close();
