/** Which path each call takes: the ring when io_uring is here, node:fs/promises otherwise. */
import { defaultRing, isAvailable, probe, type OpcodeName, type Ring } from '@uring/core';

/** True when calls go through io_uring; false when every call falls back to node:fs/promises. */
export function isNative(): boolean {
  return isAvailable();
}

/** The ring to use, or undefined to fall back to Node. */
export function ringOrNode(): Ring | undefined {
  return isAvailable() ? defaultRing() : undefined;
}

/** Whether this kernel has an op (probed once). */
export function kernelHas(name: OpcodeName): boolean {
  const ring = ringOrNode();
  return ring !== undefined && probe(ring).supports(name);
}
