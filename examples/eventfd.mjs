#!/usr/bin/env node
// eventfd notification: the kernel signals an eventfd when completions arrive, so anything that can
// wait on an fd (here Node's thread pool, blocked in read(2) on it) learns that the ring has work.
import fs from 'node:fs';
import koffi from 'koffi';
import { Ring, op } from '@uring/core';

const eventfd = koffi.load('libc.so.6').func('int eventfd(unsigned int initval, int flags)');
const efd = eventfd(0, 0);
const ring = new Ring({ entries: 8 });
ring.registerEventfd(efd);

// Wait on the eventfd first: a blocking read that returns when the kernel signals it.
const counter = Buffer.alloc(8);
const signalled = new Promise((resolve, reject) => fs.read(efd, counter, 0, 8, null, (err) => (err ? reject(err) : resolve())));
const t0 = performance.now();
const fired = ring.submit(op.timeout(30));
await signalled;
console.log(`eventfd signalled after ${Math.round(performance.now() - t0)} ms, counter ${counter.readBigUInt64LE(0)}`);
console.log(`the timeout completed: ${await fired}`);
ring.unregisterEventfd();
ring.close();
fs.closeSync(efd);
