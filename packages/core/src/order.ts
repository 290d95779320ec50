/**
 * Acquire loads and release stores of the words the kernel shares with us
 * (ring heads, tails and flags). x86-64 is TSO: a plain load is an acquire and
 * a plain store a release (liburing's io_uring_smp_load_acquire and
 * io_uring_smp_store_release are plain moves there), and V8 keeps typed-array
 * accesses in program order, merging only repeated loads with no call or store
 * between them (so never spin on one of these without a call in the loop).
 * V8 does not inline Atomics.load/store on a non-shared buffer: a builtin call
 * of 10-20 ns, several per op. Elsewhere (aarch64) the Atomics, which are
 * seq-cst. A store that a later load must not pass (SQPOLL's tail before its
 * NEED_WAKEUP check) needs the full barrier of Atomics.store, not these.
 */
const plain = process.arch === 'x64';

export const loadAcquire: (a: Uint32Array, i: number) => number = plain ? (a, i) => a[i]! : (a, i) => Atomics.load(a, i);

export const storeRelease: (a: Uint32Array, i: number, v: number) => void = plain
  ? (a, i, v) => {
      a[i] = v;
    }
  : (a, i, v) => {
      Atomics.store(a, i, v);
    };

/** storeRelease for a u16 word (a provided buffer ring's tail). */
export const storeRelease16: (a: Uint16Array, i: number, v: number) => void = plain
  ? (a, i, v) => {
      a[i] = v;
    }
  : (a, i, v) => {
      Atomics.store(a, i, v);
    };
