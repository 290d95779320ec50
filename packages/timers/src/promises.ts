/**
 * A drop-in for node:timers/promises on the kernel clock: same names,
 * signatures, values, validation errors and AbortError behaviour.
 */
import { AbortError, invalidArgType } from '@uring/core';
import * as nodeTimers from 'node:timers/promises';
import { Timer } from './lists';
import { timerQueue } from './queue';

const TIMEOUT_MAX = 2 ** 31 - 1;

export interface TimerOptions {
  signal?: AbortSignal;
  ref?: boolean;
}

/** Node's coercion of a delay: a number in [1, TIMEOUT_MAX], else 1 (with Node's overflow warning). */
function coerceDelay(after: unknown): number {
  let ms = Number(after) * 1;
  if (!(ms >= 1 && ms <= TIMEOUT_MAX)) {
    if (ms > TIMEOUT_MAX) {
      process.emitWarning(`${ms} does not fit into a 32-bit signed integer.\nTimeout duration was set to 1.`, 'TimeoutOverflowWarning');
    }
    ms = 1;
  }
  return ms;
}

/** Node 20 checks a given delay's type before anything else. */
function checkDelay(delay: unknown): void {
  if (delay !== undefined && typeof delay !== 'number') throw invalidArgType('delay', 'number', delay);
}

/** Node's checks of the options object, in Node's order. */
function checkOptions(options: unknown): { signal?: AbortSignal; ref: boolean } {
  if (options == null || typeof options !== 'object') throw invalidArgType('options', 'Object', options);
  const { signal, ref = true } = options as TimerOptions;
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
    throw invalidArgType('options.signal', 'AbortSignal', signal);
  }
  if (typeof ref !== 'boolean') throw invalidArgType('options.ref', 'boolean', ref);
  return { signal, ref };
}

const aborted = (signal: AbortSignal) => new AbortError(undefined, { cause: signal.reason });

/** One shared promise executor: it parks `resolve` here, so a timer allocates no closure of its own. */
const unparked = () => {};
let parked: (value: unknown) => void = unparked;
const park = (resolve: (value: never) => void) => void (parked = resolve as (value: unknown) => void);

/** Resolves with `value` after `delay` ms. */
export function setTimeout<T = void>(delay?: number, value?: T, options?: TimerOptions): Promise<T> {
  let signal: AbortSignal | undefined;
  let ref = true;
  try {
    checkDelay(delay);
    if (options !== undefined) ({ signal, ref } = checkOptions(options));
  } catch (err) {
    return Promise.reject(err);
  }
  if (signal?.aborted) return Promise.reject(aborted(signal));
  const queue = timerQueue();
  if (!queue) return nodeTimers.setTimeout(delay, value, options);
  const ms = coerceDelay(delay);
  if (signal === undefined) {
    // The common case allocates a promise and nothing else: the timer is a slot in its duration's list.
    const promise = new Promise<T>(park);
    queue.add(ms, parked, value, ref);
    parked = unparked; // the queue holds it now, nothing else
    return promise;
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      queue.cancel(timer);
      reject(aborted(signal!));
    };
    const timer = new Timer((v) => {
      signal!.removeEventListener('abort', onAbort);
      resolve(v as T);
    }, value);
    queue.schedule(timer, ms, ref);
    signal!.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves with `value` after I/O callbacks of this loop turn (Node's own; the kernel has no "immediate"). */
export function setImmediate<T = void>(value?: T, options: TimerOptions = {}): Promise<T> {
  return nodeTimers.setImmediate(value, options);
}

/** An async iterator that yields `value` every `delay` ms until aborted or `break`. */
export async function* setInterval<T = void>(delay?: number, value?: T, options: TimerOptions = {}): AsyncGenerator<T> {
  checkDelay(delay);
  const { signal, ref } = checkOptions(options);
  if (signal?.aborted) throw aborted(signal);
  const queue = timerQueue();
  if (!queue) {
    yield* nodeTimers.setInterval(delay, value, options);
    return;
  }
  const ms = coerceDelay(delay);
  let pending = 0;
  let wake: (() => void) | undefined;
  // One timer, re-scheduled at each tick: the next deadline follows the last one, so ticks do not drift.
  let next = performance.now() + ms;
  const timer = new Timer(() => {
    pending++;
    queue.repeat(timer, (next += ms), ref);
    wake?.();
    wake = undefined;
  }, undefined);
  queue.repeat(timer, next, ref);
  const onAbort = () => {
    wake?.();
    wake = undefined;
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    while (!signal?.aborted) {
      if (pending === 0) await new Promise<void>((resolve) => (wake = resolve));
      for (; pending > 0; pending--) yield value as T;
    }
    throw aborted(signal);
  } finally {
    queue.cancel(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

export const scheduler = {
  /** Waits `delay` ms (Node's scheduler.wait). */
  wait(delay?: number, options?: { signal?: AbortSignal }): Promise<void> {
    return setTimeout(delay, undefined, { signal: options?.signal });
  },
  /** Yields to the event loop (Node's scheduler.yield). */
  yield(): Promise<void> {
    return setImmediate();
  },
};

export default { setTimeout, setImmediate, setInterval, scheduler };
