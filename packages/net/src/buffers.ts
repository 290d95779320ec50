/** One provided buffer ring per io_uring ring, shared by every connection's multishot receive. */
import { BufferRing, type Ring } from '@uring/core';

const GROUP = 0x4e54; // 'NT'
const rings = new WeakMap<Ring, BufferRing>();

export function receiveBuffers(ring: Ring): BufferRing {
  let br = rings.get(ring);
  if (!br) {
    br = new BufferRing(ring, { groupId: GROUP, entries: 128, size: 16384 });
    rings.set(ring, br);
  }
  return br;
}
