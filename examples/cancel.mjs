#!/usr/bin/env node
// Cancellation in a few lines: an AbortSignal and a kernel deadline on reads that would wait forever.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { op, run } from '@uring/core';

// A FIFO nobody writes to: a read on it waits until cancelled.
const fifo = path.join(os.tmpdir(), `uring-cancel-${process.pid}`);
execFileSync('mkfifo', [fifo]);
const fd = fs.openSync(fifo, fs.constants.O_RDWR);

const ac = new AbortController();
setTimeout(() => ac.abort(), 50);
await run(op.read(fd, Buffer.alloc(16)), { signal: ac.signal }).catch((err) => console.log(`aborted: ${err.name} (${err.code})`));

await run(op.read(fd, Buffer.alloc(16)), { timeout: 50 }).catch((err) => console.log(`deadline: ${err.code} ${err.syscall}`));

fs.closeSync(fd);
fs.unlinkSync(fifo);
