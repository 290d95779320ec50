/** SPLICE and TEE: move bytes between fds (one of them a pipe) without a trip through JS. */
import type { OpSpec } from '../op';
import { prepRw, setOpFlags, setSpliceFdIn, type Addr } from '../sqe';
import { Opcode } from '../uapi';
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
