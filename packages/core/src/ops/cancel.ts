/** ASYNC_CANCEL by user_data, by fd, by opcode, or everything. */
import type { OpSpec } from '../op';
import { prepRw, setOpFlags } from '../sqe';
import {
  IORING_ASYNC_CANCEL_ALL,
  IORING_ASYNC_CANCEL_ANY,
  IORING_ASYNC_CANCEL_FD,
  IORING_ASYNC_CANCEL_FD_FIXED,
  IORING_ASYNC_CANCEL_OP,
  Opcode,
} from '../uapi';
import { validateFd, validateInteger, validateUint32 } from '../validate';

function cancelSpec(fd: number, addr: number, flags: number, len = 0): OpSpec<number> {
  return {
    opcode: Opcode.ASYNC_CANCEL,
    syscall: 'io_uring_cancel',
    prep(v, o) {
      prepRw(v, o, Opcode.ASYNC_CANCEL, fd, addr, len, 0);
      setOpFlags(v, o, flags);
    },
  };
}

/**
 * Cancels the op submitted as `userData`. Resolves 0 when it was cancelled;
 * rejects ENOENT when no such op is pending, EALREADY when it is already
 * running and cannot be stopped (it completes as it would have).
 */
export function cancel(userData: number): OpSpec<number> {
  return cancelSpec(-1, validateUint32(userData, 'userData'), 0);
}

/** Cancels the first (or, with `all`, every) op on `fd`; resolves with how many were cancelled when `all`. */
export function cancelFd(fd: number, options: { all?: boolean; fixed?: boolean } = {}): OpSpec<number> {
  validateFd(fd);
  let flags = IORING_ASYNC_CANCEL_FD;
  if (options.all) flags |= IORING_ASYNC_CANCEL_ALL;
  if (options.fixed) flags |= IORING_ASYNC_CANCEL_FD_FIXED;
  return cancelSpec(fd, 0, flags);
}

/** Cancels every pending op of the ring; resolves with how many were cancelled. */
export function cancelAll(): OpSpec<number> {
  return cancelSpec(-1, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
}

/** Cancels every pending op with this opcode (6.6+). */
export function cancelOp(opcode: number): OpSpec<number> {
  validateInteger(opcode, 'opcode', 0, 255);
  return cancelSpec(-1, 0, IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_ALL, opcode);
}
