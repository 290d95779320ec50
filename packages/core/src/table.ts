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
 * One live submission: where its CQEs go (a sink, or a plain promise op's
 * resolve and reject) and its spec, which holds everything the kernel may
 * still touch. One young object per op: its fields are written with no
 * write-barrier slow path, where storing them into the table's long-lived
 * arrays took one each (measured: ~50 instructions apiece).
 */
export class LiveOp {
  constructor(
    readonly sink: CqeSink | null,
    /** Set once, before the op is added (a promise op's LiveOp is made by its promise's executor). */
    public spec: OpSpec<unknown>,
    public ref: boolean,
    readonly resolve: ((v: unknown) => void) | null,
    readonly reject: ((e: unknown) => void) | null,
  ) {}
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
  add(op: LiveOp): number {
    const ud = this.reserve(op.ref);
    this.ops[ud] = op;
    return ud;
  }

  /** A slot for an op that the caller stores at `ops[ud]` before anything else reads the table; its user_data. */
  reserve(ref: boolean): number {
    const ud = this.#free.length > 0 ? this.#free.pop()! : this.ops.length;
    this.inflight++;
    if (ref && this.#refs++ === 0) this.#wake.ref(true);
    return ud;
  }

  /**
   * Frees slot `ud` (its final CQE came, or it will never post one) but keeps
   * its hold on the process: `unref(op.ref)` drops that, after the op is
   * settled (so the reactions its settling queued come first).
   */
  take(ud: number): void {
    this.ops[ud] = undefined;
    this.#free.push(ud);
    this.inflight--;
  }

  /** Drops the hold of an op taken with `take` (when it was referenced). */
  unref(ref: boolean): void {
    if (ref && --this.#refs === 0) this.#wake.ref(false);
  }

  /** Removes op `ud` (its final CQE came, or it will never post one) and frees its slot. */
  remove(ud: number): void {
    const op = this.ops[ud];
    if (op === undefined) return;
    this.take(ud);
    this.unref(op.ref);
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
