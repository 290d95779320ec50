/**
 * The op model. An `OpSpec` is a value that describes one SQE: how to write
 * it, how to read its CQE, and which memory the kernel may touch until that
 * CQE arrives. Nothing happens until a ring submits it, so specs compose into
 * chains and can be submitted as promises or observables alike.
 */
import { systemError } from './errors';
import { constants } from 'node:os';
import { IOSQE_ASYNC, IOSQE_BUFFER_SELECT, IOSQE_CQE_SKIP_SUCCESS, IOSQE_FIXED_FILE, IOSQE_IO_DRAIN } from './uapi';

const { ECANCELED, EINTR } = constants.errno;

export interface OpSpec<T = number> {
  /** The opcode, for probing and for error messages. */
  readonly opcode: number;
  /** Writes the SQE at byte `o` of the (already zeroed) SQE array; called as a method of the spec (`spec.prep(v, o)`). */
  prep(sqe: DataView, o: number): void;
  /** Turns a CQE into a value; throws (a Node-style error) on failure. Defaults to `res`, or a system error when negative. */
  complete?(res: number, flags: number): T;
  /**
   * Called with each CQE before the final one (IORING_CQE_F_MORE) when the op
   * is submitted as a promise: SEND_ZC posts its result first and the
   * notification that frees its buffer last.
   */
  more?(res: number, flags: number): void;
  /** The syscall named in errors ('open', 'read', ...). */
  readonly syscall: string;
  readonly path?: string;
  readonly dest?: string;
  /** Buffers, iovecs, paths: anything the kernel reads or writes until the final CQE. */
  readonly keep?: unknown;
  /** IOSQE_* flags this op always needs (IOSQE_FIXED_FILE for a fixed-file target, ...). */
  readonly sqeFlags?: number;
  /**
   * Called with the final CQE instead of `complete` when nobody will receive
   * the result (the caller aborted or unsubscribed): releases what a success
   * created (an fd from OPENAT, ACCEPT or SOCKET) and any scratch memory.
   * Each final CQE goes to exactly one of `complete` and `discard`, once.
   */
  discard?(res: number): void;
}

/** Options every submission takes. */
export interface SubmitOptions {
  /** Abort: submits IORING_OP_ASYNC_CANCEL; the promise rejects with an AbortError once the kernel let go. */
  signal?: AbortSignal;
  /** Raw IOSQE_* flags, or'ed with the named ones below. */
  sqeFlags?: number;
  /** IOSQE_IO_DRAIN: start only when everything submitted before has completed. */
  drain?: boolean;
  /** IOSQE_ASYNC: go straight to an io-wq worker instead of trying non-blocking first. */
  async?: boolean;
  /** IOSQE_CQE_SKIP_SUCCESS: post no CQE on success (chain steps before the last only). */
  skipSuccess?: boolean;
  /** IOSQE_FIXED_FILE: the op's fd is a slot of the registered file table. */
  fixedFile?: boolean;
  /** IOSQE_BUFFER_SELECT: the kernel picks a buffer from the provided group `bufIndex`. */
  bufferSelect?: boolean;
  /** Keep the process alive while this op is pending (default true), like a timer's ref. */
  ref?: boolean;
}

/** The IOSQE_* flags that submit options ask for. */
export function sqeFlagsOf(o: SubmitOptions): number {
  let f = o.sqeFlags ?? 0;
  if (o.drain) f |= IOSQE_IO_DRAIN;
  if (o.async) f |= IOSQE_ASYNC;
  if (o.skipSuccess) f |= IOSQE_CQE_SKIP_SUCCESS;
  if (o.fixedFile) f |= IOSQE_FIXED_FILE;
  if (o.bufferSelect) f |= IOSQE_BUFFER_SELECT;
  return f;
}

/** Called with every CQE of an op; `more` is IORING_CQE_F_MORE (a multishot op goes on). */
export type CqeSink = (res: number, flags: number, more: boolean) => void;

/** What a running io-wq op returns when a cancel interrupts it (the kernel's ERESTARTSYS, passed on as is). */
const ERESTARTSYS = 512;

/**
 * Whether a final result says the kernel stopped the op (cancelled before it
 * ran, or interrupted while it ran) rather than the op completing on its own:
 * only then did an abort or a deadline decide the outcome.
 */
export function wasStopped(res: number | undefined): boolean {
  return res === -ECANCELED || res === -EINTR || res === -ERESTARTSYS;
}

/** The default completion: a negative result is a Node-style system error. */
export function completeDefault<T>(spec: OpSpec<T>, res: number, flags: number): T {
  if (spec.complete) return spec.complete(res, flags);
  if (res < 0) throw systemError(res, spec.syscall, spec.path, spec.dest);
  return res as T;
}
