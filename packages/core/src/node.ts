/**
 * What differs by Node version, for the core: one place, probed where it can be.
 */
const major = Number(process.versions.node.split('.')[0]);

export const nodeLine = {
  major,
  /**
   * Whether Node drains the microtask queue when a native callback that libuv
   * calls (our uv_poll callback, through koffi) returns. Node 26 does not: the
   * promise reactions queued by a completion would wait for the next unrelated
   * Node callback (a timer seconds away), so the ring's poll callback drains
   * ticks and microtasks itself before it returns (wakeup.ts).
   */
  drainsMicrotasksAfterNativeCallback: major < 26,
} as const;
