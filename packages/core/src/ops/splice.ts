/** SPLICE and TEE: move bytes between fds (one of them a pipe) without a trip through JS; PIPE makes the pipe. */
import { systemError } from '../errors';
import type { OpSpec } from '../op';
import { prepRw, setFileIndex, setOpFlags, setSpliceFdIn, type Addr } from '../sqe';
import { closeLeaked, addressOf } from './common';
import { O_CLOEXEC, Opcode } from '../uapi';
import { validateFd, validateUint32 } from '../validate';

/** splice(2): `offIn`/`offOut` -1 for a pipe or the current position. Resolves with bytes moved. */
export function splice(fdIn: number, offIn: Addr, fdOut: number, offOut: Addr, nbytes: number, flags = 0): OpSpec<number> {
  validateFd(fdIn, 'fdIn');
  validateFd(fdOut, 'fdOut');
  validateUint32(nbytes, 'nbytes');
  validateUint32(flags, 'flags');
  return {
    opcode: Opcode.SPLICE,
    syscall: 'splice',
    prep(v, o) {
      // off_in travels in `addr` (splice_off_in), fd_in in splice_fd_in.
      prepRw(v, o, Opcode.SPLICE, fdOut, offIn, nbytes, offOut);
      setSpliceFdIn(v, o, fdIn);
      setOpFlags(v, o, flags);
    },
  };
}

/** tee(2): duplicates up to `nbytes` from pipe `fdIn` into pipe `fdOut` without consuming them. */
export function tee(fdIn: number, fdOut: number, nbytes: number, flags = 0): OpSpec<number> {
  validateFd(fdIn, 'fdIn');
  validateFd(fdOut, 'fdOut');
  validateUint32(nbytes, 'nbytes');
  validateUint32(flags, 'flags');
  return {
    opcode: Opcode.TEE,
    syscall: 'tee',
    prep(v, o) {
      prepRw(v, o, Opcode.TEE, fdOut, 0, nbytes, 0);
      setSpliceFdIn(v, o, fdIn);
      setOpFlags(v, o, flags);
    },
  };
}

export interface PipeOptions {
  /** O_CLOEXEC, O_NONBLOCK, O_DIRECT (pipe2 flags); default O_CLOEXEC (none with `fileIndex`). */
  flags?: number;
  /** Install both ends into the registered-file table from this slot on (slots `fileIndex` and `fileIndex + 1`); the result then names slots. */
  fileIndex?: number;
}

/** PIPE (6.16+): pipe2(2) on the ring; resolves with [readEnd, writeEnd] (fds, or fixed slots with `fileIndex`). */
export function pipe(options: PipeOptions = {}): OpSpec<[number, number]> {
  const slot = options.fileIndex === undefined ? undefined : validateUint32(options.fileIndex, 'options.fileIndex');
  // Direct descriptors refuse O_CLOEXEC (EINVAL): it means nothing for a slot.
  const flags = validateUint32(options.flags ?? (slot === undefined ? O_CLOEXEC : 0), 'options.flags');
  const fds = new Int32Array(2);
  const addr = addressOf(fds);
  return {
    opcode: Opcode.PIPE,
    syscall: 'pipe',
    keep: fds,
    prep(v, o) {
      prepRw(v, o, Opcode.PIPE, 0, addr, 0, 0);
      setOpFlags(v, o, flags);
      if (slot !== undefined) setFileIndex(v, o, slot);
    },
    complete(res) {
      if (res < 0) throw systemError(res, 'pipe');
      return [fds[0]!, fds[1]!];
    },
    discard(res) {
      // Aborted after the kernel made the pipe: close both ends rather than leak them.
      if (res >= 0 && slot === undefined) fds.forEach(closeLeaked);
    },
  };
}
