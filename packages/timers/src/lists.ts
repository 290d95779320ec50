/**
 * The timers of one duration, as Node keeps them: timers of one duration
 * expire in the order they were added, so a FIFO is enough and adding is an
 * append. Each list is a ring of slots in plain arrays (the deadlines unboxed
 * doubles), so a timer costs no object of its own; a heap orders the lists by
 * their first deadline. Delays that share a whole millisecond share a list,
 * so computed fractional delays do not make a list each: a timer then waits
 * less than 1 ms behind one added before it, and never fires early.
 */

/** What a slot calls when its timer expires (a promise's resolve, mostly), with the slot's value. */
export type Fire = (value: unknown) => void;

/**
 * A timer that can be cancelled (one with a signal, an interval's tick).
 * Cancelling empties it at once (`fire` null): its slot then holds this husk
 * only, until the list passes it or compacts.
 */
export class Timer {
  /** The list it waits in; null when not scheduled. */
  list: TimerList | null = null;
  /** An interval's own list, kept across its ticks. */
  own: TimerList | null = null;

  constructor(
    public fire: Fire | null,
    public value: unknown,
  ) {}
}

export class TimerList {
  deadlines: number[];
  slots: (Fire | Timer | undefined)[];
  values: unknown[];
  mask: number;
  head = 0;
  /** Slots in use, husks included. */
  count = 0;
  /** Timers that will fire. */
  live = 0;
  /** The first slot's deadline: the heap's key. */
  expiry = 0;
  /** Position in the heap; -1 when not in it. */
  index = -1;

  constructor(
    /** Whether its timers keep the process alive. */
    readonly ref: boolean,
    /** Its key in the queue's map of durations; undefined for an interval's own list. */
    readonly key: number | undefined,
    capacity: number,
  ) {
    this.deadlines = new Array<number>(capacity).fill(0);
    this.slots = new Array(capacity);
    this.values = new Array(capacity);
    this.mask = capacity - 1;
  }

  /** Appends a slot: a later slot's deadline is never more than 1 ms before an earlier one's (their delays share a whole ms). */
  push(deadline: number, slot: Fire | Timer, value: unknown): void {
    if (this.count > this.mask) this.#resize(this.live * 2 > this.count ? (this.mask + 1) * 2 : this.mask + 1);
    const i = (this.head + this.count) & this.mask;
    this.deadlines[i] = deadline;
    this.slots[i] = slot;
    this.values[i] = value;
    this.count++;
    this.live++;
  }

  /** Drops husks at the head, so `expiry` is a live timer's deadline. */
  skipHusks(): void {
    while (this.count > 0) {
      const s = this.slots[this.head];
      if (typeof s === 'function' || s!.fire !== null) break;
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) & this.mask;
      this.count--;
    }
    if (this.count > 0) this.expiry = this.deadlines[this.head]!;
  }

  /** Whether husks outnumber live timers enough to compact now (amortised O(1) per cancel). */
  get sparse(): boolean {
    return this.count > 64 && this.live * 2 < this.count;
  }

  /** Copies the live slots, in order, into arrays of `capacity` (a power of two >= live): husks go. */
  compact(): void {
    let capacity = this.mask + 1;
    while (capacity > 2 && capacity >= this.live * 4) capacity >>= 1;
    this.#resize(capacity);
  }

  #resize(capacity: number): void {
    const { deadlines, slots, values, mask, head, count } = this;
    this.deadlines = new Array<number>(capacity).fill(0);
    this.slots = new Array(capacity);
    this.values = new Array(capacity);
    this.mask = capacity - 1;
    this.head = 0;
    if (this.live === count) {
      // Growing a list without husks: a straight copy (the ring unwrapped at 0).
      for (let k = 0; k < count; k++) {
        const i = (head + k) & mask;
        this.deadlines[k] = deadlines[i]!;
        this.slots[k] = slots[i];
        this.values[k] = values[i];
      }
      return;
    }
    let n = 0;
    for (let k = 0; k < count; k++) {
      const i = (head + k) & mask;
      const s = slots[i]!;
      if (typeof s !== 'function' && s.fire === null) continue; // a husk
      this.deadlines[n] = deadlines[i]!;
      this.slots[n] = s;
      this.values[n] = values[i];
      n++;
    }
    this.count = n;
  }
}

/** Lists by expiry: a binary heap that knows each list's position, so a list can leave it from anywhere. */
export class ListHeap {
  readonly #h: TimerList[] = [];

  get top(): TimerList | undefined {
    return this.#h[0];
  }

  get length(): number {
    return this.#h.length;
  }

  push(list: TimerList): void {
    list.index = this.#h.push(list) - 1;
    this.#up(list.index);
  }

  remove(list: TimerList): void {
    const h = this.#h;
    const i = list.index;
    list.index = -1;
    const last = h.pop()!;
    if (last === list) return;
    h[i] = last;
    last.index = i;
    this.#up(i);
    this.#down(last.index);
  }

  /** Restores order after `list.expiry` grew. */
  later(list: TimerList): void {
    this.#down(list.index);
  }

  #up(i: number): void {
    const h = this.#h;
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

  #down(i: number): void {
    const h = this.#h;
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
