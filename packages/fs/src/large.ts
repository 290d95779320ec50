/**
 * Buffers for large results (readFile of a big file), allocated with two
 * things Node's readFile does not do. Measured reading a 64 MiB page-cached
 * file in a loop (Node: ~4 files/s, peak RSS ~111 MiB):
 * - transparent huge pages (MADV_HUGEPAGE): the kernel backs the buffer with
 *   32 faults of 2 MiB instead of 16,384 of 4 KiB.
 * - before the kernel fills a new one, a wait for the previous one to be
 *   freed if it is garbage. A buffer this size starts a GC (V8 counts it as
 *   external memory); the GC finalizes the old buffer and a V8 background
 *   thread frees its memory a little later. Filling the new buffer meanwhile
 *   held both: peak 183 MiB. Waiting for both steps (at most WAIT_MS, and not
 *   while a caller keeps its results): ~118 MiB, at ~25 files/s.
 */
import { addressOf, sys } from '@uring/core';

export const LARGE = 16 * 1024 * 1024;
const WAIT_MS = 20;

let unfreed = 0;
let wake: (() => void) | undefined;
/** False after a wait ran out: the caller keeps its results, so waiting does not help. */
let waitHelps = true;
const finalized = new FinalizationRegistry<number>(() => {
  unfreed--;
  waitHelps = true;
  wake?.();
});
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** A Buffer of `size` bytes (uninitialized), `size` >= LARGE. */
export async function allocLarge(size: number): Promise<Buffer> {
  const rss = process.memoryUsage.rss();
  // Allocating first is what starts the GC that can free the previous one.
  const buf = Buffer.allocUnsafeSlow(size);
  sys().hugePages(addressOf(buf), size);
  if (unfreed > 0 && waitHelps) await previousFreed(rss - size / 2);
  unfreed++;
  finalized.register(buf.buffer, 0);
  return buf;
}

/** Waits until the previous large buffer is finalized and RSS is below `target`, at most WAIT_MS. */
async function previousFreed(target: number): Promise<void> {
  const deadline = performance.now() + WAIT_MS;
  const inTime = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), WAIT_MS);
    wake = () => {
      clearTimeout(timer);
      resolve(true);
    };
  });
  wake = undefined;
  if (!inTime) {
    waitHelps = false;
    return;
  }
  while (process.memoryUsage.rss() > target && performance.now() < deadline) await tick();
}
