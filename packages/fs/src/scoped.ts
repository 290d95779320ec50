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
import { constants } from 'node:os';
import { AbortError, systemError } from '@uring/core';
import { anySignal } from './node';
import { inScope, isNative } from './ring';

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
    if (typeof value !== 'function') {
      out[name] = value;
      continue;
    }
    const fn = value as (...a: unknown[]) => unknown;
    out[name] = (...args: unknown[]) =>
      isNative() || (options.signal === undefined && options.timeout === undefined) ? inScope(options.signal, options.timeout, () => fn(...args)) : nodeCall(name, fn, args, options);
  }
  return out as Promises;
}

/** Where each fs/promises call that takes a signal of its own has its options. */
const SIGNAL_OPTIONS: Readonly<Record<string, number>> = { readFile: 1, writeFile: 2, appendFile: 2 };
/** Calls that return no promise (an async iterator): given as they are. */
const NOT_PROMISES = new Set(['watch', 'glob']);

/**
 * A call where io_uring is unavailable, so Node's (see promises.ts): the
 * signal and the deadline are honoured as Node honours its own signal. An
 * aborted signal or a passed deadline rejects before the call starts; the
 * calls that take a signal get one that also aborts at the deadline (Node
 * stops between its reads and writes); and the call rejects as soon as
 * either fires (AbortError, or ETIMEDOUT as on the ring), even where Node
 * cannot stop the syscall itself.
 */
function nodeCall(name: string, fn: (...a: unknown[]) => unknown, args: unknown[], options: CallOptions): unknown {
  if (NOT_PROMISES.has(name)) return fn(...args);
  const deadline = options.timeout === undefined ? undefined : AbortSignal.timeout(Math.max(0, options.timeout));
  const signal = options.signal === undefined ? deadline! : deadline === undefined ? options.signal : anySignal([options.signal, deadline]);
  const failure = () =>
    options.signal?.aborted ? new AbortError(undefined, { cause: options.signal.reason }) : systemError(-constants.errno.ETIMEDOUT, name);
  if (signal.aborted || options.timeout === 0) return Promise.reject(failure());
  const at = SIGNAL_OPTIONS[name];
  if (at !== undefined) args = withSignal(args, at, signal);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(failure());
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = () => signal.removeEventListener('abort', onAbort);
    Promise.resolve()
      .then(() => fn(...args))
      .then(
        (value) => (settle(), resolve(value)),
        (err) => (settle(), reject(err)),
      );
  });
}

/** `args` with `signal` in the options at `at` (a string there is an encoding; a signal of the caller's own still counts). */
function withSignal(args: unknown[], at: number, signal: AbortSignal): unknown[] {
  const o = args[at];
  if (o !== undefined && o !== null && typeof o !== 'string' && typeof o !== 'object') return args; // Node rejects it as it is
  const given = (typeof o === 'string' ? { encoding: o } : (o ?? {})) as { signal?: unknown };
  const own = given.signal;
  const both = own instanceof AbortSignal ? anySignal([own, signal]) : own === undefined ? signal : own;
  const out = args.slice();
  while (out.length < at) out.push(undefined);
  out[at] = { ...given, signal: both };
  return out;
}

/**
 * Runs `calls` (which starts fs calls and returns their promises) and waits
 * for them all: the ops they submit in this tick go to the kernel in one
 * io_uring_enter.
 */
export function batch<T extends readonly unknown[] | []>(calls: () => T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  return Promise.all(calls());
}
