/**
 * @uring/timers: kernel timeouts as promises, observables and deadlines.
 *
 *   import { setTimeout, sleepUntil, withTimeout, interval } from '@uring/timers';
 */
export { setTimeout, setImmediate, setInterval, scheduler, type TimerOptions } from './promises';
export { sleep, sleepUntil, countOrTimeout, withTimeout, type Clock } from './kernel';
export { timer, interval, deadline } from './rx';
export { isNative } from './queue';
export * as promises from './promises';
