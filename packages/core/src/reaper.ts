/**
 * The completion reaper: drains the CQ ring from shared memory and hands each
 * CQE to its op in the submission table (a sink, or a promise's resolve and
 * reject), in chunks so a flood of results never lives all at once.
 */
import { constants } from 'node:os';
import { closedError } from './errors';
import { loadAcquire, storeRelease } from './order';
import { microtask, throwLater } from './tick';
import { completeDefault, type OpSpec } from './op';
import type { RingMemory } from './setup';
import type { Native } from './sys';
import { MESSAGE_TAG, UNTRACKED, type OpTable } from './table';
import {
  CQE,
  CQE_SIZE,
  IORING_CQ_EVENTFD_DISABLED,
  IORING_CQE_F_MORE,
  IORING_ENTER_EXT_ARG,
  IORING_ENTER_GETEVENTS,
  IORING_SETUP_DEFER_TASKRUN,
  IORING_SQ_CQ_OVERFLOW,
  IORING_SQ_TASKRUN,
} from './uapi';

const { ECANCELED } = constants.errno;
/** struct io_uring_cqe's fields as u32 word indexes (CQE_SIZE and every offset are multiples of 4). */
const CQE_WORD = { userData: CQE.userData / 4, res: CQE.res / 4, flags: CQE.flags / 4 } as const;
/** How many microtask rounds may reap inline before we let the event loop turn (so timers and sockets are not starved). */
const INLINE_REAP_BUDGET = 64;
/** CQEs dispatched before the rest wait for a microtask: what was settled is consumed (and dies young) first. */
const REAP_CHUNK = 64;
/**
 * Chunks a drain may go on with in one loop turn before the rest waits for the loop to turn (about
 * what libuv runs in one turn: an epoll_wait returns at most 1,024 events), so timers, signals and
 * other I/O are not starved by a steady load.
 */
const CHUNKS_PER_TURN = 16;

export type MessageHandler = (value: number, data: number, flags: number) => void;

/**
 * Silences the ring's eventfd (IORING_CQ_EVENTFD_DISABLED) for an io_uring_enter of ours: what it
 * posts, we read right after, so it need wake nobody. A plain store: the kernel reads it in this
 * thread's own syscall (another thread that misses it only signals once too often).
 */
export function hush(m: RingMemory): void {
  m.cq[m.cqFlags] = m.cq[m.cqFlags]! | IORING_CQ_EVENTFD_DISABLED;
}

/**
 * Turns the eventfd back on, with a full barrier (a seq-cst read-modify-write) before the caller reads
 * the CQ tail. It pairs with the kernel's smp_mb (io_cqring_wake) between publishing a CQE and reading
 * this flag (io_eventfd_grab): a CQE posted meanwhile by another thread (an io-wq worker, MSG_RING) is
 * either signalled or seen in the tail. Never lost.
 */
export function unhush(m: RingMemory): void {
  Atomics.and(m.cq, m.cqFlags, ~IORING_CQ_EVENTFD_DISABLED);
}

