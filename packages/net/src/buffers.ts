/**
 * One provided buffer ring per io_uring ring, shared by every connection's
 * multishot receive. A received chunk is copied out (the consumer owns it) or,
 * for consumers of Connection#views(), lent: a view of the kernel's buffer
 * that goes back to the ring when the consumer steps on.
 */
import { BufferRing, type Ring } from '@uring/core';

const GROUP = 0x4e54; // 'NT'
const ENTRIES = 128;
const SIZE = 65536;
/** Buffers never lent: a consumer that holds its views cannot stop the other connections from receiving (they get copies). */
const RESERVE = 16;
const rings = new WeakMap<Ring, ReceiveBuffers>();

export function receiveBuffers(ring: Ring): ReceiveBuffers {
  let rb = rings.get(ring);
  if (!rb) {
    rb = new ReceiveBuffers(new BufferRing(ring, { groupId: GROUP, entries: ENTRIES, size: SIZE }));
    rings.set(ring, rb);
  }
  return rb;
}

export class ReceiveBuffers {
  readonly ring: BufferRing;
  #lent = 0;

  constructor(ring: BufferRing) {
    this.ring = ring;
  }

  /** Bytes [0, length) of buffer `bid` as a Buffer of their own; the buffer goes back at once. */
  copy(bid: number, length: number): Buffer {
    const chunk = Buffer.from(this.ring.buffer(bid, length));
    this.ring.recycle(bid);
    return chunk;
  }

  /**
   * A view of buffer `bid`, lent until giveBack(bid); undefined when all but
   * the reserve are lent already.
   */
  lend(bid: number, length: number): Buffer | undefined {
    if (this.#lent >= ENTRIES - RESERVE) return undefined;
    this.#lent++;
    return this.ring.buffer(bid, length);
  }

  giveBack(bid: number): void {
    this.#lent--;
    this.ring.recycle(bid);
  }
}
