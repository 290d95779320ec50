/** What the op builders share: addresses of JS memory, and iovec arrays. */
import { sys } from '../sys';
import { IOVEC_SIZE } from '../uapi';

/**
 * Base addresses of ArrayBuffers, looked up once each. An ArrayBuffer's
 * backing store never moves (reading `.buffer` moves a small on-heap typed
 * array's bytes off the heap for good), so a view's address is its buffer's
 * base plus its byteOffset: no native call and no BigInt per op.
 */
const bases = new WeakMap<ArrayBufferLike, number>();
/**
 * Addresses of views that span their whole buffer (Buffer.alloc(n), new Uint8Array(n): the usual I/O
 * buffer), found without reading `.buffer`: V8 runs that getter as a C++ builtin, ~100 instructions a
 * call, more than the WeakMap lookup itself.
 */
const wholeViews = new WeakMap<ArrayBufferView, number>();
/**
 * Buffers up to this size have their base cached. Above Node's Buffer pool (64 KiB, and 65,600 bytes on
 * Node 26, which pads it for alignment), whose slices every small Buffer.from and allocUnsafe returns:
 * at 64 KiB exactly, each send of a pooled chunk on Node 26 cost a native call and a BigInt.
 */
const CACHED_MAX = 128 * 1024;

/** The address of a view's first byte (0 for an empty view, which the kernel never touches). */
export function addressOf(buf: ArrayBufferView): number {
  if (buf.byteLength === 0) return 0;
  const offset = buf.byteOffset;
  if (offset === 0) {
    const known = wholeViews.get(buf);
    if (known !== undefined) return known;
  }
  const ab = buf.buffer;
  let base = bases.get(ab);
  if (base === undefined) {
    // Large buffers are not cached (unless known: rememberAddress): the native call is nothing beside
    // their I/O, and a WeakMap entry would keep a dead 64 MiB buffer for a full GC instead of a scavenge.
    if (ab.byteLength > CACHED_MAX) return Number(sys().address(buf));
    // User-space addresses are below 2^47: exact as a double.
    base = Number(sys().address(new Uint8Array(ab)));
    bases.set(ab, base);
  } else if (offset === 0 && buf.byteLength === ab.byteLength) {
    // Seen before, so likely to be used again (a one-shot buffer, a file's contents, gets one entry only).
    wholeViews.set(buf, base);
  }
  return base + offset;
}

/**
 * Caches the base address of a long-lived large buffer (a buffer ring's memory,
 * whose small views are sent back out as often as they are received).
 */
export function rememberAddress(ab: ArrayBufferLike, base: number): void {
  bases.set(ab, base);
}

/** The `discard` of ops whose result is a new fd: nobody will receive it, so close it. */
export function closeLeaked(res: number): void {
  if (res >= 0) sys().close(res);
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
