/**
 * What the kernel clock adds: absolute sleeps on a chosen clock, the
 * count-or-time timeout, and deadlines on I/O through linked timeouts.
 */
import { defaultRing, op, run, runChain, type Chain, type OpSpec, type Ring } from '@uring/core';
import { invalidArgType } from '@uring/core';
import { setTimeout as sleepRelative } from './promises';

export type Clock = 'monotonic' | 'boottime' | 'realtime';

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number, options?: { signal?: AbortSignal; ref?: boolean }): Promise<void> {
  return sleepRelative(ms, undefined, options);
}

/**
 * Resolves at an absolute time: a Date or ms since the epoch (real-time
 * clock), or `{ clock, ns }` on the monotonic, boot-time or real-time clock.
 * One kernel timeout with IORING_TIMEOUT_ABS, so a clock change is honoured.
 */
export async function sleepUntil(
  when: Date | number | { clock: Clock; ns: bigint },
  options: { signal?: AbortSignal; ring?: Ring } = {},
): Promise<void> {
  let clock: Clock = 'realtime';
  let ns: bigint;
  if (when instanceof Date) ns = BigInt(when.getTime()) * 1_000_000n;
  else if (typeof when === 'number') ns = BigInt(Math.round(when * 1e6));
  else if (when && typeof when === 'object' && typeof when.ns === 'bigint') {
    clock = when.clock;
    ns = when.ns;
  } else throw invalidArgType('when', ['Date', 'number', 'Object'], when);
  if (ns < 0n) ns = 0n;
  await run(op.timeout({ sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) }, { abs: true, clock }), options);
}

/**
 * Resolves 'count' once `count` other completions have arrived on the ring,
 * or 'timeout' after `ms`, whichever comes first (IORING_OP_TIMEOUT's count).
 */
export function countOrTimeout(count: number, ms: number, options: { signal?: AbortSignal; ring?: Ring } = {}): Promise<'count' | 'timeout'> {
  return run(op.timeout(ms, { count }), options);
}

/**
 * Runs an op or a chain with a deadline enforced in the kernel
 * (IORING_OP_LINK_TIMEOUT): rejects with ETIMEDOUT, the op cancelled.
 */
export function withTimeout<T>(target: OpSpec<T>, ms: number, options?: { ring?: Ring; signal?: AbortSignal }): Promise<T>;
export function withTimeout(target: Chain, ms: number, options?: { ring?: Ring; signal?: AbortSignal }): Promise<unknown[]>;
export function withTimeout(target: OpSpec<unknown> | Chain, ms: number, options: { ring?: Ring; signal?: AbortSignal } = {}): Promise<unknown> {
  const opts = { ...options, ring: options.ring ?? defaultRing(), timeout: ms };
  return 'steps' in target ? runChain(target, opts) : run(target, opts);
}
