/**
 * Ops as cold RxJS observables: subscribing submits the SQE, every CQE is a
 * `next` (a multishot op emits until the kernel ends it), the final CQE
 * completes, and unsubscribing cancels the op in the kernel. The op's memory
 * stays referenced until its final CQE, even after unsubscribe.
 */
import type { Observable } from 'rxjs';
import { Observable as rxObservable } from './rx';
import { invalidArgValue } from './errors';
import { completeDefault, type OpSpec } from './op';
import type { CallOptions } from './promises';
import { defaultRing } from './ring';

/**
 * Observes one op. It takes no `timeout` or `signal` (unsubscribing is the
 * cancel): they are refused rather than ignored; for a deadline on an op,
 * observeChain(chain(op), { timeout }).
 */
export function observe<T>(spec: OpSpec<T> | (() => OpSpec<T>), options: Omit<CallOptions, 'timeout' | 'signal'> = {}): Observable<T> {
  for (const name of ['timeout', 'signal'] as const) {
    const value = (options as CallOptions)[name];
    if (value !== undefined) {
      throw invalidArgValue(`options.${name}`, value, 'is not taken by observe(): unsubscribing cancels; for a deadline use observeChain(chain(op), { timeout })');
    }
  }
  return new (rxObservable())<T>((subscriber) => {
    const s = typeof spec === 'function' ? spec() : spec;
    const ring = options.ring ?? defaultRing();
    let final = false;
    const handle = ring.start(
      s,
      (res, flags, more) => {
        if (!more) final = true;
        if (subscriber.closed) {
          // Nobody listens any more: release what a success created (an accepted fd, ...).
          s.discard?.(res);
          return;
        }
        let value: T;
        try {
          value = completeDefault(s, res, flags);
        } catch (err) {
          subscriber.error(err);
          return;
        }
        subscriber.next(value);
        if (!more) subscriber.complete();
      },
      options,
    );
    return () => {
      if (!final) handle.cancel();
    };
  });
}
