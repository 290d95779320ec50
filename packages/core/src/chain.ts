/**
 * Link chains as values. `chain(read(a, buf), write(b, buf))` describes SQEs
 * linked with IOSQE_IO_LINK; chains compose (a chain is a step of a chain),
 * are submitted as one unit (never split across submissions), and settle once
 * every step's CQE is in. When a step fails, its dependents complete with
 * ECANCELED and the rejection says which step failed.
 */
import type { Observable } from 'rxjs';
import { Observable as rxObservable } from './rx';
import { AbortError, systemError, uringError } from './errors';
import { completeDefault, sqeFlagsOf, wasStopped, type OpSpec, type SubmitOptions } from './op';
import { linkTimeout } from './ops/timeout';
import { validateTimeout } from './validate';
import { defaultRing, type Ring } from './ring';
import { IOSQE_CQE_SKIP_SUCCESS, Opcode, opcodeName } from './uapi';
import { constants } from 'node:os';

const { ECANCELED, ETIMEDOUT } = constants.errno;
/**
 * Ops whose LINK_TIMEOUT does not fire while they block in an io-wq worker
 * (seen on 6.18: a SPLICE or TEE from an empty pipe, an OPENAT of a FIFO with
 * no writer; the timeout posts only after the op returns). Their deadline is
 * backed by a timer that cancels what is still pending, which interrupts the
 * worker (ERESTARTSYS).
 */
const BLOCKS_IN_WORKER = new Set<number>([Opcode.SPLICE, Opcode.TEE, Opcode.OPENAT, Opcode.OPENAT2]);
/** How long after the deadline the backstop acts: the kernel's own timeout goes first where it can. */
const BACKSTOP_GRACE_MS = 1;
/** The longest delay setTimeout takes (longer ones fire after 1 ms). */
const TIMER_MAX_MS = 2 ** 31 - 1;

export class Chain {
  /** @param links how each step links to the next: true = IOSQE_IO_HARDLINK (one fewer than steps). */
  constructor(
    readonly steps: readonly OpSpec<unknown>[],
    readonly links: readonly boolean[],
  ) {}

  get length(): number {
    return this.steps.length;
  }

  /** The same chain with every link hard: a failing or short step does not cancel the rest. */
  hardlink(): Chain {
    return new Chain(this.steps, this.links.map(() => true));
  }
}

function compose(parts: readonly (OpSpec<unknown> | Chain)[], hard: boolean): Chain {
  const steps: OpSpec<unknown>[] = [];
  const links: boolean[] = [];
  for (const part of parts) {
    if (steps.length > 0) links.push(hard);
    if (part instanceof Chain) {
      steps.push(...part.steps);
      links.push(...part.links);
    } else if (part && typeof part === 'object' && typeof (part as OpSpec<unknown>).prep === 'function') {
      steps.push(part);
    } else {
      throw uringError('ERR_URING_INVALID_STEP', 'a chain step must be an op (from `op.*`) or a chain');
    }
  }
  if (steps.length === 0) throw uringError('ERR_URING_INVALID_STEP', 'a chain needs at least one step');
  return new Chain(steps, links);
}

/** Steps linked with IOSQE_IO_LINK: each starts when the one before succeeded. */
export function chain(...parts: (OpSpec<unknown> | Chain)[]): Chain {
  return compose(parts, false);
}

/** Steps linked with IOSQE_IO_HARDLINK: each starts when the one before completed, whatever its result. */
export function hardChain(...parts: (OpSpec<unknown> | Chain)[]): Chain {
  return compose(parts, true);
}

/** A chain that failed: which step, why, and what every step gave. */
export interface ChainError extends Error {
  code: 'ERR_URING_CHAIN';
  /** Index of the first step that failed on its own (not cancelled by the link). */
  step: number;
  opcode: string;
  /** Per step: the value, or undefined where the step failed. */
  results: unknown[];
  /** Per step: the error, or undefined where it succeeded. */
  errors: (Error | undefined)[];
}

export interface ChainOptions extends SubmitOptions {
  ring?: Ring;
  /** A deadline for the whole chain in ms: a LINK_TIMEOUT on one absolute monotonic instant after every step. */
  timeout?: number;
}

/** One settled step. */
export interface StepResult {
  index: number;
  value?: unknown;
  error?: Error;
}

/**
 * Submits a chain; `done` gets the outcome once every CQE is in (the kernel is
 * done with every buffer then). With `onStep`, each step is completed and
 * reported as its CQE arrives; without, steps are completed at the end, so a
 * chain that ends in an abort or its deadline hands nothing to anybody: each
 * step that ran is discarded instead (an fd its OPENAT opened is closed).
 * After a cancel (unsubscribe), a step that completes is discarded too. An
 * abort decides the outcome only if it stopped a step (ECANCELED, EINTR,
 * ERESTARTSYS); a chain whose steps all completed first resolves as they did.
 *
 * A deadline is a LINK_TIMEOUT after each step, and its CQE is no sign that
 * the step is over: when the timer fires, the kernel tries to cancel the step
 * and posts what that gave (-ETIME: cancelled, or already done; -ENOENT or
 * -EALREADY: running in an io-wq worker, or done), possibly before the step's
 * own CQE. So every CQE is waited for, and the deadline decides the outcome
 * only where it stopped a step: its timeout fired (anything but -ECANCELED)
 * and the step ended cancelled or interrupted. A step that completed wins.
 */
