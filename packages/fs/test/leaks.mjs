// What the fault and deadline suites check after a run: open fds, free fixed-file slots, and
// whether a FIFO still has a reader (a read the kernel is still waiting in).
import fs from 'node:fs';
import { defaultRing } from '@uring/core';

export const openFds = () => fs.readdirSync('/proc/self/fd').length;

/** Lets a close or a cancellation that is on its way land before counting. */
export const settle = () => new Promise((r) => setTimeout(r, 20));

/** Takes every fixed-file slot the default ring's allocator can hand out; the caller frees them. */
export function takeAllSlots() {
  const files = defaultRing().files;
  const taken = [];
  for (;;) {
    try {
      taken.push(files.alloc());
    } catch {
      return taken;
    }
  }
}

/** How many fixed-file slots the default ring's allocator can hand out now. */
export function freeSlots() {
  const taken = takeAllSlots();
  for (const s of taken) defaultRing().files.free(s);
  return taken.length;
}

/** Whether some thread has the FIFO open for reading: a non-blocking writer open fails ENXIO when none has. */
export function fifoHasReader(fifo) {
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    return true;
  } catch (err) {
    if (err.code === 'ENXIO') return false;
    throw err;
  }
}
