/**
 * A pool of 64 KiB buffers for the kernel to read into and write from (a
 * small readFile's first READ, a small copyFile's READ -> WRITE). A fresh
 * 64 KiB per call made garbage collection the bottleneck; at this size core's
 * addressOf caches the address. A buffer goes back only once the last CQE that
 * uses it is in. Each has one byte past CHUNK, for readFile's READ that looks
 * for the end after a full first READ.
 */
export const CHUNK = 64 * 1024;
const pool: Buffer[] = [];
/** At most this many kept. */
const KEEP = 64;

export const takeChunk = (): Buffer => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK + 1);

export const giveChunk = (b: Buffer): void => {
  if (pool.length < KEEP) pool.push(b);
};
