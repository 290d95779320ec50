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
