/**
 * The ring: SQEs written straight into shared memory and submitted once per
 * tick, with the ops' table (table.ts), the completion reaper (reaper.ts) and
 * the wake-up on this thread's event loop (wakeup.ts) behind it.
 */
import { AbortError, closedError, systemError, uringError } from './errors';
import { sqeFlagsOf, wasStopped, type CqeSink, type OpSpec, type SubmitOptions } from './op';
import { Reaper, type MessageHandler } from './reaper';
import { setupRing, type RingMemory, type RingOptions } from './setup';
import { sys, type Native } from './sys';
import { LiveOp, OpTable, UNTRACKED } from './table';
import {
  IORING_ASYNC_CANCEL_ANY,
  IORING_ENTER_EXT_ARG,
  IORING_ENTER_GETEVENTS,
  IORING_ENTER_REGISTERED_RING,
  IORING_ENTER_SQ_WAKEUP,
  IORING_SETUP_DEFER_TASKRUN,
  IORING_SETUP_SQPOLL,
  IORING_SQ_NEED_WAKEUP,
  IOSQE_CQE_SKIP_SUCCESS,
  IOSQE_IO_HARDLINK,
  IOSQE_IO_LINK,
  Opcode,
  SQE,
  SQE_SIZE,
} from './uapi';
import { prepRw, setOpFlags } from './sqe';
import { BufferTable, FileTable, registerEventfd, registerRingFd, unregisterEventfd, unregisterRingFd } from './register';
import { adopt, release } from './thread';
import { loadAcquire, storeRelease } from './order';
import { microtask, throwLater } from './tick';
import { Wakeup } from './wakeup';
import { constants } from 'node:os';

const { EINTR, EAGAIN, EBUSY, ECANCELED, ENXIO } = constants.errno;

/**
 * One shared promise executor: it puts the promise op's LiveOp straight into the table slot that
 * `into` names, so a submission allocates no closure (and no context) of its own. The LiveOp is made
 * here, so resolve and reject go into a young object, and it is stored once, into the table (each
 * store of a young object into a long-lived one takes a write-barrier slow path: parking it in a
 * module object first took a second).
 */
const into = { ops: null as unknown as (LiveOp | undefined)[], ud: 0 };
const ignore = () => {};
/** Not yet a spec: the promise's LiveOp is made before its spec is set. */
const NO_SPEC = null as unknown as OpSpec<unknown>;
function capture(resolve: (v: never) => void, reject: (e: unknown) => void): void {
  into.ops[into.ud] = new LiveOp(null, NO_SPEC, true, resolve as (v: unknown) => void, reject);
}

/** A submitted op, as its starter sees it. */
export interface OpHandle {
  /** The user_data of the SQE (what ASYNC_CANCEL targets). */
  readonly userData: number;
  /** Asks the kernel to cancel it (IORING_OP_ASYNC_CANCEL). Its CQE still comes. */
  cancel(): void;
}

class Handle implements OpHandle {
  constructor(
    readonly ring: Ring,
    readonly userData: number,
  ) {}

  cancel(): void {
    this.ring.abort(this.userData);
  }
}

/** Ops that were still in the kernel when their ring was closed: their memory is kept forever rather than freed under the kernel. */
const abandoned: unknown[] = [];

export class Ring implements Disposable {
  /** The ring fd. */
  readonly fd: number;
  /** SQ and CQ sizes the kernel granted. */
  readonly sqEntries: number;
  readonly cqEntries: number;
  /** IORING_SETUP_* flags in force and IORING_FEAT_* the kernel offers. */
  readonly setupFlags: number;
  readonly features: number;
  /**
   * This ring's slot in its thread's registered-ring table (IORING_REGISTER_RING_FDS), which every
   * io_uring_enter names instead of the fd; -1 when it has none (16 per thread) and enters by its fd.
   */
  readonly registeredIndex: number;

