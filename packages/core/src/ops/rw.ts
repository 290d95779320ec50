/** READ, WRITE, READV, WRITEV, READ_FIXED, WRITE_FIXED. */
import type { OpSpec } from '../op';
import { prepRw, setBufIndex, setOpFlags, type Addr } from '../sqe';
import { IOSQE_BUFFER_SELECT, Opcode } from '../uapi';
import { validateBuffer, validateFd, validateInteger, validatePosition } from '../validate';
import { addressOf, iovecs } from './common';

export interface RwOptions {
  /** RWF_* flags (RWF_HIPRI, RWF_DSYNC, RWF_NOWAIT, RWF_APPEND, ...). */
  rwFlags?: number;
}

/**
 * A READ or WRITE spec: its fields are all its prep needs, so a read allocates one object and no closure.
 * The buffer's address and length are read when the SQE is written (its address is a cached lookup),
 * not kept: an address is no small integer, and a field holding one costs a heap number per spec.
 */
interface RwSpec extends OpSpec<number> {
  readonly keep: ArrayBufferView;
  readonly fd: number;
  readonly position: Addr;
  readonly rwFlags: number;
}

/** Shared by every READ and WRITE spec (called as its method, so also on a copy made with `{ ...spec }`). */
function prepRwSpec(this: RwSpec, v: DataView, o: number): void {
  const buffer = this.keep;
  prepRw(v, o, this.opcode, this.fd, addressOf(buffer), buffer.byteLength, this.position);
  if (this.rwFlags) setOpFlags(v, o, this.rwFlags);
}

function rw(opcode: number, syscall: string, fd: number, buffer: ArrayBufferView, position: Addr, options?: RwOptions): OpSpec<number> {
  validateFd(fd);
  validateBuffer(buffer);
  validatePosition(position);
  const spec: RwSpec = {
    opcode,
    syscall,
    keep: buffer,
    fd,
    position,
    rwFlags: options?.rwFlags ?? 0,
    prep: prepRwSpec,
  };
  return spec;
}

/** Reads into `buffer` at `position` (-1: the file's current position). Resolves with bytes read. */
export function read(fd: number, buffer: ArrayBufferView, position: Addr = -1, options?: RwOptions): OpSpec<number> {
  return rw(Opcode.READ, 'read', fd, buffer, position, options);
}

/** Writes `buffer` at `position` (-1: the current position). Resolves with bytes written. */
export function write(fd: number, buffer: ArrayBufferView, position: Addr = -1, options?: RwOptions): OpSpec<number> {
  return rw(Opcode.WRITE, 'write', fd, buffer, position, options);
}

function rwv(opcode: number, syscall: string, fd: number, buffers: readonly ArrayBufferView[], position: Addr, options?: RwOptions): OpSpec<number> {
  validateFd(fd);
  if (!Array.isArray(buffers)) validateBuffer(buffers, 'buffers');
  buffers.forEach((b, i) => validateBuffer(b, `buffers[${i}]`));
  validatePosition(position);
  const iov = iovecs(buffers);
  const rwFlags = options?.rwFlags ?? 0;
  return {
    opcode,
    syscall,
    keep: [iov, buffers],
    prep(v, o) {
      prepRw(v, o, opcode, fd, addressOf(iov), buffers.length, position);
      if (rwFlags) setOpFlags(v, o, rwFlags);
    },
  };
}

/** Scatter read (preadv2). */
export function readv(fd: number, buffers: readonly ArrayBufferView[], position: Addr = -1, options?: RwOptions): OpSpec<number> {
  return rwv(Opcode.READV, 'read', fd, buffers, position, options);
}

/** Gather write (pwritev2). */
export function writev(fd: number, buffers: readonly ArrayBufferView[], position: Addr = -1, options?: RwOptions): OpSpec<number> {
  return rwv(Opcode.WRITEV, 'write', fd, buffers, position, options);
}

