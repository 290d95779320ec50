// Shared test helpers: temp dirs and FIFOs (a read on an empty FIFO blocks until written: a pending op on demand).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export function tempDir(prefix = 'uring-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A FIFO opened both ways: [readFd, writeFd]. The read end is non-blocking so opening never waits. */
export function fifo() {
  const p = path.join(os.tmpdir(), `uring-fifo-${process.pid}-${Math.random().toString(36).slice(2)}`);
  execFileSync('mkfifo', [p]);
  const r = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const w = fs.openSync(p, fs.constants.O_WRONLY);
  fs.unlinkSync(p);
  return [r, w];
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves with the ring's in-flight count once it is 0, or after ~1 s: an ASYNC_CANCEL that a
 * deadline's backstop or an abort sent has a CQE of its own, which may post after the op it stopped.
 */
export async function quiet(ring) {
  for (let i = 0; i < 250 && ring.inflight > 0; i++) await (i < 50 ? new Promise(setImmediate) : sleep(5));
  return ring.inflight;
}
