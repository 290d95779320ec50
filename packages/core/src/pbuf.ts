/**
 * Provided buffer rings (IORING_REGISTER_PBUF_RING): a ring of buffers the
 * kernel picks from for receives (IOSQE_BUFFER_SELECT), so a thousand idle
 * sockets do not each pin a buffer. The CQE names the buffer (flags >> 16);
 * the consumer reads it, then recycles it.
 */
import { uringError } from './errors';
import type { Ring } from './ring';
import { rememberAddress } from './ops/common';
import { storeRelease16 } from './order';
import { setU64 } from './sqe';
import { sys, type Pointer } from './sys';
import { IO_URING_BUF_SIZE, IORING_CQE_BUFFER_SHIFT, Register } from './uapi';
import { validateInteger } from './validate';

/** Offset of the ring's u16 tail: the `resv` field of entry 0 (struct io_uring_buf_ring). */
const TAIL_OFFSET = 14;

export class BufferRing {
  readonly groupId: number;
  readonly entries: number;
  readonly size: number;
  /** All buffers, back to back: buffer `bid` is bytes [bid * size, (bid + 1) * size). */
  readonly memory: Buffer;
  readonly #ring: Ring;
  readonly #mem: { ptr: Pointer; len: number };
  readonly #view: DataView;
  readonly #tail: Uint16Array;
  /** The address of `memory` (below 2^47: exact as a number, no BigInt per recycle). */
  readonly #base: number;
  #tailLocal = 0;
  #closed = false;

  constructor(ring: Ring, options: { groupId: number; entries?: number; size?: number }) {
    this.groupId = validateInteger(options.groupId, 'options.groupId', 0, 0xffff);
    this.entries = validateInteger(options.entries ?? 256, 'options.entries', 1, 32768);
    if ((this.entries & (this.entries - 1)) !== 0) throw uringError('ERR_URING_INVALID_BUFFER_RING', 'entries must be a power of two');
    this.size = validateInteger(options.size ?? 16384, 'options.size', 1, 1 << 30);
    this.#ring = ring;
    const n = sys();
    const len = Math.ceil((this.entries * IO_URING_BUF_SIZE) / 4096) * 4096;
    const ptr = n.mmapAnon(len);
    if (ptr === 0n) throw uringError('ERR_URING_NO_MEMORY', 'could not map memory for a buffer ring');
    this.#mem = { ptr, len };
    const ab = n.view(ptr, len);
    this.#view = new DataView(ab);
    this.#tail = new Uint16Array(ab, TAIL_OFFSET, 1);
    // Not zero-filled: pages count toward RSS only once the kernel writes into them.
    this.memory = Buffer.allocUnsafeSlow(this.entries * this.size);
    this.#base = Number(n.address(this.memory));
    // Receives lend views of it that are sent on (an echo, a proxy): their address without a native call.
    rememberAddress(this.memory.buffer, this.#base - this.memory.byteOffset);
    const reg = new Uint8Array(40); // struct io_uring_buf_reg
    const rv = new DataView(reg.buffer);
    rv.setBigUint64(0, ptr, true);
    rv.setUint32(8, this.entries, true);
    rv.setUint16(12, this.groupId, true);
    try {
      ring.register(Register.PBUF_RING, reg, 1);
    } catch (err) {
      n.munmap(ptr, len);
      throw err;
    }
    for (let bid = 0; bid < this.entries; bid++) this.#add(bid);
    this.#publish();
  }

  /** The buffer id a CQE used (IORING_CQE_F_BUFFER must be set). */
  static bufferId(cqeFlags: number): number {
    return cqeFlags >>> IORING_CQE_BUFFER_SHIFT;
  }

  /** Bytes [0, length) of buffer `bid`: valid until it is recycled. */
  buffer(bid: number, length = this.size): Buffer {
    return this.memory.subarray(bid * this.size, bid * this.size + length);
  }

  /** The address of buffer `bid` (what a send of its bytes is given, with no view made). */
  address(bid: number): number {
    return this.#base + bid * this.size;
  }

  /** Gives buffer `bid` back to the kernel. */
  recycle(bid: number): void {
    if (this.#closed) return;
    this.#add(bid);
    this.#publish();
  }

  #add(bid: number): void {
    const at = (this.#tailLocal & (this.entries - 1)) * IO_URING_BUF_SIZE;
    setU64(this.#view, at, this.#base + bid * this.size);
    this.#view.setUint32(at + 8, this.size, true);
    this.#view.setUint16(at + 12, bid, true);
    this.#tailLocal = (this.#tailLocal + 1) & 0xffff;
  }

  #publish(): void {
    // Release: the entries must be visible before the kernel sees the tail move.
    storeRelease16(this.#tail, 0, this.#tailLocal);
  }

  /** Unregisters the group and frees the ring (no receive may be pending on it). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const reg = new Uint8Array(40);
    new DataView(reg.buffer).setUint16(12, this.groupId, true);
    if (!this.#ring.closed) this.#ring.register(Register.UNREGISTER_PBUF_RING, reg, 1);
    sys().munmap(this.#mem.ptr, this.#mem.len);
  }
}
