/**
 * The op model. An `OpSpec` is a value that describes one SQE: how to write
 * it, how to read its CQE, and which memory the kernel may touch until that
 * CQE arrives. Nothing happens until a ring submits it, so specs compose into
 * chains and can be submitted as promises or observables alike.
 */
import type { Ring } from './ring';
import { systemError } from './errors';

export interface OpSpec<T = number> {
  /** The opcode, for probing and for error messages. */
  readonly opcode: number;
  /** Writes the SQE at byte `o` of the (already zeroed) SQE array. */
  prep(sqe: DataView, o: number): void;
  /** Turns a CQE into a value; throws (a Node-style error) on failure. Defaults to `res`, or a system error when negative. */
  complete?(res: number, flags: number): T;
  /** The syscall named in errors ('open', 'read', ...). */
  readonly syscall: string;
  readonly path?: string;
  readonly dest?: string;
  /** Buffers, iovecs, paths: anything the kernel reads or writes until the final CQE. */
  readonly keep?: unknown;
  /** IOSQE_* flags this op always needs (IOSQE_FIXED_FILE for a fixed-file target, ...). */
  readonly sqeFlags?: number;
  /**
   * Releases what a successful result created when nobody will receive it
   * (an fd from OPENAT, ACCEPT or SOCKET whose caller aborted): without this it leaks.
   */
  discard?(res: number, ring: Ring): void;
}

/** Options every submission takes. */
export interface SubmitOptions {
  /** Abort: submits IORING_OP_ASYNC_CANCEL; the promise rejects with an AbortError once the kernel let go. */
  signal?: AbortSignal;
  /** Extra IOSQE_* flags (IOSQE_IO_DRAIN, IOSQE_ASYNC, ...). */
  sqeFlags?: number;
  /** Keep the process alive while this op is pending (default true), like a timer's ref. */
  ref?: boolean;
}

/** Called with every CQE of an op; `more` is IORING_CQE_F_MORE (a multishot op goes on). */
export type CqeSink = (res: number, flags: number, more: boolean) => void;

/** The default completion: a negative result is a Node-style system error. */
export function completeDefault<T>(spec: OpSpec<T>, res: number, flags: number): T {
  if (spec.complete) return spec.complete(res, flags);
  if (res < 0) throw systemError(res, spec.syscall, spec.path, spec.dest);
  return res as T;
}
