/**
 * Registration: the fixed-file table (sparse, with a JS-side slot
 * allocator), fixed buffers and eventfd notification. Everything goes through
 * Ring.register (io_uring_register(2)).
 */
import { uringError } from './errors';
import { iovecs } from './ops/common';
import { sys, type Native } from './sys';
import { IORING_RSRC_REGISTER_SPARSE, Register } from './uapi';
import { validateBuffer, validateFd, validateInteger } from './validate';

/** What registration needs of a ring: its io_uring_register(2) (Ring#register). */
export interface Registrar {
  register(opcode: number, arg: Uint8Array | null, nrArgs: number): number;
}

/** struct io_uring_rsrc_register and io_uring_rsrc_update2 are both 32 bytes. */
const RSRC_SIZE = 32;

/**
 * A sparse table of registered files. Slots [0, size/2) are handed out by
 * `alloc()`; the kernel's own allocator (`fileIndex: 'alloc'` on OPENAT,
 * ACCEPT, SOCKET) picks from [size/2, size), so the two never collide.
 */
export class FileTable {
  readonly size: number;
  readonly #ring: Registrar;
  readonly #free: number[] = [];
  #next = 0;

  constructor(ring: Registrar, size: number) {
    validateInteger(size, 'size', 2, 65536);
    this.#ring = ring;
    this.size = size;
    const reg = new Uint8Array(RSRC_SIZE);
    const v = new DataView(reg.buffer);
    v.setUint32(0, size, true);
    v.setUint32(4, IORING_RSRC_REGISTER_SPARSE, true);
    ring.register(Register.FILES2, reg, RSRC_SIZE);
    const range = new Uint8Array(16);
    const rv = new DataView(range.buffer);
    rv.setUint32(0, size / 2, true);
    rv.setUint32(4, size - size / 2, true);
    ring.register(Register.FILE_ALLOC_RANGE, range, 0);
  }

  /** A free slot of the JS-managed half; give it back with `free`. */
  alloc(): number {
    const slot = this.#free.length > 0 ? this.#free.pop()! : this.#next < this.size / 2 ? this.#next++ : -1;
    if (slot < 0) throw uringError('ERR_URING_NO_FILE_SLOTS', `all ${this.size / 2} fixed-file slots are in use`);
    return slot;
  }

  /** Returns a slot to the allocator (empty it first, e.g. with a fixed CLOSE or `update(slot, [-1])`). */
  free(slot: number): void {
    validateInteger(slot, 'slot', 0, this.size / 2 - 1);
    this.#free.push(slot);
  }

  /** Puts `fds` into slots `offset`, `offset + 1`, ... (-1 empties a slot). Returns how many were updated. */
  update(offset: number, fds: readonly number[]): number {
    validateInteger(offset, 'offset', 0, this.size - 1);
    const arr = new Int32Array(fds.length);
    fds.forEach((fd, i) => (arr[i] = fd === -1 ? -1 : validateFd(fd, `fds[${i}]`)));
    const upd = new Uint8Array(RSRC_SIZE);
    const v = new DataView(upd.buffer);
    v.setUint32(0, offset, true);
    v.setBigUint64(8, sys().address(arr), true);
    v.setUint32(24, fds.length, true);
    return this.#ring.register(Register.FILES_UPDATE2, upd, RSRC_SIZE);
  }
}

/** Registered buffers: pinned once, then used by READ_FIXED / WRITE_FIXED by index. */
export class BufferTable {
  readonly buffers: readonly ArrayBufferView[];
  readonly #ring: Registrar;

  constructor(ring: Registrar, buffers: readonly ArrayBufferView[]) {
    if (!Array.isArray(buffers) || buffers.length === 0) throw uringError('ERR_URING_INVALID_BUFFERS', 'registerBuffers needs a non-empty array of buffers');
    buffers.forEach((b, i) => validateBuffer(b, `buffers[${i}]`));
    this.#ring = ring;
    // The table holds the buffers: the kernel has their pages pinned until unregister.
    this.buffers = [...buffers];
    ring.register(Register.BUFFERS, iovecs(this.buffers), this.buffers.length);
  }

  unregister(): void {
    this.#ring.register(Register.UNREGISTER_BUFFERS, null, 0);
  }
}

/** Makes the kernel signal `fd` (an eventfd) on every completion (or only async ones). */
export function registerEventfd(ring: Registrar, fd: number, options: { async?: boolean } = {}): void {
  validateFd(fd);
  const arg = new Uint8Array(new Int32Array([fd]).buffer);
  ring.register(options.async ? Register.EVENTFD_ASYNC : Register.EVENTFD, arg, 1);
}

export function unregisterEventfd(ring: Registrar): void {
  ring.register(Register.UNREGISTER_EVENTFD, null, 0);
}

/**
 * Puts ring `fd` into this thread's table of registered rings (IORING_REGISTER_RING_FDS, 5.18+):
 * io_uring_enter then takes that slot with IORING_ENTER_REGISTERED_RING and skips the fd table
 * lookup and the file's reference count (fget/fput) on every call. The table is per thread and has
 * 16 slots: -1 when the kernel refuses (full, or too old), and the ring enters by its fd. Only the
 * thread that registered it may enter by the slot: a ring is used on the thread that made it.
 */
export function registerRingFd(n: Native, fd: number): number {
  const upd = new Uint8Array(16); // struct io_uring_rsrc_update { u32 offset; u32 resv; u64 data }
  const v = new DataView(upd.buffer);
  v.setUint32(0, 0xffffffff, true); // any free slot: the kernel writes back the one it took
  v.setUint32(8, fd, true);
  return n.register(fd, Register.RING_FDS, upd, 1) === 1 ? v.getUint32(0, true) : -1;
}

/** Frees slot `slot` of registerRingFd (before the ring fd is closed: the slot holds the ring open). */
export function unregisterRingFd(n: Native, fd: number, slot: number): void {
  const upd = new Uint8Array(16);
  new DataView(upd.buffer).setUint32(0, slot, true);
  n.register(fd, Register.UNREGISTER_RING_FDS, upd, 1);
}