  readonly #m: RingMemory;
  readonly #n: Native;
  readonly #table: OpTable;
  readonly #reaper: Reaper;
  readonly #wakeup: Wakeup;
  #submissions = 0;
  /** Our copy of the SQ tail; published to the kernel at flush. */
  #sqTail: number;
  #pending = 0;
  #flushQueued = false;
  #closed = false;
  #closing = false;
  #files: FileTable | undefined;
  #buffers: BufferTable | undefined;
  readonly #fixedFiles: number;
  /** What io_uring_enter is given: the registered slot (with IORING_ENTER_REGISTERED_RING in #enterFlags), or the fd. */
  readonly #enterFd: number;
  readonly #enterFlags: number;
  /** The ring's own eventfd, which wakes its loop and which our enters silence (-1: the ring fd is polled itself; see #startWakeup). */
  #eventfd = -1;
  readonly #flush = () => {
    try {
      this.#flushTick();
    } catch (err) {
      throwLater(err); // (a sink's throw while the reaper made room in the CQ)
    }
  };
  /** The SQE array as float64 words: eight stores of 0 clear an SQE, where TypedArray#fill is a call into C++. */
  readonly #sqeWords: Float64Array;

  constructor(options: RingOptions = {}) {
    this.#m = setupRing(options);
    this.#fixedFiles = options.fixedFiles ?? 4096;
    this.#n = sys();
    this.fd = this.#m.fd;
    this.sqEntries = this.#m.sqEntries;
    this.cqEntries = this.#m.cqEntries;
    this.setupFlags = this.#m.flags;
    this.features = this.#m.features;
    this.registeredIndex = registerRingFd(this.#n, this.fd);
    this.#enterFd = this.registeredIndex >= 0 ? this.registeredIndex : this.fd;
    this.#enterFlags = this.registeredIndex >= 0 ? IORING_ENTER_REGISTERED_RING : 0;
    this.#sqTail = this.#m.sq[this.#m.sqTail]!;
    this.#sqeWords = new Float64Array(this.#m.sqeBytes.buffer, this.#m.sqeBytes.byteOffset, this.#m.sqeBytes.byteLength / 8);
    try {
      this.#wakeup = this.#startWakeup();
    } catch (err) {
      this.#unmap();
      throw err;
    }
    this.#table = new OpTable(this.#wakeup);
    this.#reaper = new Reaper(this.#m, this.#n, this.#table, this.#enterFd, this.#enterFlags);
    this.#reaper.quiet = this.#eventfd >= 0;
    adopt(this, this.#eventfd >= 0 ? [this.fd, this.#eventfd] : [this.fd]);
  }

  /** How many times queued SQEs were handed to the kernel (io_uring_enter, or an SQPOLL tail update): ops started in one tick go in one. */
  get submissions(): number {
    return this.#submissions;
  }

  /** Ops submitted (or prepared) whose final CQE has not arrived. */
  get inflight(): number {
    return this.#table.inflight;
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ---- submission -------------------------------------------------------

  /** Submits one op; the promise settles with its completion. */
  submit<T>(spec: OpSpec<T>, options?: SubmitOptions): Promise<T> {
    if (options === undefined || (options.signal === undefined && options.ref !== false && sqeFlagsOf(options) === 0)) {
      // The hot path: no signal, no flags, no closure per op.
      this.#ensureOpen();
      this.#reserve(1);
      return this.#preparePromise<T>(spec);
    }
    return new Promise<T>((resolve, reject) => {
      const signal = options.signal;
      if (signal?.aborted) {
        spec.discard?.(-ECANCELED); // never submitted: it lets go of what it holds
        return reject(new AbortError(undefined, { cause: signal.reason }));
      }
      let aborted = false;
      let onAbort: (() => void) | undefined;
      const handle = this.start(
        spec,
        (res, flags, more) => {
          if (more) return; // a single-shot promise only waits for the final CQE
          if (onAbort) signal!.removeEventListener('abort', onAbort);
          if (aborted && wasStopped(res)) {
            // (An op that completed before the cancel reached it is settled as it completed: its result is real.)
            spec.discard?.(res);
            return reject(new AbortError(undefined, { cause: signal!.reason }));
          }
          this.#reaper.settle(spec, res, flags, resolve as (v: unknown) => void, reject);
        },
        options,
      );
      if (signal) {
        onAbort = () => {
          aborted = true;
          handle.cancel();
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  /**
   * Writes the SQE for `spec` and routes every CQE of it to `sink` until the
   * final one (no IORING_CQE_F_MORE). The building block of promises, observables
   * and chains; `spec.keep` stays referenced until that final CQE.
   */
  start(spec: OpSpec<unknown>, sink: CqeSink, options?: SubmitOptions): OpHandle {
    this.#ensureOpen();
    this.#reserve(1);
    const flags = options === undefined ? 0 : sqeFlagsOf(options);
    const ud = this.#prepare(new LiveOp(sink, spec, options?.ref !== false, null, null), flags | (spec.sqeFlags ?? 0));
    return new Handle(this, ud);
  }

  /**
   * A live op for restart(), made once by an owner that starts the same spec and sink again and again,
   * one start at a time (a connection's sends, its spec refilled for each): start() made a live op and
   * a handle per start, and storing the young op into the table took a write-barrier slow path.
   */
  liveOp(spec: OpSpec<unknown>, sink: CqeSink): LiveOp {
    return new LiveOp(sink, spec, true, null, null);
  }

  /** start() of a live op from liveOp() whose last start's final CQE has come (it keeps the process alive meanwhile). */
  restart(op: LiveOp): void {
    this.#ensureOpen();
    this.#reserve(1);
    this.#prepare(op, op.spec.sqeFlags ?? 0);
  }

  /**
   * Writes a link chain: every SQE but the last carries IOSQE_IO_LINK (or
   * IOSQE_IO_HARDLINK). The whole chain lands in one submission, never split.
   */
  startLinked(
    specs: readonly OpSpec<unknown>[],
    sinks: readonly CqeSink[],
    options: SubmitOptions & { hard?: boolean | readonly boolean[] } = {},
  ): OpHandle[] {
    this.#reserveChain(specs.length);
    const hard = options.hard;
    const ref = options.ref !== false;
    const start = this.#sqTail;
    try {
      return specs.map((spec, i) => {
        let flags = sqeFlagsOf(options) | (spec.sqeFlags ?? 0);
        // `hard` per step says how step i links to step i + 1.
        if (i < specs.length - 1) flags |= (Array.isArray(hard) ? hard[i] : hard) ? IOSQE_IO_HARDLINK : IOSQE_IO_LINK;
        return new Handle(this, this.#prepare(new LiveOp(sinks[i]!, spec, ref, null, null), flags));
      });
    } catch (err) {
      this.#takeBack(start);
      throw err;
    }
  }

  /**
   * A chain without per-step bookkeeping, for hot paths: the steps before the
   * last report only to their own `complete` (its value or error is dropped, so
   * record there what the last step needs), and the promise settles with the
   * last step's completion. `hard` links with IOSQE_IO_HARDLINK. No step may
   * skip its success CQE: nothing here would let it go (nor settle the chain
   * when it fails, since the kernel then posts nothing for the rest); runChain can.
   */
  submitLinked<T>(specs: readonly OpSpec<unknown>[], hard = false): Promise<T> {
    if (specs.some((spec) => (spec.sqeFlags ?? 0) & IOSQE_CQE_SKIP_SUCCESS)) {
      throw uringError('ERR_URING_INVALID_STEP', 'submitLinked takes no step with IOSQE_CQE_SKIP_SUCCESS: use runChain');
    }
    this.#reserveChain(specs.length);
    const n = specs.length - 1;
    const link = hard ? IOSQE_IO_HARDLINK : IOSQE_IO_LINK;
    const start = this.#sqTail;
    try {
      for (let i = 0; i < n; i++) this.#prepare(new LiveOp(null, specs[i]!, true, ignore, ignore), (specs[i]!.sqeFlags ?? 0) | link);
      return this.#preparePromise<T>(specs[n]!);
    } catch (err) {
      this.#takeBack(start);
      throw err;
    }
  }

  /** Room for a whole chain in this submission: a chain split across two would lose its links. */
  #reserveChain(count: number): void {
    this.#ensureOpen();
    if (count > this.sqEntries) {
      throw uringError('ERR_URING_CHAIN_TOO_LONG', `a chain of ${count} ops does not fit a ring of ${this.sqEntries} SQ entries`);
    }
    this.#reserve(count);
  }

  /** Un-prepares the SQEs from SQ position `start` on (a chain whose later step failed to prep): the kernel has not seen them. */
  #takeBack(start: number): void {
    const m = this.#m;
    for (let t = start; t !== this.#sqTail; t = (t + 1) >>> 0) {
      const ud = m.sqes.getUint32((t & m.sqMask) * SQE_SIZE + SQE.userData, true);
      this.#table.ops[ud]?.spec.discard?.(-ECANCELED); // gives back what its prep took
      this.forget(ud);
      this.#pending--;
    }
    this.#sqTail = start;
  }

  /** Whether a pending op keeps the process alive (like a timer's ref/unref). */
  setRef(userData: number, ref: boolean): void {
    this.#table.setRef(userData, ref);
  }

  /**
   * Receives MSG_RING messages sent to this ring by another (op.msgRing /
   * op.msgRingFd): `value` is the sender's value (or the slot of a sent fd), `data` its tag.
   */
  onMessage(handler: MessageHandler | undefined): void {
    this.#reaper.onMessage = handler;
    this.#reaper.wake(); // (an idle ring's eventfd may be silenced: see Reaper#afterSubmit)
  }

  /**
   * Drops an op that will never post a CQE (a chain step with
   * IOSQE_CQE_SKIP_SUCCESS whose chain has completed): frees its slot and memory.
   */
  forget(userData: number): void {
    this.#table.remove(userData);
  }

  /** Cancels one op by user_data; resolves with 0, or rejects with ENOENT / EALREADY as the kernel says. */
  cancel(userData: number): Promise<number> {
    return this.submit({
      opcode: Opcode.ASYNC_CANCEL,
      syscall: 'io_uring_cancel',
      prep: (v, o) => {
        prepRw(v, o, Opcode.ASYNC_CANCEL, -1, userData, 0, 0);
      },
    });
  }

  /**
   * io_uring_register(2): every registration goes through here. Returns the
   * kernel's result; throws a system error (syscall 'io_uring_register') on failure.
   */
  register(opcode: number, arg: Uint8Array | null, nrArgs: number): number {
    this.#ensureOpen();
    for (;;) {
      const rc = this.#n.register(this.fd, opcode, arg, nrArgs);
      if (rc >= 0) return rc;
      const errno = this.#n.errno();
      if (errno !== EINTR) throw systemError(-errno, 'io_uring_register');
    }
  }

  /** The registered-file table, registered sparse on first use (`fixedFiles` slots, default 4096). */
  get files(): FileTable {
    this.#ensureOpen();
    return (this.#files ??= new FileTable(this, this.#fixedFiles));
  }

  /** Registers buffers for READ_FIXED / WRITE_FIXED (index = position in the array). */
  registerBuffers(buffers: readonly ArrayBufferView[]): BufferTable {
    this.#ensureOpen();
    if (this.#buffers) throw uringError('ERR_URING_BUFFERS_REGISTERED', 'buffers are already registered: unregisterBuffers() first');
    return (this.#buffers = new BufferTable(this, buffers));
  }

  unregisterBuffers(): void {
    if (!this.#buffers) return;
    this.#buffers.unregister();
    this.#buffers = undefined;
  }

  /**
   * Signals an eventfd on completions (`async`: only those that completed out of line). A ring has one:
   * its own gives way (the ring fd is polled from then on), except on a deferTaskrun ring, which needs it.
   */
  registerEventfd(fd: number, options?: { async?: boolean }): void {
    if (this.setupFlags & IORING_SETUP_DEFER_TASKRUN) {
      throw uringError('ERR_URING_EVENTFD_IN_USE', 'a deferTaskrun ring wakes its event loop through its own registered eventfd: a ring has only one');
    }
    this.#ensureOpen();
    if (this.#eventfd >= 0) this.#pollRingFd();
    registerEventfd(this, fd, options);
  }

  unregisterEventfd(): void {
    if (this.setupFlags & IORING_SETUP_DEFER_TASKRUN) {
      throw uringError('ERR_URING_EVENTFD_IN_USE', "a deferTaskrun ring's eventfd is its wake-up: it cannot be unregistered");
    }
    // Ours is not the caller's to take away: without one of theirs, the kernel's answer (ENXIO).
    if (this.#eventfd >= 0) throw systemError(-ENXIO, 'io_uring_register');
    unregisterEventfd(this);
  }

  /** Submits everything prepared now instead of at the end of this tick. */
  flush(): void {
    this.#submitPending();
    // What completed inside that enter signalled nobody (our eventfd was silenced): the flush microtask reaps it.
    if (this.#eventfd >= 0) this.#queueFlush();
  }

  /** Asks the kernel to cancel op `ud` (ASYNC_CANCEL) without waiting for its answer; the op's own CQE still comes. */
  abort(ud: number): void {
    if (this.#closed || this.#table.ops[ud] === undefined) return;
    this.#reserve(1);
    const spec: OpSpec<unknown> = {
      opcode: Opcode.ASYNC_CANCEL,
      syscall: 'io_uring_cancel',
      prep: (v, o) => prepRw(v, o, Opcode.ASYNC_CANCEL, -1, ud, 0, 0),
    };
    this.#prepare(new LiveOp(() => {}, spec, false, null, null), 0);
  }

  #ensureOpen(): void {
    if (this.#closed || this.#closing) throw closedError();
  }

  /** Makes room for `count` SQEs, submitting what is queued if the SQ is full. */
  #reserve(count: number): void {
    if (this.#sqFree() >= count) return;
    this.#submitPending();
    if (this.#eventfd >= 0) this.#queueFlush(); // (see flush())
    // With SQPOLL the kernel thread consumes the SQ on its own: wait for it.
    for (let spins = 0; this.#sqFree() < count; spins++) {
      if (!(this.setupFlags & IORING_SETUP_SQPOLL) || spins > 1_000_000) {
        throw uringError('ERR_URING_SQ_FULL', 'the submission queue is full and the kernel did not consume it');
      }
      this.#n.submit(this.#enterFd, 0, this.#enterFlags | IORING_ENTER_SQ_WAKEUP | 4 /* IORING_ENTER_SQ_WAIT */);
    }
  }

  #sqFree(): number {
    return this.sqEntries - (this.#sqTail - loadAcquire(this.#m.sq, this.#m.sqHead));
  }

  #prepare(op: LiveOp, sqeFlags: number): number {
    const o = this.#writeSqe(op.spec); // may throw: nothing is taken before it
    const ud = this.#table.add(op);
    this.#track(o, ud, sqeFlags);
    return ud;
  }

  /** #prepare for a promise op (one that settles with its final CQE): its LiveOp is made by its promise's executor. */
  #preparePromise<T>(spec: OpSpec<unknown>): Promise<T> {
    const o = this.#writeSqe(spec); // may throw: nothing is taken before it
    const table = this.#table;
    const ud = table.reserve(true);
    into.ops = table.ops;
    into.ud = ud;
    const promise = new Promise<T>(capture);
    table.ops[ud]!.spec = spec;
    this.#track(o, ud, spec.sqeFlags ?? 0);
    return promise;
  }

  /** The SQE at `o` is op `ud`'s, with `sqeFlags` added: queued for this tick's submission. */
  #track(o: number, ud: number, sqeFlags: number): void {
    const m = this.#m;
    if (sqeFlags !== 0) m.sqes.setUint8(o + SQE.flags, m.sqes.getUint8(o + SQE.flags) | sqeFlags);
    m.sqes.setUint32(o + SQE.userData, ud, true); // (its high word stays 0: a tracked op)
    this.#queued();
  }

  /**
   * Submits an op that nobody waits for and that holds no memory the kernel
   * reads after its submission (a CLOSE of a fixed-file slot whose file was
   * read): no table entry and no promise, and IOSQE_CQE_SKIP_SUCCESS, so no
   * CQE when it succeeds; a failure's CQE is dropped. SQEs start in order, so
   * an op submitted after it sees its effect once it runs inline (a direct
   * CLOSE always does).
   */
  submitDetached(spec: OpSpec<unknown>): void {
    this.#ensureOpen();
    this.#reserve(1);
    const m = this.#m;
    const o = this.#writeSqe(spec);
    m.sqes.setUint8(o + SQE.flags, m.sqes.getUint8(o + SQE.flags) | (spec.sqeFlags ?? 0) | IOSQE_CQE_SKIP_SUCCESS);
    m.sqes.setUint32(o + SQE.userData + 4, UNTRACKED, true);
    this.#queued();
  }

  /** Zeroes the next SQE and has `spec` write it; its byte offset. */
  #writeSqe(spec: OpSpec<unknown>): number {
    const m = this.#m;
    const o = (this.#sqTail & m.sqMask) * SQE_SIZE;
    const w = this.#sqeWords;
    const at = o >> 3; // SQE_SIZE is 64: eight words
    w[at] = 0;
    w[at + 1] = 0;
    w[at + 2] = 0;
    w[at + 3] = 0;
    w[at + 4] = 0;
    w[at + 5] = 0;
    w[at + 6] = 0;
    w[at + 7] = 0;
    spec.prep(m.sqes, o);
    return o;
  }

  /** The SQE just written is in: submitted at the end of this tick. */
  #queued(): void {
    this.#sqTail = (this.#sqTail + 1) >>> 0;
    this.#pending++;
    this.#queueFlush();
  }

  #queueFlush(): void {
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      microtask(this.#flush);
    }
  }

  #flushTick(): void {
    this.#flushQueued = false;
    if (this.#closed) return;
    this.#submitPending();
    this.#reaper.afterSubmit();
  }

  #submitPending(): void {
    const m = this.#m;
    if (this.#pending === 0) return;
    this.#submissions++;
    if (this.setupFlags & IORING_SETUP_SQPOLL) {
      // Seq-cst, a full barrier: the NEED_WAKEUP load must not pass this store (liburing's io_uring_smp_mb).
      Atomics.store(m.sq, m.sqTail, this.#sqTail);
      this.#pending = 0;
      if (Atomics.load(m.sq, m.sqFlags) & IORING_SQ_NEED_WAKEUP) {
        this.#n.submit(this.#enterFd, 0, this.#enterFlags | IORING_ENTER_SQ_WAKEUP);
      }
      return;
    }
    // Release: the SQE bytes must be visible before the kernel sees the new tail.
    storeRelease(m.sq, m.sqTail, this.#sqTail);
    if (this.#eventfd < 0) return this.#enterPending();
    this.#reaper.beginEnter();
    try {
      this.#enterPending();
    } finally {
      this.#reaper.endEnter();
    }
  }

  #enterPending(): void {
    for (let tries = 0; this.#pending > 0; tries++) {
      // Submit only: under DEFER_TASKRUN the reaper runs the deferred work, all of it (see Reaper).
      const rc = this.#n.submit(this.#enterFd, this.#pending, this.#enterFlags);
      if (rc >= 0) {
        this.#pending -= Math.min(rc, this.#pending);
        if (rc === 0) break;
        continue;
      }
      const errno = this.#n.errno();
      if (errno === EINTR) continue;
      if ((errno === EAGAIN || errno === EBUSY) && tries < 8) {
        // The CQ (or its overflow list) is full: reaping makes room.
        this.#reaper.reap();
        continue;
      }
      // Try again at the next completion or tick, never dropping the SQEs.
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        setImmediate(this.#flush);
      }
      return;
    }
  }

  // ---- lifecycle ---------------------------------------------------------

  /**
   * Cancels everything in flight, waits (bounded) for the kernel to release
   * it, settles those ops with ERR_URING_CLOSED, and frees the ring.
   */
  close(): void {
    if (this.#closed || this.#closing) return;
    this.#closing = true;
    this.#reaper.closing = true;
    const m = this.#m;
    try {
      if (this.#table.inflight > 0) {
        this.#reserve(1);
        const o = (this.#sqTail & m.sqMask) * SQE_SIZE;
        m.sqeBytes.fill(0, o, o + SQE_SIZE);
        prepRw(m.sqes, o, Opcode.ASYNC_CANCEL, -1, 0, 0, 0);
        setOpFlags(m.sqes, o, IORING_ASYNC_CANCEL_ANY);
        m.sqes.setUint32(o + SQE.userData + 4, UNTRACKED, true);
        this.#sqTail = (this.#sqTail + 1) >>> 0;
        this.#pending++;
        this.#submitPending();
        // Wait up to ~2 s for the kernel to hand every op back (a running file read finishes; sockets cancel at once).
        const ts = new Uint8Array(16);
        new DataView(ts.buffer).setBigInt64(8, 100_000_000n, true); // 100 ms per wait
        const arg = new Uint8Array(24); // struct io_uring_getevents_arg { u64 sigmask; u32 sigmask_sz; u32 pad; u64 ts }
        new DataView(arg.buffer).setBigUint64(16, this.#n.address(ts), true);
        const argAddr = Number(this.#n.address(arg));
        for (let i = 0; i < 20 && this.#table.inflight > 0; i++) {
          this.#n.enter(this.#enterFd, 0, 1, this.#enterFlags | IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, argAddr, 24);
          this.#reaper.reap();
        }
      }
    } finally {
      this.#closed = true;
      this.#reaper.stop();
      this.#table.clear((op) => {
        abandoned.push(op.spec.keep);
        try {
          if (op.sink !== null) op.sink(-ECANCELED, 0, false);
          else op.reject!(closedError());
        } catch {
          // a sink that throws must not stop the others from settling
        }
      });
      this.#wakeup.close();
      release(this);
      this.#unmap();
      if (defaultRingInstance === this) defaultRingInstance = undefined;
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Polls what tells us completions are ready: an eventfd of the ring's own, registered with it
   * (IORING_REGISTER_EVENTFD), which every wake resets *before* the reaper reads the CQ (what is posted
   * after the reset signals again).
   *
   * The ring fd would do (it turns readable when CQEs are posted), but once polled the kernel wakes its
   * wait queue at every CQE batch it posts (__io_commit_cqring_flush -> __wake_up: epoll's callback, a
   * spinlock with interrupts off, ~0.15 us), even for the CQEs of our own flush's enter, which we reap
   * inline right after. The eventfd instead is silenced during our enters (IORING_CQ_EVENTFD_DISABLED,
   * see hush/unhush), so an op that completes inline wakes nobody; after each enter the CQ is looked at
   * (the flush's inline reap, or a flush queued for it), and CQEs left past the inline budget come back
   * a loop turn later (Reaper.afterSubmit). (IORING_REGISTER_EVENTFD_ASYNC is no way to that: it signals
   * only from io-wq workers, never for the task work that completes sockets and timeouts.)
   *
   * Under DEFER_TASKRUN the ring fd never turns readable for deferred task work (the kernel posts those
   * CQEs only inside our io_uring_enter), but the eventfd is signalled each time that work list goes
   * from empty to non-empty, and the reaper runs all of it on each wake (Reaper#runDeferred). With SQPOLL
   * the kernel's thread posts at any time: there the ring fd is polled.
   */
  #startWakeup(): Wakeup {
    const defer = (this.setupFlags & IORING_SETUP_DEFER_TASKRUN) !== 0;
    if (this.setupFlags & IORING_SETUP_SQPOLL) return new Wakeup(this.fd, () => this.#reaper.onReadable());
    const n = this.#n;
    const efd = n.eventfd();
    if (efd < 0) {
      if (defer) throw systemError(-n.errno(), 'eventfd');
      return new Wakeup(this.fd, () => this.#reaper.onReadable()); // (no fd to spare: the ring fd then)
    }
    try {
      registerEventfd(this, efd);
      this.#eventfd = efd;
      const wakeup = new Wakeup(efd, () => {
        n.drainEventfd(efd);
        this.#reaper.onReadable();
      });
      return wakeup;
    } catch (err) {
      n.close(efd);
      this.#eventfd = -1;
      throw err;
    }
  }

  /** The caller registers an eventfd of theirs: ours gives way, and the ring fd wakes the loop from now on. */
  #pollRingFd(): void {
    const efd = this.#eventfd;
    unregisterEventfd(this);
    this.#reaper.wake(); // (the caller's eventfd must not stay silenced by us)
    this.#reaper.quiet = false;
    this.#wakeup.repoll(this.fd, () => this.#reaper.onReadable());
    release(this);
    this.#eventfd = -1;
    this.#n.close(efd);
    adopt(this, [this.fd]);
  }

  #unmap(): void {
    if (this.registeredIndex >= 0) unregisterRingFd(this.#n, this.fd, this.registeredIndex);
    for (const map of this.#m.maps) this.#n.munmap(map.ptr, map.len);
    this.#n.close(this.fd);
    if (this.#eventfd >= 0) this.#n.close(this.#eventfd);
  }
}

let defaultRingInstance: Ring | undefined;
let unavailableReason: Error | undefined;

/**
 * The options of each thread's default ring. URING_DEFER_TASKRUN=1 (or 0) in the environment picks
 * DEFER_TASKRUN for it (see RingOptions.deferTaskrun).
 */
function defaultRingOptions(): RingOptions {
  const defer = process.env.URING_DEFER_TASKRUN;
  return { cqEntries: DEFAULT_RING_CQ, ...(defer === undefined ? {} : { deferTaskrun: defer === '1' }) };
}

/**
 * The default ring's CQ: servers run on it, and at 1,000 HTTP connections a turn's completions (a
 * receive, a send and a readFile's reads per request) overflowed 8x 256: ~4 overflowed CQEs per
 * request, each ending a multishot RECV that then had to be armed again. 16,384 CQEs are 256 KiB.
 */
const DEFAULT_RING_CQ = 16_384;

/** This thread's shared ring, created on first use; a transient setup failure (EMFILE, ENOMEM) is retried at the next call. */
export function defaultRing(): Ring {
  if (defaultRingInstance) return defaultRingInstance;
  if (unavailableReason) throw unavailableReason;
  try {
    return (defaultRingInstance = new Ring(defaultRingOptions()));
  } catch (err) {
    const e = err as { code?: string; transient?: boolean };
    if (e.code === 'ERR_URING_UNAVAILABLE' && !e.transient) unavailableReason = err as Error;
    throw err;
  }
}

/** Whether io_uring can be used here (this thread, this kernel, this sandbox). */
export function isAvailable(): boolean {
  return unavailableError() === undefined;
}

/** Why io_uring cannot be used here, or undefined when it can. */
export function unavailableError(): Error | undefined {
  try {
    defaultRing();
    return undefined;
  } catch (err) {
    return err as Error;
  }
}