function rwFixed(opcode: number, syscall: string, fd: number, buffer: ArrayBufferView, bufIndex: number, position: Addr): OpSpec<number> {
  validateFd(fd);
  validateBuffer(buffer);
  validateInteger(bufIndex, 'bufIndex', 0, 0xffff);
  validatePosition(position);
  const addr = addressOf(buffer);
  return {
    opcode,
    syscall,
    keep: buffer,
    prep(v, o) {
      prepRw(v, o, opcode, fd, addr, buffer.byteLength, position);
      setBufIndex(v, o, bufIndex);
    },
  };
}

/** READ_FIXED: `buffer` must lie inside registered buffer `bufIndex` (see Ring registration). */
export function readFixed(fd: number, buffer: ArrayBufferView, bufIndex: number, position: Addr = -1): OpSpec<number> {
  return rwFixed(Opcode.READ_FIXED, 'read', fd, buffer, bufIndex, position);
}

/** WRITE_FIXED: `buffer` must lie inside registered buffer `bufIndex`. */
export function writeFixed(fd: number, buffer: ArrayBufferView, bufIndex: number, position: Addr = -1): OpSpec<number> {
  return rwFixed(Opcode.WRITE_FIXED, 'write', fd, buffer, bufIndex, position);
}

/** READV_FIXED (6.15+): readv into `buffers`, which must all lie inside registered buffer `bufIndex`. */
export function readvFixed(fd: number, buffers: readonly ArrayBufferView[], bufIndex: number, position: Addr = -1, options?: RwOptions): OpSpec<number> {
  return vFixed(rwv(Opcode.READV_FIXED, 'read', fd, buffers, position, options), bufIndex);
}

/** WRITEV_FIXED (6.15+): writev from `buffers`, which must all lie inside registered buffer `bufIndex`. */
export function writevFixed(fd: number, buffers: readonly ArrayBufferView[], bufIndex: number, position: Addr = -1, options?: RwOptions): OpSpec<number> {
  return vFixed(rwv(Opcode.WRITEV_FIXED, 'write', fd, buffers, position, options), bufIndex);
}

function vFixed(spec: OpSpec<number>, bufIndex: number): OpSpec<number> {
  validateInteger(bufIndex, 'bufIndex', 0, 0xffff);
  return {
    ...spec,
    prep(v, o) {
      spec.prep(v, o);
      setBufIndex(v, o, bufIndex);
    },
  };
}

/**
 * READ_MULTISHOT (6.7+): reads a pollable fd (a pipe, a socket, an eventfd)
 * into buffers the kernel picks from provided-buffer group `group`: one SQE,
 * a CQE per read (res = bytes, the buffer id in flags >> 16) until EOF, an
 * error, ENOBUFS or a cancel. Submit with ring.start or observe.
 */
export function readMultishot(fd: number, group: number, maxLength = 0): OpSpec<number> {
  validateFd(fd);
  validateInteger(group, 'group', 0, 0xffff);
  validateInteger(maxLength, 'maxLength', 0, 2 ** 31 - 1);
  return {
    opcode: Opcode.READ_MULTISHOT,
    syscall: 'read',
    sqeFlags: IOSQE_BUFFER_SELECT,
    prep(v, o) {
      prepRw(v, o, Opcode.READ_MULTISHOT, fd, 0, maxLength, 0);
      setBufIndex(v, o, group);
    },
  };
}

/**
 * A READ into a buffer the kernel picks from provided-buffer group `group`
 * (IOSQE_BUFFER_SELECT): the CQE flags name it (flags >> 16).
 */
export function readProvided(fd: number, group: number, maxLength: number, position: Addr = -1): OpSpec<number> {
  validateFd(fd);
  validateInteger(group, 'group', 0, 0xffff);
  validateInteger(maxLength, 'maxLength', 1, 2 ** 31 - 1);
  validatePosition(position);
  return {
    opcode: Opcode.READ,
    syscall: 'read',
    sqeFlags: IOSQE_BUFFER_SELECT,
    prep(v, o) {
      prepRw(v, o, Opcode.READ, fd, 0, maxLength, position);
      setBufIndex(v, o, group);
    },
  };
}
