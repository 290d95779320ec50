/** RxJS timer/interval on kernel timeouts, and a deadline operator for ops. */
import { defaultRing, observe, op, type OpSpec, type Ring } from '@uring/core';
// Single modules rather than the 'rxjs' index (which loads every operator); the same functions.
import { Observable } from 'rxjs/internal/Observable';
import { concat } from 'rxjs/internal/observable/concat';
import { defer } from 'rxjs/internal/observable/defer';
import { from } from 'rxjs/internal/observable/from';
import { concatMap } from 'rxjs/internal/operators/concatMap';
import { map } from 'rxjs/internal/operators/map';
import type { OperatorFunction } from 'rxjs/internal/types';
import { withTimeout } from './kernel';

/**
 * Emits 0 after `due` ms, then 1, 2, ... every `period` ms if given, like
 * rxjs `timer`. Backed by a kernel timeout (the period by one multishot
 * timeout); unsubscribing removes the kernel timer.
 */
export function timer(due: number, period?: number, options: { ring?: Ring } = {}): Observable<number> {
  const first = defer(() => observe(op.timeout(Math.max(0, due)), { ring: options.ring ?? defaultRing() }));
  if (period === undefined) return first.pipe(map(() => 0));
  return concat(first, ticks(period, options.ring)).pipe(map((_, i) => i));
}

/** Emits 0, 1, 2, ... every `period` ms, like rxjs `interval`. */
export function interval(period: number, options: { ring?: Ring } = {}): Observable<number> {
  return ticks(period, options.ring).pipe(map((_, i) => i));
}

/** One multishot kernel timeout: a CQE per period until unsubscribed. */
function ticks(period: number, ring?: Ring): Observable<unknown> {
  return defer(() => observe(op.timeout(Math.max(0.001, period), { multishot: true }), { ring: ring ?? defaultRing() }));
}

/** Runs each op that comes in with a kernel deadline of `ms`; the output errors with ETIMEDOUT when one misses it. */
export function deadline<T>(ms: number, options: { ring?: Ring } = {}): OperatorFunction<OpSpec<T>, T> {
  return concatMap((spec) => from(withTimeout(spec, ms, options)));
}
