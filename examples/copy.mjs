// The cp example's copy: linked READ_FIXED -> WRITE_FIXED chains, one per block, `qd` chains in flight,
// each on its own registered buffer. Shared by examples/cp.mjs and bench/core.mjs.
import fs from 'node:fs';
import { op, chain, runChain } from '@uring/core';

export async function copy(ring, src, dst, { qd, bs, progress }) {
  const inFd = await ring.submit(op.openat(src, fs.constants.O_RDONLY));
  const st = await ring.submit(op.statx(src));
  const size = Number(st.size);
  const outFd = await ring.submit(op.openat(dst, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC, st.mode & 0o777));
  // One registered buffer per chain in flight: the kernel pins them once, READ_FIXED/WRITE_FIXED skip the per-op mapping.
  const buffers = Array.from({ length: qd }, () => Buffer.alloc(bs));
  ring.registerBuffers(buffers);
  let next = 0;
  let done = 0;
  let lastShown = 0;
  const lane = async (i) => {
    while (next < size) {
      const at = next;
      const len = Math.min(bs, size - at); // every read is exact (size from statx), so a soft link holds
      next += len;
      const view = buffers[i].subarray(0, len);
      const [r, w] = await runChain(chain(op.readFixed(inFd, view, i, at), op.writeFixed(outFd, view, i, at)), { ring });
      if (r !== len || w !== len) throw new Error(`short copy at ${at}: read ${r}, wrote ${w}`);
      done += len;
      if (progress && done - lastShown >= size / 20) {
        lastShown = done;
        process.stderr.write(`\r${((done / size) * 100).toFixed(0)}% of ${size} bytes`);
      }
    }
  };
  await Promise.all(buffers.map((_, i) => lane(i)));
  if (progress) process.stderr.write(`\r100% of ${size} bytes\n`);
  ring.unregisterBuffers();
  await Promise.all([ring.submit(op.close(inFd)), ring.submit(op.close(outFd))]);
  return size;
}

