/**
 * The timer queue: timers live in a binary heap in JS, and ONE kernel timeout
 * (absolute, CLOCK_MONOTONIC) is armed for the earliest deadline, as libuv
 * does with epoll. A kernel timeout per timer measured far slower and later
 * here (DESIGN.md: 237k/s, p99 410 ms late vs Node's 1.56M/s, 60 ms).
 * An earlier deadline re-arms the kernel timer with IORING_TIMEOUT_UPDATE.
 */
import { op, type Ring } from '@uring/core';

export interface TimerEntry {
  /** Deadline in ms on performance.now()'s clock (a plain number: the heap compares it on every push and pop). */
  deadline: number;
  seq: number;
  ref: boolean;
  cancelled: boolean;
  fire: () => void;
}

/**
 * performance.now() runs on CLOCK_MONOTONIC (libuv's hrtime) from an origin;
 * this offset turns its ms into the kernel's absolute monotonic time.
 */
const originNs = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));

/** An absolute CLOCK_MONOTONIC timespec for a deadline in performance.now() ms, rounded up so it never fires early. */
function kernelTime(deadlineMs: number): { sec: number; nsec: number } {
  const ns = originNs + BigInt(Math.ceil(deadlineMs * 1e6));
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

export class TimerQueue {
  readonly #ring: Ring;
  readonly #heap: TimerEntry[] = [];
  #seq = 0;
  #refs = 0;
  /** user_data of the armed kernel timeout and the deadline it is armed for. */
  #armed: number | undefined;
  #armedAt = 0;

  constructor(ring: Ring) {
    this.#ring = ring;
  }

  get size(): number {
    return this.#heap.length;
  }

  /** Schedules `fire` at `deadline` (ms, performance.now() clock). */
  add(deadline: number, fire: () => void, ref = true): TimerEntry {
    const entry: TimerEntry = { deadline, seq: this.#seq++, ref, cancelled: false, fire };
    this.#push(entry);
    if (ref) this.#refs++;
    this.#arm();
    return entry;
  }

  /** Cancels a timer: it never fires. Removed lazily from the heap. */
  cancel(entry: TimerEntry): void {
    if (entry.cancelled) return;
    entry.cancelled = true;
    if (entry.ref) this.#setRef(entry, false);
  }

  /** Moves a pending timer to a new deadline (re-arming the kernel timer only if it becomes the earliest). */
  reschedule(entry: TimerEntry, deadline: number): TimerEntry {
    const ref = entry.ref;
    this.cancel(entry);
    return this.add(deadline, entry.fire, ref);
  }

  setRef(entry: TimerEntry, ref: boolean): void {
    if (entry.cancelled || entry.ref === ref) return;
    this.#setRef(entry, ref);
  }

  #setRef(entry: TimerEntry, ref: boolean): void {
    entry.ref = ref;
    this.#refs += ref ? 1 : -1;
    if (this.#armed !== undefined) this.#ring.setRef(this.#armed, this.#refs > 0);
  }

  #arm(): void {
    const top = this.#heap[0];
    if (top === undefined) return;
    const ts = kernelTime(top.deadline);
    if (this.#armed !== undefined) {
      if (top.deadline >= this.#armedAt) return;
      // Earlier than what the kernel waits for: move the kernel timer, no remove-and-add.
      this.#armedAt = top.deadline;
      this.#ring.start(op.timeoutUpdate(this.#armed, ts, { abs: true }), () => {}, { ref: false });
      return;
    }
    this.#armedAt = top.deadline;
    const handle = this.#ring.start(
      op.timeout(ts, { abs: true }),
      (_res, _flags, more) => {
        if (more) return;
        this.#armed = undefined;
        this.#expire();
      },
      { ref: this.#refs > 0 },
    );
    this.#armed = handle.userData;
  }

  /** Fires every timer that is due, in deadline order, then arms for the next. */
  #expire(): void {
    const now = performance.now();
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || (top.deadline > now && !top.cancelled)) break;
      this.#pop();
      if (top.cancelled) continue;
      top.cancelled = true;
      if (top.ref) this.#refs--;
      top.fire();
    }
    this.#arm();
  }

  #push(e: TimerEntry): void {
    const h = this.#heap;
    let i = h.push(e) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      const t = h[i]!;
      h[i] = h[parent]!;
      h[parent] = t;
      i = parent;
    }
  }

  #pop(): TimerEntry | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        const t = h[i]!;
        h[i] = h[m]!;
        h[m] = t;
        i = m;
      }
    }
    return top;
  }
}
