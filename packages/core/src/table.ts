/**
 * The submission table: every live op indexed by the low word of its
 * user_data (a small integer, reused through a free list), and the count of
 * pending ops that keep the process alive. The high word of user_data tags the
 * SQEs that have no op behind them.
 */
import type { CqeSink, OpSpec } from './op';

/** user_data high word of a MSG_RING message, so the target ring routes it to `ring.onMessage`. */
export const MESSAGE_TAG = 0xfffffffe;
/** user_data high word of SQEs that have no op behind them (cancel-all at close). */
export const UNTRACKED = 0xffffffff;

/** Told when the table goes from no referenced op to some, and back (the wake-up's uv_ref/uv_unref). */
export interface RefTarget {
  ref(want: boolean): void;
}

/**
 * One live submission per slot, kept in parallel arrays (no object per op): where
 * its CQEs go (a sink, or a plain promise op's resolve and reject) and its spec,
 * which holds everything the kernel may still touch.
 */
export class OpTable {
  /** Indexed by user_data; undefined where free. */
  readonly specs: (OpSpec<unknown> | undefined)[] = [];
  readonly sinks: (CqeSink | null)[] = [];
  readonly resolves: (((v: unknown) => void) | null)[] = [];
  readonly rejects: (((e: unknown) => void) | null)[] = [];
  /** Whether the op keeps the process alive. */
  readonly refs: boolean[] = [];
  /** Ops added whose final CQE has not been taken. */
  inflight = 0;
  readonly #free: number[] = [];
  #refs = 0;
  readonly #wake: RefTarget;

  constructor(wake: RefTarget) {
    this.#wake = wake;
  }

  /** Adds a live op; returns its user_data. */
  add(
    sink: CqeSink | null,
    spec: OpSpec<unknown>,
    ref: boolean,
    resolve: ((v: unknown) => void) | null,
    reject: ((e: unknown) => void) | null,
  ): number {
    const ud = this.#free.length > 0 ? this.#free.pop()! : this.specs.length;
    this.specs[ud] = spec;
    this.sinks[ud] = sink;
    this.resolves[ud] = resolve;
    this.rejects[ud] = reject;
    this.refs[ud] = ref;
    this.inflight++;
    if (ref && this.#refs++ === 0) this.#wake.ref(true);
    return ud;
  }

  /**
   * Frees slot `ud` (its final CQE came, or it will never post one) but keeps
   * its hold on the process: `unref(ref)` drops that, after the op is settled
   * (so the reactions its settling queued come before the wake-up's check).
   * Returns whether it was referenced.
   */
  take(ud: number): boolean {
    const ref = this.refs[ud]!;
    this.specs[ud] = undefined;
    this.sinks[ud] = null;
    this.resolves[ud] = null;
    this.rejects[ud] = null;
    this.refs[ud] = false;
    this.#free.push(ud);
    this.inflight--;
    return ref;
  }

  /** Drops the hold of an op taken with `take` (when it was referenced). */
  unref(ref: boolean): void {
    if (ref && --this.#refs === 0) this.#wake.ref(false);
  }

  /** Removes op `ud` (its final CQE came, or it will never post one) and frees its slot. */
  remove(ud: number): void {
    this.unref(this.take(ud));
  }

  /** Whether a pending op keeps the process alive (like a timer's ref/unref). */
  setRef(ud: number, ref: boolean): void {
    if (this.specs[ud] === undefined || this.refs[ud] === ref) return;
    this.refs[ud] = ref;
    this.#refs += ref ? 1 : -1;
    this.#wake.ref(this.#refs > 0);
  }

  /** Empties the table (the ring is closing), handing each op still in it to `each`. */
  clear(each: (spec: OpSpec<unknown>, sink: CqeSink | null, reject: ((e: unknown) => void) | null) => void): void {
    for (let ud = 0; ud < this.specs.length; ud++) {
      const spec = this.specs[ud];
      if (spec === undefined) continue;
      const sink = this.sinks[ud]!;
      const reject = this.rejects[ud]!;
      this.take(ud);
      each(spec, sink, reject);
    }
    this.inflight = 0;
  }
}
