/** The shared timer queue on the default ring, or undefined where io_uring is unavailable (Node's timers serve then). */
import { defaultRing, isAvailable, type Ring } from '@uring/core';
import { TimerQueue } from './clock';

let queue: TimerQueue | undefined;
let queueRing: Ring | undefined;

export function timerQueue(): TimerQueue | undefined {
  if (!isAvailable()) return undefined;
  const ring = defaultRing();
  if (queue === undefined || queueRing !== ring) {
    queue = new TimerQueue(ring);
    queueRing = ring;
  }
  return queue;
}

/** Whether timers run on io_uring (true) or on Node's own timers (false). */
export function isNative(): boolean {
  return isAvailable();
}

/** Monotonic now in ns, on the clock the kernel timeouts use. */
export const now = (): bigint => process.hrtime.bigint();

/** ms (fractional) to ns. */
export const msToNs = (ms: number): bigint => BigInt(Math.round(ms * 1e6));