function startChain(c: Chain, options: ChainOptions, onStep: ((s: StepResult) => void) | undefined, done: (err: Error | undefined, results: unknown[]) => void): () => void {
  const ring = options.ring ?? defaultRing();
  const n = c.steps.length;
  const last = c.steps[n - 1]!;
  if (((last.sqeFlags ?? 0) | sqeFlagsOf(options)) & IOSQE_CQE_SKIP_SUCCESS) {
    throw uringError('ERR_URING_INVALID_STEP', 'the last step of a chain cannot skip its success CQE: nothing would say the chain is done');
  }
  const specs: OpSpec<unknown>[] = [];
  const hard: boolean[] = [];
  const stepOf: number[] = []; // spec index -> chain step, or -1 for a link timeout
  let deadlineNs: bigint | undefined;
  if (options.timeout !== undefined) {
    // One absolute instant for every step, so the chain as a whole gets `timeout` ms.
    deadlineNs = process.hrtime.bigint() + BigInt(Math.round(validateTimeout(options.timeout) * 1e6));
  }
  c.steps.forEach((spec, i) => {
    specs.push(spec);
    stepOf.push(i);
    if (deadlineNs !== undefined) {
      hard.push(false); // a LINK_TIMEOUT must be soft-linked from its op
      specs.push(linkTimeout({ sec: Number(deadlineNs / 1_000_000_000n), nsec: Number(deadlineNs % 1_000_000_000n) }, { abs: true }));
      stepOf.push(-1);
    }
    hard.push(c.links[i] ?? false);
  });

  const res: (number | undefined)[] = new Array(specs.length);
  const flagsOf: number[] = new Array(specs.length).fill(0);
  // Whether each step's CQE is in, and whether it went to complete() or discard() (exactly one, once).
  const seen: boolean[] = new Array(specs.length).fill(false);
  const settled: boolean[] = new Array(specs.length).fill(false);
  const values: unknown[] = new Array(specs.length);
  const errs: (Error | undefined)[] = new Array(specs.length);
  let remaining = specs.length;
  let aborted = false;
  let backstop: ReturnType<typeof setTimeout> | undefined;
  let backstopFired = false;
  /** Cancelled (unsubscribed): nobody receives what completes from now on. */
  let dropped = false;
  const signal = options.signal;

  const nameOf = (i: number) => opcodeName[c.steps[i]!.opcode] ?? String(c.steps[i]!.opcode);
  /** The first spec the deadline stopped (its LINK_TIMEOUT fired and it ended cancelled), or -1. */
  const stoppedByDeadline = () => {
    if (deadlineNs === undefined) return -1;
    return specs.findIndex((_, k) => stepOf[k]! >= 0 && (res[k + 1] !== -ECANCELED || backstopFired) && wasStopped(res[k]));
  };
  const finish = () => {
    if (onAbort) signal!.removeEventListener('abort', onAbort);
    if (backstop !== undefined) clearTimeout(backstop);
    // An abort decides the outcome only where it stopped a step; steps that all completed first stand.
    const abortStopped = aborted && specs.some((_, k) => stepOf[k]! >= 0 && wasStopped(res[k]));
    const late = abortStopped ? -1 : stoppedByDeadline();
    const timedOut = late >= 0;
    const results: unknown[] = new Array(n);
    const errors: (Error | undefined)[] = new Array(n);
    let failed = -1;
    for (let k = 0; k < specs.length; k++) {
      const i = stepOf[k]!;
      if (i < 0) continue;
      const r = res[k] ?? 0;
      if (!settled[k]) {
        // A step that ran, when the chain's values go to nobody (abort, deadline): let go of what it made.
        if (seen[k] && (abortStopped || timedOut)) specs[k]!.discard?.(r);
        else settle(k, r); // a step that ran, or a skipped success (no CQE: its result is 0)
      }
      results[i] = values[k];
      if (errs[k] !== undefined) {
        errors[i] = errs[k];
        if (failed < 0 && r !== -ECANCELED) failed = i;
      }
    }
    if (abortStopped) return done(new AbortError(undefined, { cause: signal!.reason }), results);
    if (timedOut) {
      const spec = specs[late]!;
      return done(systemError(-ETIMEDOUT, spec.syscall, spec.path, spec.dest), results);
    }
    let message: string;
    if (failed >= 0) {
      message = `chain step ${failed} (${nameOf(failed)}) failed: ${errors[failed]!.message}`;
    } else {
      failed = errors.findIndex(Boolean);
      if (failed < 0) return done(undefined, results);
      // Only cancellations: the step before ended the link without failing
      // (a short read or write, an expired timeout) - say so.
      const before = failed - 1;
      message =
        before >= 0
          ? `chain step ${failed} (${nameOf(failed)}) was cancelled: step ${before} (${nameOf(before)}) ended the link with result ${res[specs.indexOf(c.steps[before]!)]}`
          : `chain step ${failed} (${nameOf(failed)}) failed: ${errors[failed]!.message}`;
    }
    const cause = errors[failed]!;
    const name = nameOf(failed);
    const err = uringError('ERR_URING_CHAIN', message, cause) as unknown as ChainError;
    err.step = failed;
    err.opcode = name;
    err.results = results;
    err.errors = errors;
    done(err, results);
  };

  const settle = (k: number, r: number) => {
    settled[k] = true;
    try {
      values[k] = completeDefault(specs[k]!, r, flagsOf[k]!);
    } catch (err) {
      errs[k] = err as Error;
    }
  };

  let handles: { userData: number; cancel(): void }[] = [];
  const sinks = specs.map((spec, k) => (r: number, f: number, more: boolean) => {
    if (more) return;
    res[k] = r;
    flagsOf[k] = f;
    remaining--;
    const i = stepOf[k]!;
    if (i >= 0) {
      seen[k] = true;
      if (dropped) {
        settled[k] = true;
        spec.discard?.(r);
      } else if (onStep) {
        settle(k, r);
        onStep(errs[k] ? { index: i, error: errs[k] } : { index: i, value: values[k] });
      }
    }
    if (i >= 0 && skipsSuccess(spec) && !(c.links[i] ?? false)) {
      // A step that skips its success CQE posted one: it failed (a short read
      // counts), and the kernel then fails the rest of a soft-linked chain
      // without CQEs (REQ_F_SKIP_LINK_CQES). Its own LINK_TIMEOUT still posts.
      for (let j = k + (deadlineNs === undefined ? 1 : 2); j < specs.length; j++) {
        if (res[j] === undefined) {
          ring.forget(handles[j]!.userData);
          res[j] = -ECANCELED;
          remaining--;
        }
      }
    }
    if (i >= 0) {
      // A step's CQE comes after every earlier step completed: one that skipped
      // its success CQE (and has not posted a failure) succeeded and can be let
      // go. Every other CQE, a LINK_TIMEOUT's included, may still be on its way.
      for (let j = 0; j < k; j++) {
        if (res[j] === undefined && skipsSuccess(specs[j]!)) {
          ring.forget(handles[j]!.userData);
          res[j] = 0;
          remaining--;
        }
      }
    }
    if (remaining === 0) finish();
  });
  let onAbort: (() => void) | undefined;
  if (signal?.aborted) {
    // Never submitted: each step lets go of what it holds (a path, a fixed-file slot), as a dropped SQE does.
    for (const spec of specs) spec.discard?.(-ECANCELED);
    throw new AbortError(undefined, { cause: signal.reason });
  }
  handles = ring.startLinked(specs, sinks, { ...options, hard });
  // (A deadline past what a Node timer holds, ~24.8 days, gets no backstop: such a timer would fire at once.)
  if (deadlineNs !== undefined && options.timeout! + BACKSTOP_GRACE_MS <= TIMER_MAX_MS && c.steps.some((spec) => BLOCKS_IN_WORKER.has(spec.opcode))) {
    backstop = setTimeout(() => {
      backstopFired = true;
      for (let k = 0; k < specs.length; k++) if (res[k] === undefined && stepOf[k]! >= 0) handles[k]!.cancel();
    }, options.timeout! + BACKSTOP_GRACE_MS);
    backstop.unref(); // the ops themselves hold the loop while they are pending
  }
  if (signal) {
    onAbort = () => {
      aborted = true;
      // Cancelling the step that runs now cancels every step after it.
      for (let k = 0; k < specs.length; k++) if (res[k] === undefined) handles[k]!.cancel();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  }
  return () => {
    dropped = true;
    for (let k = 0; k < specs.length; k++) if (res[k] === undefined) handles[k]!.cancel();
  };
}

function skipsSuccess(spec: OpSpec<unknown>): boolean {
  return ((spec.sqeFlags ?? 0) & IOSQE_CQE_SKIP_SUCCESS) !== 0;
}

/** Submits a chain; resolves with every step's value, or rejects with a ChainError (AbortError, ETIMEDOUT). */
export function runChain(c: Chain, options: ChainOptions = {}): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    startChain(c, options, undefined, (err, results) => (err ? reject(err) : resolve(results)));
  });
}

/** Submits a chain on subscribe; emits each step as it completes; unsubscribing cancels what has not run. */
export function observeChain(c: Chain, options: ChainOptions = {}): Observable<StepResult> {
  return new (rxObservable())<StepResult>((subscriber) => {
    let settled = false;
    const cancel = startChain(
      c,
      options,
      (s) => subscriber.next(s),
      (err) => {
        settled = true;
        if (err) subscriber.error(err);
        else subscriber.complete();
      },
    );
    return () => {
      if (!settled) cancel();
    };
  });
}
