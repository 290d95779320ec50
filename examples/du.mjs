#!/usr/bin/env node
// du: a parallel tree walk; each directory's entries are statx'ed together, in one submission.
//   node examples/du.mjs DIR
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { op, run, uapi } from '@uring/core';

async function usage(dir) {
  const names = await readdir(dir);
  const stats = await Promise.all(names.map((n) => run(op.statx(path.join(dir, n), { flags: uapi.AT_SYMLINK_NOFOLLOW }))));
  let bytes = 0n;
  const subdirs = [];
  stats.forEach((st, i) => {
    bytes += st.blocks * 512n;
    if ((st.mode & 0o170000) === 0o040000) subdirs.push(path.join(dir, names[i]));
  });
  for (const sub of await Promise.all(subdirs.map(usage))) bytes += sub;
  return bytes;
}

const dir = process.argv[2] ?? '.';
const self = await run(op.statx(dir));
const total = (await usage(dir)) + self.blocks * 512n;
console.log(`${total / 1024n}\t${dir}`);
