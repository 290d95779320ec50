/** NOP, FSYNC, SYNC_FILE_RANGE, FALLOCATE, FADVISE, MADVISE, FTRUNCATE. */
import type { OpSpec } from '../op';
import { prepRw, setOpFlags, type Addr } from '../sqe';
import { IORING_FSYNC_DATASYNC, Opcode } from '../uapi';
import { validateBuffer, validateFd, validateInteger, validatePosition, validateUint32 } from '../validate';
import { addressOf } from './common';

/** Does nothing, in the kernel: the cheapest round trip. Resolves with 0. */
export function nop(): OpSpec<number> {
  return { opcode: Opcode.NOP, syscall: 'nop', prep: (v, o) => prepRw(v, o, Opcode.NOP, -1, 0, 0, 0) };
}

/** fsync(2), or fdatasync(2) with `{ datasync: true }`. */
export function fsync(fd: number, options?: { datasync?: boolean }): OpSpec<number> {
  validateFd(fd);
  const datasync = options?.datasync === true;
  return {
    opcode: Opcode.FSYNC,
    syscall: datasync ? 'fdatasync' : 'fsync',
    prep(v, o) {
      prepRw(v, o, Opcode.FSYNC, fd, 0, 0, 0);
      if (datasync) setOpFlags(v, o, IORING_FSYNC_DATASYNC);
    },
  };
}

/** sync_file_range(2). `flags`: SYNC_FILE_RANGE_WAIT_BEFORE (1) | WRITE (2) | WAIT_AFTER (4). */
export function syncFileRange(fd: number, offset: Addr, length: number, flags = 0): OpSpec<number> {
  validateFd(fd);
  validatePosition(offset, 'offset');
  validateUint32(length, 'length');
  validateUint32(flags, 'flags');
  return {
    opcode: Opcode.SYNC_FILE_RANGE,
    syscall: 'sync_file_range',
    prep(v, o) {
      prepRw(v, o, Opcode.SYNC_FILE_RANGE, fd, 0, length, offset);
      setOpFlags(v, o, flags);
    },
  };
}

/** fallocate(2): `mode` 0 allocates (extending the size); FALLOC_FL_* for the rest. */
export function fallocate(fd: number, mode: number, offset: Addr, length: Addr): OpSpec<number> {
  validateFd(fd);
  validateUint32(mode, 'mode');
  validatePosition(offset, 'offset');
  validatePosition(length, 'length');
  return {
    opcode: Opcode.FALLOCATE,
    syscall: 'fallocate',
    // The length travels in `addr`, the mode in `len`.
    prep: (v, o) => prepRw(v, o, Opcode.FALLOCATE, fd, length, mode, offset),
  };
}

/** posix_fadvise(2). */
export function fadvise(fd: number, offset: Addr, length: number, advice: number): OpSpec<number> {
  validateFd(fd);
  validatePosition(offset, 'offset');
  validateUint32(length, 'length');
  validateUint32(advice, 'advice');
  return {
    opcode: Opcode.FADVISE,
    syscall: 'fadvise',
    prep(v, o) {
      prepRw(v, o, Opcode.FADVISE, fd, 0, length, offset);
      setOpFlags(v, o, advice);
    },
  };
}

/** madvise(2) over the memory of `buffer`. */
export function madvise(buffer: ArrayBufferView, advice: number): OpSpec<number> {
  validateBuffer(buffer);
  validateUint32(advice, 'advice');
  const addr = addressOf(buffer);
  return {
    opcode: Opcode.MADVISE,
    syscall: 'madvise',
    keep: buffer,
    prep(v, o) {
      prepRw(v, o, Opcode.MADVISE, -1, addr, buffer.byteLength, 0);
      setOpFlags(v, o, advice);
    },
  };
}

/** ftruncate(2) (kernel 6.9+). */
export function ftruncate(fd: number, length: Addr = 0): OpSpec<number> {
  validateFd(fd);
  if (typeof length === 'number') validateInteger(length, 'len', 0);
  return {
    opcode: Opcode.FTRUNCATE,
    syscall: 'ftruncate',
    prep: (v, o) => prepRw(v, o, Opcode.FTRUNCATE, fd, 0, 0, length),
  };
}
