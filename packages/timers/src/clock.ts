/**
 * The timer queue. Timers live in JS, as Node keeps them: one FIFO list per
 * duration (timers of one duration expire in the order they were added, so
 * adding is an append), and a small binary heap of those lists keyed by their
 * first deadline. ONE absolute CLOCK_MONOTONIC kernel timeout is armed for the
 * earliest deadline, as libuv does with epoll, and moved earlier with
 * IORING_TIMEOUT_UPDATE. A kernel timeout per timer measured far slower and
 * later here (DESIGN.md: 237k/s, p99 410 ms late vs Node's 1.56M/s, 60 ms).
 *
 * A cancelled timer is unlinked at once, so memory follows the live timers;
 * the kernel timeout is ref'd exactly while a live timer is ref'd, and
 * removed when no timer is left.
 */
import { op, type Ring } from '@uring/core';
import { constants } from 'node:os';

const { ECANCELED } = constants.errno;

/** One timer: a node of its duration's list while scheduled. */
export class Timer {
  /** Deadline in ms on performance.now()'s clock. */
  deadline = 0;
  prev: Timer | null = null;
  next: Timer | null = null;
  /** The list it is in; null when not scheduled (fired or cancelled). */
  list: DurationList | null = null;

  constructor(
    /** Called with `value` when the timer expires (a promise's resolve, mostly: no closure per timer). */
    readonly fire: (value: unknown) => void,
    readonly value: unknown,
    public ref: boolean,
  ) {}
}

/** The timers of one duration, in deadline order (appends; an interval's catch-up tick may walk back a little). */
class DurationList {
  head: Timer | null = null;
  tail: Timer | null = null;
  /** The head's deadline: the heap's key. */
  expiry = 0;
  /** Position in the heap. */
  index = 0;

  constructor(readonly duration: number) {}
}

/**
 * performance.now() runs on CLOCK_MONOTONIC (libuv's hrtime) from an origin.
 * Taking the earlier performance.now() reading makes the origin the latest it
 * can be, so a kernel deadline derived from it is never early.
 */
const [originSec, originNsec] = (() => {
  const p = performance.now();
  const ns = process.hrtime.bigint() - BigInt(Math.floor(p * 1e6));
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
})();

/** An absolute CLOCK_MONOTONIC time for a deadline in performance.now() ms, rounded up (no BigInt: it runs at every re-arm). */
function kernelTime(deadlineMs: number): { sec: number; nsec: number } {
  const whole = Math.floor(deadlineMs / 1000);
  let sec = originSec + whole;
  let nsec = originNsec + Math.ceil((deadlineMs - whole * 1000) * 1e6);
  if (nsec >= 1_000_000_000) {
    sec++;
    nsec -= 1_000_000_000;
  }
  return { sec, nsec };
}

const noop = () => {};

export class TimerQueue {
  readonly #ring: Ring;
  readonly #lists = new Map<number, DurationList>();
  /** Lists by expiry (a binary heap). */
  readonly #heap: DurationList[] = [];
  #size = 0;
  #refs = 0;
  /** Set while expiring: timers added by a firing one (an interval's next tick) are armed for once, at the end. */
  #expiring = false;
  /** The armed kernel timeout: its user_data, the deadline it waits for, whether it holds the loop, and its generation. */
  #armed: number | undefined;
  #armedAt = 0;
  #armedRef = false;
  #gen = 0;
  #disarmQueued = false;

  constructor(ring: Ring) {
    this.#ring = ring;
  }

  /** Live (scheduled) timers. */
  get size(): number {
    return this.#size;
  }

  /** Schedules `timer` `delay` ms from now, or at `deadline` (ms, performance.now() clock) if given. */
  schedule(timer: Timer, delay: number, deadline = performance.now() + delay): void {
    timer.deadline = deadline;
    let list = this.#lists.get(delay);
    if (list === undefined) {
      list = new DurationList(delay);
      this.#lists.set(delay, list);
      list.head = list.tail = timer;
      list.expiry = deadline;
      this.#heapPush(list);
    } else {
      let after = list.tail;
      while (after !== null && after.deadline > deadline) after = after.prev;
      this.#link(list, timer, after);
      if (after === null) {
        list.expiry = deadline;
        this.#heapUp(list.index);
      }
    }
    timer.list = list;
    this.#size++;
    if (timer.ref) this.#refs++;
    if (!this.#expiring) this.#arm();
  }

  /** Cancels a timer: it never fires, and the queue lets go of it now. */
  cancel(timer: Timer): void {
    if (this.#take(timer) && !this.#expiring) this.#arm();
  }

  /** Whether a scheduled timer keeps the process alive. */
  setRef(timer: Timer, ref: boolean): void {
    if (timer.ref === ref) return;
    timer.ref = ref;
    if (timer.list === null) return;
    this.#refs += ref ? 1 : -1;
    this.#syncRef();
  }

  /** Unlinks a scheduled timer; false if it was not scheduled. */
  #take(timer: Timer): boolean {
    const list = timer.list;
    if (list === null) return false;
    const wasHead = timer.prev === null;
    if (timer.prev === null) list.head = timer.next;
    else timer.prev.next = timer.next;
    if (timer.next === null) list.tail = timer.prev;
    else timer.next.prev = timer.prev;
    timer.prev = timer.next = timer.list = null;
    this.#size--;
    if (timer.ref) this.#refs--;
    if (list.head === null) {
      this.#lists.delete(list.duration);
      this.#heapRemove(list.index);
    } else if (wasHead) {
      list.expiry = list.head.deadline;
      this.#heapDown(list.index);
    }
    return true;
  }

  /** Inserts `timer` into `list` after `after` (at the head if null). */
  #link(list: DurationList, timer: Timer, after: Timer | null): void {
    timer.prev = after;
    timer.next = after === null ? list.head : after.next;
    if (timer.next === null) list.tail = timer;
    else timer.next.prev = timer;
    if (after === null) list.head = timer;
    else after.next = timer;
  }