export class Reaper {
  /** Receives MSG_RING messages (CQEs tagged MESSAGE_TAG). */
  onMessage: MessageHandler | undefined;
  /** Set while the ring closes: an op cancelled by the close fails with ERR_URING_CLOSED. */
  closing = false;
  /**
   * The ring wakes through its own eventfd, which our enters silence (see hush): CQEs left after an
   * inline reap have nothing to signal them, so the reaper comes back for them itself.
   */
  quiet = false;
  /**
   * The eventfd is silenced (IORING_CQ_EVENTFD_DISABLED) by an enter of ours and stays so past it:
   * on a ring that is not deferTaskrun, while no op is in flight (nothing can post a CQE then) and no
   * message handler waits, afterSubmit leaves it silenced, so a serial loop of ops that complete
   * inline pays no barrier per op (see afterSubmit).
   */
  #hushed = false;
  #stopped = false;
  #inlineBudget = INLINE_REAP_BUDGET;
  #chunkBudget = CHUNKS_PER_TURN;
  /** A microtask going on with a drain is queued (its reap was charged to the turn's budget). */
  #moreQueued = false;
  /** A setImmediate going on with a drain after the loop turns is queued. */
  #laterQueued = false;
  #reaping = false;
  /** Our copy of the CQ head (only we write it). */
  #cqHead: number;
  readonly #m: RingMemory;
  readonly #n: Native;
  /** What io_uring_enter is given (the ring's registered slot or its fd) and the flag that says which. */
  readonly #fd: number;
  readonly #enterFlags: number;
  readonly #deferTaskrun: boolean;
  readonly #zeroTs = new Uint8Array(16);
  /** The next #drain runs deferred work with the eventfd on from the start (a catch-up after a quiet run). */
  #loudNext = false;
  readonly #noWait = new Uint8Array(24);
  /** The address of #noWait (kept alive by this reaper). */
  readonly #noWaitAddr: number;
  readonly #table: OpTable;
  readonly #reapMore = () => {
    this.#moreQueued = false;
    if (!this.#stopped) this.#reapSafely();
  };
  /** The loop has turned: the inline budget starts over. */
  readonly #reapNextTurn = () => {
    this.#laterQueued = false;
    this.#inlineBudget = INLINE_REAP_BUDGET;
    this.#chunkBudget = CHUNKS_PER_TURN;
    if (!this.#stopped) this.#reapSafely();
  };

