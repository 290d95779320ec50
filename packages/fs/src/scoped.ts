/**
 * Beyond Node: a signal and a kernel deadline on every call, and batches.
 *
 *   const fsd = withOptions({ timeout: 100, signal });  // the fs/promises API again
 *   await fsd.stat(path);    // STATX with a linked timeout: ETIMEDOUT after 100 ms, AbortError on abort
 *   const [a, b] = await batch(() => [fs.stat(p), fs.readFile(q)]);  // one io_uring_enter
 *
 * A call made through withOptions() submits its ops through a ScopedRing:
 * every op, and every linked chain, gets an IORING_OP_LINK_TIMEOUT on the
 * call's one deadline (an absolute instant, so a call of several ops has
 * `timeout` ms in all), and the signal cancels it in the kernel. Calls that
 * have no io_uring op (readdir, chmod, ...) go to Node as usual: with the
 * signal where Node takes one.
 */
import * as promises from './promises';
import { inScope } from './ring';

export interface CallOptions {
  /** Aborts the call's ops in the kernel (IORING_OP_ASYNC_CANCEL); the call rejects with an AbortError. */
  signal?: AbortSignal;
  /** A deadline for each call in ms, enforced in the kernel by linked timeouts; the call rejects with ETIMEDOUT. */
  timeout?: number;
}

type Promises = typeof promises;

/** The fs/promises API, where each call's ring ops carry `options.signal` and a `options.timeout` deadline. */
export function withOptions(options: CallOptions): Promises {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(promises)) {
    out[name] =
      typeof value === 'function'
        ? (...args: unknown[]) => inScope(options.signal, options.timeout, () => (value as (...a: unknown[]) => unknown)(...args))
        : value;
  }
  return out as Promises;
}

/**
 * Runs `calls` (which starts fs calls and returns their promises) and waits
 * for them all: the ops they submit in this tick go to the kernel in one
 * io_uring_enter.
 */
export function batch<T extends readonly unknown[] | []>(calls: () => T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  return Promise.all(calls());
}
