/** The shared timer queue on the default ring, or undefined where io_uring is unavailable (Node's timers serve then). */
import { defaultRing, isAvailable, type Ring } from '@uring/core';
import { TimerQueue } from './clock';

let queue: TimerQueue | undefined;
let queueRing: Ring | undefined;

export function timerQueue(): TimerQueue | undefined {
  if (queue !== undefined && !queueRing!.closed) return queue;
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