  constructor(m: RingMemory, n: Native, table: OpTable, enterFd: number, enterFlags: number) {
    this.#m = m;
    this.#n = n;
    this.#fd = enterFd;
    this.#enterFlags = enterFlags;
    this.#deferTaskrun = (m.flags & IORING_SETUP_DEFER_TASKRUN) !== 0;
    // struct io_uring_getevents_arg { u64 sigmask; u32 sigmask_sz; u32 min_wait_usec; u64 ts } -> a zero timespec.
    new DataView(this.#noWait.buffer).setBigUint64(16, n.address(this.#zeroTs), true);
    this.#noWaitAddr = Number(n.address(this.#noWait));
    this.#table = table;
    this.#cqHead = m.cq[m.cqHead]!;
  }

  /** The wake-up fired: CQEs are ready (a new loop turn, so the inline budget starts over). */
  onReadable(): void {
    this.#inlineBudget = INLINE_REAP_BUDGET;
    this.#chunkBudget = CHUNKS_PER_TURN;
    this.#reapSafely();
  }

  /** Before an io_uring_enter of the ring's that submits: silences the eventfd (see hush). */
  beginEnter(): void {
    if (!this.#hushed) {
      hush(this.#m);
      this.#hushed = true;
    }
  }

  /** After that enter: a deferTaskrun ring's eventfd comes back on at once (see #runDeferred); others wait for afterSubmit. */
  endEnter(): void {
    if (this.#deferTaskrun) this.#loud();
  }

  /** The eventfd on again (before anyone reads the CQ tail: see unhush). */
  #loud(): void {
    if (!this.#hushed) return;
    unhush(this.#m);
    this.#hushed = false;
  }

  /**
   * The eventfd on again, and a look at what came meanwhile, which signalled nobody (the ring's fd is
   * polled from now on, or a message handler was set).
   */
  wake(): void {
    if (!this.#hushed) return;
    this.#loud();
    this.#reapInline();
  }

  /**
   * Just after a submission (the flush): reaps what completed inline, then turns the eventfd back on
   * unless nothing is in flight (the ops of a serial loop of NOPs or page-cached reads have all been
   * settled here) and no message handler waits: then no CQE can come unseen, and the next enter finds
   * it silenced already. When the eventfd comes back on, the CQ is looked at again: a CQE posted by
   * another thread (io-wq, MSG_RING) before that signalled nobody.
   */
  afterSubmit(): void {
    this.#reapInline();
    if (this.#table.inflight > 0 || this.onMessage !== undefined) this.wake();
  }

  /**
   * Fast completions (a NOP, a page-cached read) are often ready on return from
   * the enter; reap them now rather than one loop turn later, within a budget
   * so a serial await loop still lets the event loop run.
   */
  #reapInline(): void {
    // Under DEFER_TASKRUN, work queued during our enter had its eventfd signal silenced too (the kernel
    // signals only when that list goes from empty to non-empty): IORING_SQ_TASKRUN says it waits.
    if (!this.#ready() && !(this.#deferTaskrun && loadAcquire(this.#m.sq, this.#m.sqFlags) & IORING_SQ_TASKRUN)) return;
    if (this.#inlineBudget > 0) {
      this.#inlineBudget--;
      this.#reapSafely();
    } else if (this.quiet) {
      // (The ring fd, when polled, stays readable for these; a silenced eventfd was never signalled.)
      this.#reapLater();
    }
  }

  /** No more dispatching: the ring is gone. */
  stop(): void {
    this.#stopped = true;
  }

  /** Settles a promise op with its final CQE. */
  settle(spec: OpSpec<unknown>, res: number, flags: number, resolve: (v: unknown) => void, reject: (e: unknown) => void): void {
    if (this.closing && res === -ECANCELED) return reject(closedError());
    try {
      resolve(completeDefault(spec, res, flags));
    } catch (err) {
      reject(err);
    }
  }

  #ready(): boolean {
    return loadAcquire(this.#m.cq, this.#m.cqTail) !== this.#cqHead;
  }

  /** Reaps, turning an exception in a sink into an uncaught exception rather than a native crash. */
  #reapSafely(): void {
    try {
      this.reap();
    } catch (err) {
      throwLater(err);
    }
  }

  /**
   * Drains the CQ. Not re-entrant: a sink's JS can call into native code that
   * calls back into JS (node:tls handing decrypted data to its socket), and
   * Node then drains ticks and microtasks right there, our flush and its
   * inline reap among them. That inner pass would dispatch the CQEs the outer
   * one has read but not reached again (twice in all: an accept became two
   * sockets on one fd); refused, the outer pass goes on and sees them.
   */
  reap(): void {
    if (this.#reaping) return;
    this.#reaping = true;
    try {
      this.#drain();
    } finally {
      this.#reaping = false;
    }
  }

  #drain(): void {
    const m = this.#m;
    const cq = m.cq;
    let budget = REAP_CHUNK;
    // Under DEFER_TASKRUN the first run of deferred work here keeps the eventfd quiet, later ones not (see #runDeferred).
    let quiet = !this.#loudNext;
    let lastRunQuiet = false;
    this.#loudNext = false;
    for (let rounds = 0; !this.#stopped; rounds++) {
      if (rounds === 64) {
        // Still more after 64 rounds: go on after the loop has turned. (Under DEFER_TASKRUN nothing
        // else would come back for it: the eventfd was reset and fires only for new work.)
        this.#reapLater();
        return;
      }
      if (loadAcquire(m.sq, m.sqFlags) & IORING_SQ_TASKRUN) {
        // Task work waits (TASKRUN_FLAG, always set with DEFER_TASKRUN): running it posts its CQEs.
        if (this.#deferTaskrun) {
          this.#runDeferred(quiet);
          lastRunQuiet = quiet;
          quiet = false;
        } else this.#getEvents();
      }
      // Acquire: CQE contents are valid once we have read the kernel's tail.
      const tail = loadAcquire(m.cq, m.cqTail);
      let head = this.#cqHead;
      if (head === tail) {
        if (loadAcquire(m.sq, m.sqFlags) & IORING_SQ_CQ_OVERFLOW) {
          // Completions waiting in the kernel's overflow list: ask it to flush them into the CQ.
          this.#getEvents();
          continue;
        }
        // Work queued during a quiet run had its eventfd signal suppressed: come back for it after the
        // loop's other callbacks (more gathers than in a spin), with the eventfd on, and once only: the
        // flag can stay set with nothing to run (seen here after a worker thread started).
        if (lastRunQuiet && loadAcquire(m.sq, m.sqFlags) & IORING_SQ_TASKRUN) {
          this.#loudNext = true;
          this.#reapLater();
        }
        break;
      }
      if (budget <= 0) {
        // The values settled so far are consumed by the promise reactions now
        // queued; reap the rest after them, so thousands of results (a Stats
        // with four Dates each, say) are never alive at once for the GC to copy.
        // Within the turn's budget only: under a steady load (1,000 HTTP connections) new CQEs kept
        // coming while we reaped, and the chain of microtasks never let the loop turn (no timer ran for
        // the whole 5 s of a wrk run, nor anything queued with setImmediate).
        if (this.#moreQueued) return;
        if (this.#chunkBudget > 0) {
          this.#chunkBudget--;
          this.#moreQueued = true;
          microtask(this.#reapMore);
        } else this.#reapLater();
        return;
      }
      try {
        for (; head !== tail && budget > 0 && !this.#stopped; budget--) {
          // As u32 words of the CQ ring (in the host's byte order, as the kernel writes them): V8 calls
          // a builtin for DataView#getUint32 here, where a typed array load is inlined.
          const at = (m.cqes + (head & m.cqMask) * CQE_SIZE) >> 2;
          const ud = cq[at + CQE_WORD.userData]!;
          const udHigh = cq[at + CQE_WORD.userData + 1]!;
          const res = cq[at + CQE_WORD.res]! | 0;
          const flags = cq[at + CQE_WORD.flags]!;
          head = (head + 1) >>> 0;
          this.#cqHead = head;
          this.#dispatch(ud, udHigh, res, flags);
        }
      } finally {
        // Release, once per batch (the CQ has 8x the SQ's entries): the CQEs up to our head are copied
        // out, so the kernel may reuse their slots. Also when a sink threw: its CQE is consumed.
        storeRelease(m.cq, m.cqHead, this.#cqHead);
      }
      // The usual end, found without going round again (~80 instructions a drain, so a op of a serial
      // loop): all read, nothing posted since, and no task work or overflow waiting, which is all the
      // next round would look at before it stopped.
      if (head === tail && loadAcquire(cq, m.cqTail) === tail && (loadAcquire(m.sq, m.sqFlags) & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) === 0) break;
    }
  }

  /** Runs pending task work and flushes the overflow list into the CQ (posting CQEs this loop reads next). */
  #getEvents(): void {
    const quiet = this.quiet && !this.#hushed; // (silenced already: afterSubmit decides when it comes back on)
    if (quiet) hush(this.#m);
    this.#n.enter(this.#fd, 0, 0, this.#enterFlags | IORING_ENTER_GETEVENTS, 0, 0);
    if (quiet) unhush(this.#m);
  }

  #reapLater(): void {
    if (this.#laterQueued) return;
    this.#laterQueued = true;
    setImmediate(this.#reapNextTurn);
  }

  /**
   * Runs all deferred task work (DEFER_TASKRUN), posting its CQEs, in one io_uring_enter: GETEVENTS
   * with min_complete = the CQ size and a zero timeout, since with min_complete 0 one enter runs at most
   * 20 items and keeps the rest without a new eventfd signal. A `quiet` run disables the eventfd
   * meanwhile (the CQEs we post need no wake-up); work queued then sets IORING_SQ_TASKRUN, which
   * #drain checks after.
   */
  #runDeferred(quiet: boolean): void {
    const m = this.#m;
    // unhush's barrier pairs with the kernel's (the cmpxchg that queues the work, before it sets
    // IORING_SQ_TASKRUN and reads the flag): either it sees the eventfd on and signals it, or #drain
    // sees IORING_SQ_TASKRUN and runs the work itself.
    if (quiet) hush(m);
    this.#n.enter(this.#fd, 0, m.cqEntries, this.#enterFlags | IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, this.#noWaitAddr, 24);
    if (quiet) unhush(m);
  }

  #dispatch(ud: number, udHigh: number, res: number, flags: number): void {
    if (udHigh === UNTRACKED) return;
    if (udHigh === MESSAGE_TAG) return this.onMessage?.(res, ud, flags);
    const table = this.#table;
    const op = table.ops[ud];
    if (op === undefined) return;
    if (flags & IORING_CQE_F_MORE) {
      if (op.sink !== null) op.sink(res, flags, true);
      else op.spec.more?.(res, flags);
      return;
    }
    table.take(ud);
    // After the settling: an await loop's next op is then queued before the wake-up looks at the count.
    if (op.sink === null) {
      this.settle(op.spec, res, flags, op.resolve!, op.reject!); // (never throws)
      table.unref(op.ref);
      return;
    }
    try {
      op.sink(res, flags, false);
    } finally {
      table.unref(op.ref);
    }
  }
}
