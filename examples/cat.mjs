#!/usr/bin/env node
// cat on @uring/fs/promises: every file is read as one linked open -> read chain; all files in one submission.
//   node examples/cat.mjs FILE...
import fs from '@uring/fs/promises';

const files = process.argv.slice(2);
const contents = await Promise.allSettled(files.map((f) => fs.readFile(f)));
for (const [i, r] of contents.entries()) {
  if (r.status === 'fulfilled') process.stdout.write(r.value);
  else {
    console.error(`cat: ${files[i]}: ${r.reason.code}`);
    process.exitCode = 1;
  }
}
