/** What the op builders share: addresses of JS memory, and iovec arrays. */
import { sys, type Pointer } from '../sys';
import { IOVEC_SIZE } from '../uapi';

/** The address of a view's first byte (0 for an empty view, which the kernel never touches). */
export function addressOf(buf: ArrayBufferView): Pointer | number {
  return buf.byteLength === 0 ? 0 : sys().address(buf);
}

/** A struct iovec[] for `buffers`; keep both the array and the buffers alive with the op. */
export function iovecs(buffers: readonly ArrayBufferView[]): Uint8Array {
  const arr = new Uint8Array(buffers.length * IOVEC_SIZE);
  const v = new DataView(arr.buffer);
  buffers.forEach((b, i) => {
    v.setBigUint64(i * IOVEC_SIZE, BigInt(addressOf(b)), true);
    v.setBigUint64(i * IOVEC_SIZE + 8, BigInt(b.byteLength), true);
  });
  return arr;
}
