#!/usr/bin/env node
// A parallel file hasher: a pool of worker threads, each reading its files through its own io_uring
// ring (several reads in flight per file), hashing on its own core. Prints what `sha256sum` prints.
//   node examples/hash.mjs [--workers N] [--algorithm sha256] FILE...
import crypto from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { defaultRing, op, uapi } from '@uring/core';

const CHUNK = 256 << 10;
const DEPTH = 4; // reads in flight per file

/** The hash of one file, read by this thread's ring: DEPTH chunks ahead, hashed in order. */
async function hashFile(ring, path, algorithm, bufs) {
  const fd = await ring.submit(op.openat(path, uapi.O_CLOEXEC)); // read-only
  try {
    const hash = crypto.createHash(algorithm);
    const reads = [];
    let next = 0;
    const issue = () => {
      const buf = bufs[next % DEPTH];
      reads.push(ring.submit(op.read(fd, buf, next * CHUNK)).then((n) => ({ n, buf })));
      next++;
    };
    for (let i = 0; i < DEPTH; i++) issue();
    for (let i = 0; ; i++) {
      const { n, buf } = await reads[i];
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      if (n < CHUNK) break; // the end of a regular file
      issue(); // into the buffer just consumed: the read DEPTH ahead
    }
    await Promise.allSettled(reads); // none in flight when the fd closes
    return hash.digest('hex');
  } finally {
    await ring.submit(op.close(fd));
  }
}

if (!isMainThread) {
  const ring = defaultRing(); // this worker's own ring, on its own event loop
  const bufs = Array.from({ length: DEPTH }, () => Buffer.allocUnsafe(CHUNK));
  parentPort.on('message', async ({ index, path }) => {
    try {
      parentPort.postMessage({ index, digest: await hashFile(ring, path, workerData.algorithm, bufs) });
    } catch (err) {
      parentPort.postMessage({ index, error: err.message });
    }
  });
} else {
  const { values, positionals: files } = parseArgs({
    allowPositionals: true,
    options: { workers: { type: 'string', default: String(os.availableParallelism()) }, algorithm: { type: 'string', default: 'sha256' } },
  });
  const results = new Array(files.length);
  let given = 0;
  let failed = false;
  const pool = Array.from({ length: Math.min(Number(values.workers), files.length) }, () => new Worker(new URL(import.meta.url), { workerData: { algorithm: values.algorithm } }));
  await Promise.all(
    pool.map(
      (w) =>
        new Promise((resolve, reject) => {
          const feed = () => (given < files.length ? w.postMessage({ index: given, path: files[given++] }) : resolve(w.terminate()));
          w.on('message', ({ index, digest, error }) => {
            results[index] = error === undefined ? `${digest}  ${files[index]}` : `hash: ${files[index]}: ${error}`;
            if (error !== undefined) failed = true;
            feed();
          });
          w.once('error', reject);
          feed();
        }),
    ),
  );
  for (const line of results) (line.startsWith('hash: ') ? console.error : console.log)(line);
  process.exitCode = failed ? 1 : 0;
}
