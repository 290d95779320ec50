/** TIMEOUT (relative, absolute, count-based, multishot), TIMEOUT_REMOVE, timeout update, LINK_TIMEOUT. */
import { systemError } from '../errors';
import type { OpSpec } from '../op';
import { prepRw, setOpFlags } from '../sqe';
import {
  IORING_LINK_TIMEOUT_UPDATE,
  IORING_TIMEOUT_ABS,
  IORING_TIMEOUT_BOOTTIME,
  IORING_TIMEOUT_ETIME_SUCCESS,
  IORING_TIMEOUT_MULTISHOT,
  IORING_TIMEOUT_REALTIME,
  IORING_TIMEOUT_UPDATE,
  Opcode,
  TIMESPEC_SIZE,
} from '../uapi';
import { invalidArgType, outOfRange } from '../errors';
import { validateUint32 } from '../validate';
import { addressOf } from './common';
import { constants } from 'node:os';

const { ETIME } = constants.errno;

/** A duration or instant: milliseconds (fractions allowed), `{ sec, nsec }`, or bigint nanoseconds. */
export type Duration = number | bigint | { sec: number; nsec?: number };

export type Clock = 'monotonic' | 'boottime' | 'realtime';

export interface TimeoutOptions {
  /** Complete early once this many other completions have arrived (res 0 → 'count'). */
  count?: number;
  /** `duration` is an absolute time on `clock` rather than a delay. */
  abs?: boolean;
  /** The clock (default monotonic). */
  clock?: Clock;
  /** Fire repeatedly (6.4+): `count` is the number of shots, 0 forever. */
  multishot?: boolean;
  /** Expiry completes with 0 instead of -ETIME (useful in link chains). */
  etimeSuccess?: boolean;
}

/** The kernel's struct __kernel_timespec for a duration. */
export function timespec(duration: Duration, name = 'duration'): Uint8Array {
  let ns: bigint;
  if (typeof duration === 'bigint') ns = duration;
  else if (typeof duration === 'number') {
    if (!Number.isFinite(duration)) throw outOfRange(name, 'a finite number', duration);
    ns = BigInt(Math.round(duration * 1e6));
  } else if (duration !== null && typeof duration === 'object' && typeof duration.sec === 'number') {
    ns = BigInt(Math.trunc(duration.sec)) * 1_000_000_000n + BigInt(Math.trunc(duration.nsec ?? 0));
  } else throw invalidArgType(name, ['number', 'bigint', 'Object'], duration);
  if (ns < 0n) throw outOfRange(name, '>= 0', duration);
  const buf = new Uint8Array(TIMESPEC_SIZE);
  const v = new DataView(buf.buffer);
  v.setBigInt64(0, ns / 1_000_000_000n, true);
  v.setBigInt64(8, ns % 1_000_000_000n, true);
  return buf;
}

function timeoutFlags(o: TimeoutOptions): number {
  let flags = 0;
  if (o.abs) flags |= IORING_TIMEOUT_ABS;
  if (o.clock === 'boottime') flags |= IORING_TIMEOUT_BOOTTIME;
  else if (o.clock === 'realtime') flags |= IORING_TIMEOUT_REALTIME;
  else if (o.clock !== undefined && o.clock !== 'monotonic') throw invalidArgType('options.clock', ["'monotonic'", "'boottime'", "'realtime'"], o.clock);
  if (o.multishot) flags |= IORING_TIMEOUT_MULTISHOT;
  if (o.etimeSuccess) flags |= IORING_TIMEOUT_ETIME_SUCCESS;
  return flags;
}

export type TimeoutResult = 'timeout' | 'count';

/** IORING_OP_TIMEOUT. Resolves 'timeout' when the time passed, 'count' when `count` completions came first. */
export function timeout(duration: Duration, options: TimeoutOptions = {}): OpSpec<TimeoutResult> {
  const ts = timespec(duration);
  const count = validateUint32(options.count ?? 0, 'options.count');
  const flags = timeoutFlags(options);
  const addr = addressOf(ts);
  return {
    opcode: Opcode.TIMEOUT,
    syscall: 'timeout',
    keep: ts,
    prep(v, o) {
      prepRw(v, o, Opcode.TIMEOUT, -1, addr, 1, count);
      setOpFlags(v, o, flags);
    },
    complete(res) {
      if (res === -ETIME) return 'timeout';
      if (res < 0) throw systemError(res, 'timeout');
      return options.etimeSuccess || options.multishot ? 'timeout' : 'count';
    },
  };
}

/** IORING_OP_TIMEOUT_REMOVE: removes the timeout submitted as `userData` (it completes with -ECANCELED). */
export function timeoutRemove(userData: number): OpSpec<number> {
  validateUint32(userData, 'userData');
  return {
    opcode: Opcode.TIMEOUT_REMOVE,
    syscall: 'timeout_remove',
    prep: (v, o) => prepRw(v, o, Opcode.TIMEOUT_REMOVE, -1, userData, 0, 0),
  };
}

/** Re-arms the pending timeout `userData` to `duration` (IORING_TIMEOUT_UPDATE), without remove-and-add. */
export function timeoutUpdate(userData: number, duration: Duration, options: Pick<TimeoutOptions, 'abs' | 'clock'> & { link?: boolean } = {}): OpSpec<number> {
  validateUint32(userData, 'userData');
  const ts = timespec(duration);
  const flags = timeoutFlags(options) | (options.link ? IORING_LINK_TIMEOUT_UPDATE : IORING_TIMEOUT_UPDATE);
  const addr = addressOf(ts);
  return {
    opcode: Opcode.TIMEOUT_REMOVE,
    syscall: 'timeout_update',
    keep: ts,
    prep(v, o) {
      // TIMEOUT_REMOVE with an update flag: target in addr, new timespec in off (addr2).
      prepRw(v, o, Opcode.TIMEOUT_REMOVE, -1, userData, 0, addr);
      setOpFlags(v, o, flags);
    },
  };
}

/**
 * IORING_OP_LINK_TIMEOUT: placed right after an op in a chain, it cancels that
 * op if it has not completed in time. Completes -ETIME when it fired,
 * -ECANCELED when the op finished first ('fired' / 'idle').
 */
export function linkTimeout(duration: Duration, options: Pick<TimeoutOptions, 'abs' | 'clock'> = {}): OpSpec<'fired' | 'idle'> {
  const ts = timespec(duration);
  const flags = timeoutFlags(options);
  const addr = addressOf(ts);
  return {
    opcode: Opcode.LINK_TIMEOUT,
    syscall: 'link_timeout',
    keep: ts,
    prep(v, o) {
      prepRw(v, o, Opcode.LINK_TIMEOUT, -1, addr, 1, 0);
      setOpFlags(v, o, flags);
    },
    complete(res) {
      if (res === -ETIME) return 'fired';
      if (res === -125 /* ECANCELED */ || res === 0) return 'idle';
      throw systemError(res, 'link_timeout');
    },
  };
}
