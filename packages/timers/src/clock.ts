/**
 * The timer queue: the duration lists of ./lists under a heap, and ONE
 * absolute CLOCK_MONOTONIC kernel timeout armed for the earliest deadline, as
 * libuv does with epoll, moved earlier with IORING_TIMEOUT_UPDATE. A kernel
 * timeout per timer measured far slower and later here (DESIGN.md: 237k/s,
 * p99 410 ms late vs Node's 1.56M/s, 60 ms).
 *
 * A cancelled timer lets go of its callback at once and its slot goes when the
 * list passes or compacts it, so memory follows the live timers; the kernel
 * timeout holds the loop exactly while a ref'd timer is pending, and is
 * removed when no timer is left.
 */
import { op, type Ring } from '@uring/core';
import { ListHeap, Timer, TimerList, type Fire } from './lists';
import { constants } from 'node:os';

const { ECANCELED } = constants.errno;

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
  /** Where the kernel timeout goes: the default ring, asked again when the one in use was closed. */
  readonly #ringOf: () => Ring;
  #ring: Ring;
  /** Lists by whole milliseconds of delay: ref'd ones under `ms`, unref'd under `-ms` (a delay is >= 1). */
  readonly #lists = new Map<number, TimerList>();
  readonly #heap = new ListHeap();
  #refs = 0;
  /** Set while expiring: timers added by a firing one (an interval's next tick) are armed for once, at the end. */
  #expiring = false;
  /** The armed kernel timeout: its user_data, the deadline it waits for, whether it holds the loop, and its generation. */
  #armed: number | undefined;
  #armedAt = 0;
  #armedRef = false;
  #gen = 0;
  #disarmQueued = false;

  constructor(ringOf: () => Ring) {
    this.#ringOf = ringOf;
    this.#ring = ringOf();
  }

  /** Whether its ring is still open (a closed one is replaced at the next arming). */
  get open(): boolean {
    return !this.#ring.closed;
  }

  /** Calls `fire(value)` in `delay` ms; cannot be cancelled (a timer without a signal: no object of its own). */
  add(delay: number, fire: Fire, value: unknown, ref: boolean): void {
    this.#push(this.#list(delay, ref), performance.now() + delay, fire, value);
  }

  /** Schedules a cancellable timer `delay` ms from now. */
  schedule(timer: Timer, delay: number, ref: boolean): void {
    if (timer.fire === null || timer.list !== null) return; // cancelled, or already waiting
    timer.list = this.#list(delay, ref);
    this.#push(timer.list, performance.now() + delay, timer, undefined);
  }

  /** Schedules an interval's tick at `deadline` (ms, performance.now() clock), in a list of its own: its deadlines follow each other, not now. */
  repeat(timer: Timer, deadline: number, ref: boolean): void {
    if (timer.fire === null || timer.list !== null) return;
    timer.list = timer.own ??= new TimerList(ref, undefined, 2);
    this.#push(timer.list, deadline, timer, undefined);
  }

  /** Cancels a timer: it never fires, and the queue lets go of what it holds now. */
  cancel(timer: Timer): void {
    const list = timer.list;
    timer.fire = null;
    timer.value = undefined;
    if (list === null) return;
    timer.list = null;
    this.#gone(list);
    if (list.live === 0) this.#drop(list);
    else if (list.slots[list.head] === timer) {
      list.skipHusks();
      this.#heap.later(list);
    } else if (list.sparse) list.compact();
    if (!this.#expiring) this.#arm();
  }

  #list(delay: number, ref: boolean): TimerList {
    const key = ref ? Math.floor(delay) : -Math.floor(delay);
    let list = this.#lists.get(key);
    if (list === undefined) this.#lists.set(key, (list = new TimerList(ref, key, 2)));
    return list;
  }

  #push(list: TimerList, deadline: number, slot: Fire | Timer, value: unknown): void {
    list.push(deadline, slot, value);
    if (list.ref) this.#refs++;
    if (list.index < 0) {
      list.expiry = deadline;
      this.#heap.push(list);
    }
    if (!this.#expiring) this.#arm();
  }

  /** Bookkeeping for a timer of `list` that fired or was cancelled. */
  #gone(list: TimerList): void {
    list.live--;
    if (list.ref) this.#refs--;
  }

  /** An empty list leaves the heap and the map, and its arrays go with it. */
  #drop(list: TimerList): void {
    if (list.index >= 0) this.#heap.remove(list);
    if (list.key !== undefined && this.#lists.get(list.key) === list) this.#lists.delete(list.key);
  }

  /** Fires every timer that is due, list by list in expiry order, then arms for the next. */
  #expire(): void {
    const now = performance.now();
    this.#expiring = true;
    try {
      for (let list = this.#heap.top; list !== undefined && list.expiry <= now; list = this.#heap.top) {
        this.#run(list, now);
        list.skipHusks();
        if (list.count === 0) this.#drop(list);
        else this.#heap.later(list);
      }
    } finally {
      this.#expiring = false;
      this.#arm();
    }
  }

  /** Fires the due timers at the head of `list`. */
  #run(list: TimerList, now: number): void {
    while (list.count > 0) {
      const i = list.head;
      if (list.deadlines[i]! > now) return;
      const slot = list.slots[i]!;
      const value = list.values[i];
      list.slots[i] = undefined;
      list.values[i] = undefined;
      list.head = (i + 1) & list.mask;
      list.count--;
      if (typeof slot === 'function') {
        this.#gone(list);
        slot(value);
      } else if (slot.fire !== null) {
        slot.list = null;
        this.#gone(list);
        slot.fire(slot.value);
      } // else a husk: its timer was cancelled
    }
  }

  /** Makes the kernel timeout match the earliest deadline (earlier only: a late wake-up is re-armed then) and the refs. */
  #arm(): void {
    const top = this.#heap.top;
    if (top === undefined) return this.#disarm();
    if (this.#armed !== undefined) {
      if (top.expiry < this.#armedAt) {
        this.#armedAt = top.expiry;
        this.#ring.start(op.timeoutUpdate(this.#armed, kernelTime(top.expiry), { abs: true }), noop, { ref: false });
      }
      return this.#syncRef();
    }
    if (this.#ring.closed) this.#ring = this.#ringOf();
    const gen = ++this.#gen;
    this.#armedAt = top.expiry;
    this.#armedRef = this.#refs > 0;
    this.#armed = this.#ring.start(
      op.timeout(kernelTime(top.expiry), { abs: true }),
      (res, _flags, more) => {
        if (more || gen !== this.#gen) return; // a removed timeout's last word
        this.#armed = undefined;
        if (res !== -ECANCELED) this.#expire();
        // -ECANCELED: the ring is closing; what is scheduled re-arms on the next default ring once it is closed.
        else if (this.#heap.length > 0) setImmediate(this.#rearm);
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

  readonly #rearm = (): void => {
    if (this.#armed === undefined && !this.#expiring) this.#arm();
  };

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
}
