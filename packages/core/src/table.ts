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

/**
 * One live submission: where its CQEs go and everything the kernel may still
 * touch. A plain promise op keeps its resolve/reject here instead of a closure
 * (the hot path allocates no sink per op).
 */
export class LiveOp {
  constructor(
    readonly sink: CqeSink | null,
    readonly spec: OpSpec<unknown>,
    public ref: boolean,
    readonly resolve: ((v: unknown) => void) | null,
    readonly reject: ((e: unknown) => void) | null,
  ) {}
}

/** Told when the table goes from no referenced op to some, and back (the wake-up's uv_ref/uv_unref). */
export interface RefTarget {
  ref(want: boolean): void;
}

export class OpTable {
  /** Indexed by user_data; undefined where free. */
  readonly ops: (LiveOp | undefined)[] = [];
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
    const ud = this.#free.length > 0 ? this.#free.pop()! : this.ops.length;
    this.ops[ud] = new LiveOp(sink, spec, ref, resolve, reject);
    this.inflight++;
    if (ref && this.#refs++ === 0) this.#wake.ref(true);
    return ud;
  }

  /** Removes op `ud` (its final CQE came, or it will never post one) and frees its slot. */
  remove(ud: number, op: LiveOp): void {
    this.ops[ud] = undefined;
    this.#free.push(ud);
    this.inflight--;
    if (op.ref && --this.#refs === 0) this.#wake.ref(false);
  }

  /** Whether a pending op keeps the process alive (like a timer's ref/unref). */
  setRef(ud: number, ref: boolean): void {
    const op = this.ops[ud];
    if (op === undefined || op.ref === ref) return;
    op.ref = ref;
    this.#refs += ref ? 1 : -1;
    this.#wake.ref(this.#refs > 0);
  }

  /** Empties the table (the ring is closing), handing each op still in it to `each`. */
  clear(each: (op: LiveOp) => void): void {
    for (let ud = 0; ud < this.ops.length; ud++) {
      const op = this.ops[ud];
      if (op === undefined) continue;
      this.ops[ud] = undefined;
      each(op);
    }
    this.inflight = 0;
  }
}
