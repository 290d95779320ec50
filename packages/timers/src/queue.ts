/** The shared timer queue on the default ring, or undefined where io_uring is unavailable (Node's timers serve then). */
import { defaultRing, isAvailable } from '@uring/core';
import { TimerQueue } from './clock';

let queue: TimerQueue | undefined;

export function timerQueue(): TimerQueue | undefined {
  if (queue !== undefined && queue.open) return queue;
  if (!isAvailable()) return undefined;
  // One queue for the thread: when its ring is closed, its timers move to the next default ring.
  return (queue ??= new TimerQueue(defaultRing));
}

/** Whether timers run on io_uring (true) or on Node's own timers (false). */
export function isNative(): boolean {
  return isAvailable();
}
