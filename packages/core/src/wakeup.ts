/**
 * The ring's wake-up: a poll on the ring's eventfd (or the ring fd itself) on
 * the libuv loop of the thread that made the ring, referenced only while an op
 * that keeps the process alive is pending.
 */
import { uringError } from './errors';
import { nodeLine } from './node';
import { sys, type PollHandle } from './sys';

/**
 * Runs the ticks and microtasks a completion queued, as the callback scope
 * Node closes after its own native callbacks does (process._tickCallback is
 * that drain, on every line). Cheaper than handing back through a setImmediate
 * (an Immediate, the check phase, a second callback scope per wake-up).
 */
const drainTicks = (process as unknown as { _tickCallback: () => void })._tickCallback;
/** A tick that threw: the rest run in the next callback scope, and the error is uncaught there, as Node has it. */
function rethrow(err: unknown): void {
  throw err;
}

function open(fd: number, onReadable: () => void): PollHandle {
  const handOver = !nodeLine.drainsMicrotasksAfterNativeCallback;
  try {
    return sys().poll(fd, (status) => {
      if (status < 0) return;
      onReadable();
      if (!handOver) return;
      try {
        drainTicks();
      } catch (err) {
        setImmediate(rethrow, err);
      }
    });
  } catch (err) {
    throw uringError('ERR_URING_POLL', `could not poll the ring's wake-up fd on this thread's libuv loop (${(err as Error).message})`);
  }
}

export class Wakeup {
  #handle: PollHandle;
  #refd = true;
  #want = false;
  #scheduled = false;
  #closed = false;
  /**
   * Applies #want from a setImmediate, so at most once per loop turn: a serial
   * await loop whose ops complete inline flips the count at every op, and a
   * uv_ref through koffi is not free (nor was a microtask chain per op). A
   * pending (referenced) immediate keeps the loop from blocking or exiting
   * before it runs, so an op started while unreferenced keeps the process
   * alive, and an idle ring still lets it exit.
   */
  readonly #sync = () => {
    this.#scheduled = false;
    if (this.#want === this.#refd || this.#closed) return;
    this.#refd = this.#want;
    if (this.#refd) this.#handle.ref();
    else this.#handle.unref();
  };

  /** Polls `fd` on this thread's loop and calls `onReadable` there; starts unreferenced (an idle ring never keeps the process alive). */
  constructor(fd: number, onReadable: () => void) {
    this.#handle = open(fd, onReadable);
    this.#sync();
  }

  /** Polls `fd` instead from now on (a new handle, referenced as the old one was). */
  repoll(fd: number, onReadable: () => void): void {
    const handle = open(fd, onReadable);
    this.#handle.close();
    this.#handle = handle;
    this.#refd = true; // (a new handle starts referenced)
    if (!this.#want) {
      this.#refd = false;
      handle.unref();
    }
  }

  /** Whether the loop should stay alive for this ring (applied before the loop next blocks or exits: see #sync). */
  ref(want: boolean): void {
    this.#want = want;
    if (this.#scheduled || want === this.#refd) return;
    this.#scheduled = true;
    setImmediate(this.#sync);
  }

  /** Stops polling; libuv frees the handle once its loop has let go of it. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handle.close();
  }
}