  /** Fires every timer that is due, list by list in expiry order, then arms for the next. */
  #expire(): void {
    const now = performance.now();
    this.#expiring = true;
    try {
      for (let list = this.#heap[0]; list !== undefined && list.expiry <= now; list = this.#heap[0]) {
        for (let t = list.head; t !== null && t.deadline <= now; t = list.head) {
          this.#take(t);
          t.fire(t.value);
        }
      }
    } finally {
      this.#expiring = false;
      this.#arm();
    }
  }

  /** Makes the kernel timeout match the earliest deadline (earlier only: a late wake-up is re-armed then) and the refs. */
  #arm(): void {
    const top = this.#heap[0];
    if (top === undefined) return this.#disarm();
    if (this.#armed !== undefined) {
      if (top.expiry < this.#armedAt) {
        this.#armedAt = top.expiry;
        this.#ring.start(op.timeoutUpdate(this.#armed, kernelTime(top.expiry), { abs: true }), noop, { ref: false });
      }
      return this.#syncRef();
    }
    const gen = ++this.#gen;
    this.#armedAt = top.expiry;
    this.#armedRef = this.#refs > 0;
    this.#armed = this.#ring.start(
      op.timeout(kernelTime(top.expiry), { abs: true }),
      (res, _flags, more) => {
        if (more || gen !== this.#gen) return; // a removed timeout's last word
        this.#armed = undefined;
        if (res !== -ECANCELED) this.#expire(); // -ECANCELED: the ring is closing
      },
      { ref: this.#armedRef },
    ).userData;
  }

  /**
   * No timer left: the kernel timeout goes too, so an idle queue holds nothing
   * in the kernel. Not at once but after this run of code, so that code adding
   * and cancelling timers in a loop re-uses one kernel timeout.
   */
  #disarm(): void {
    if (this.#armed === undefined || this.#disarmQueued) return;
    this.#syncRef();
    this.#disarmQueued = true;
    queueMicrotask(this.#disarmIfIdle);
  }

  readonly #disarmIfIdle = (): void => {
    this.#disarmQueued = false;
    const ud = this.#armed;
    if (ud === undefined || this.#heap.length > 0 || this.#ring.closed) return;
    this.#armed = undefined;
    this.#gen++;
    this.#ring.start(op.timeoutRemove(ud), noop, { ref: false });
  };

  /** The armed kernel timeout holds the loop exactly while a scheduled timer is ref'd. */
  #syncRef(): void {
    const want = this.#refs > 0;
    if (this.#armed === undefined || want === this.#armedRef) return;
    this.#armedRef = want;
    this.#ring.setRef(this.#armed, want);
  }

  // ---- the heap of lists, by expiry ----------------------------------------

  #heapPush(list: DurationList): void {
    list.index = this.#heap.push(list) - 1;
    this.#heapUp(list.index);
  }

  #heapRemove(i: number): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (i === h.length) return;
    h[i] = last;
    last.index = i;
    this.#heapUp(i);
    this.#heapDown(last.index);
  }

  #heapUp(i: number): void {
    const h = this.#heap;
    const item = h[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (p.expiry <= item.expiry) break;
      h[i] = p;
      p.index = i;
      i = parent;
    }
    h[i] = item;
    item.index = i;
  }

  #heapDown(i: number): void {
    const h = this.#heap;
    const n = h.length;
    const item = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && h[c + 1]!.expiry < h[c]!.expiry) c++;
      const child = h[c]!;
      if (item.expiry <= child.expiry) break;
      h[i] = child;
      child.index = i;
      i = c;
    }
    h[i] = item;
    item.index = i;
  }
}
