/** Which path each call takes: the ring when io_uring is here, node:fs/promises otherwise. */
import { anySignal } from './node';
import { chain, defaultRing, hardChain, isAvailable, Opcode, probe, run, runChain, type OpcodeName, type OpSpec, type Ring, type SubmitOptions } from '@uring/core';

/** True when calls go through io_uring; false when every call falls back to node:fs/promises. */
export function isNative(): boolean {
  return isAvailable();
}

/** The ring to use, or undefined to fall back to Node. Inside inScope(), a ScopedRing (see there). */
export function ringOrNode(): Ring | undefined {
  return isAvailable() ? (scope ?? defaultRing()) : undefined;
}

/** The ScopedRing of the call being started by withOptions(), while it starts. */
let scope: Ring | undefined;

/**
 * Runs `start` (an fs call) with its ring ops going through a ScopedRing. The
 * calls take their ring synchronously when they start and keep it across
 * their awaits, so the scope only needs to hold while `start` runs.
 */
export function inScope<T>(signal: AbortSignal | undefined, timeout: number | undefined, start: () => T): T {
  if (!isAvailable()) return start();
  const outer = scope;
  // ScopedRing has the members of Ring that the fs calls use: submit, submitLinked, files, closed.
  scope = new ScopedRing(defaultRing(), signal, timeout) as unknown as Ring;
  try {
    return start();
  } finally {
    scope = outer;
  }
}

/** runChain's options for a chain of a call on `ring` (a ScopedRing adds its deadline, and its signal to the call's). */
export function chainOptions(ring: Ring, signal?: AbortSignal): { ring: Ring; signal?: AbortSignal; timeout?: number } {
  return ring instanceof ScopedRing ? ring.options(signal) : { ring, signal };
}

/**
 * Ring#submitLinked's contract (the last step's completion is the result, its
 * error the chain's) on runChain, which a signal or a deadline can cancel.
 */
export async function runLinked<T>(specs: readonly OpSpec<unknown>[], hard: boolean, options: { ring: Ring; signal?: AbortSignal; timeout?: number }): Promise<T> {
  try {
    const values = await runChain(hard ? hardChain(...specs) : chain(...specs), options);
    return (await values[values.length - 1]) as T;
  } catch (err) {
    const e = err as { code?: string; errors?: (Error | undefined)[] };
    // The chain's own wrapper: report what the call would have reported, the last step's error.
    throw e.code === 'ERR_URING_CHAIN' ? (e.errors?.[e.errors.length - 1] ?? err) : err;
  }
}

/** The ring itself, for what outlives a call (a FileHandle). */
export function baseRing(ring: Ring): Ring {
  return ring instanceof ScopedRing ? ring.base : ring;
}

/** Whether this kernel has an op (probed once). */
export function kernelHas(name: OpcodeName): boolean {
  return isAvailable() && probe(defaultRing()).supports(name);
}

/** The part of Ring the fs calls use, with a call's signal and deadline on every op. */
export class ScopedRing {
  readonly #deadline: number | undefined;
  constructor(
    readonly base: Ring,
    readonly signal: AbortSignal | undefined,
    timeout: number | undefined,
  ) {
    this.#deadline = timeout === undefined ? undefined : performance.now() + timeout;
  }
  get files() {
    return this.base.files;
  }
  get closed() {
    return this.base.closed;
  }
  /** Options for core's run/runChain: the base ring, the signal (with `also`, either aborts), what is left of the deadline. */
  options(also?: AbortSignal): { ring: Ring; signal?: AbortSignal; timeout?: number } {
    const timeout = this.#deadline === undefined ? undefined : Math.max(0, this.#deadline - performance.now());
    const signal = also === undefined ? this.signal : this.signal === undefined ? also : anySignal([this.signal, also]);
    return { ring: this.base, signal, timeout };
  }
  submit<T>(spec: OpSpec<T>, options?: SubmitOptions): Promise<T> {
    // A CLOSE is cleanup (after an abort or a deadline too): it always runs, without either.
    if (spec.opcode === Opcode.CLOSE) return this.base.submit(spec, options);
    return run(spec, { ...options, ...this.options() });
  }
  submitLinked<T>(specs: readonly OpSpec<unknown>[], hard = false): Promise<T> {
    return runLinked(specs, hard, this.options());
  }

}
