/**
 * Node's own conventions, reproduced where the ring path needs them: flag
 * strings, modes, paths, encodings, Stats objects. Anything unusual is left to
 * node:fs/promises itself (callers delegate), so odd input always gets Node's
 * exact error.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AbortError, codedError, uapi, type op } from '@uring/core';
import { nodeLine } from './node';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_EXCL, O_SYNC } = fs.constants;
export const O_CLOEXEC = uapi.O_CLOEXEC;

/** Node's stringToFlags for the strings it knows; undefined for anything else (Node will say why). */
export function parseFlags(flags: unknown, fallback: number): number | undefined {
  if (flags === undefined || flags === null) return fallback;
  // (A number beyond int32 is Node's to reject.)
  if (typeof flags === 'number') return Number.isInteger(flags) && flags >= -(2 ** 31) && flags < 2 ** 31 ? flags : undefined;
  switch (flags) {
    case 'r': return O_RDONLY;
    case 'rs': case 'sr': return O_RDONLY | O_SYNC;
    case 'r+': return O_RDWR;
    case 'rs+': case 'sr+': return O_RDWR | O_SYNC;
    case 'w': return O_TRUNC | O_CREAT | O_WRONLY;
    case 'wx': case 'xw': return O_TRUNC | O_CREAT | O_WRONLY | O_EXCL;
    case 'w+': return O_TRUNC | O_CREAT | O_RDWR;
    case 'wx+': case 'xw+': return O_TRUNC | O_CREAT | O_RDWR | O_EXCL;
    case 'a': return O_APPEND | O_CREAT | O_WRONLY;
    case 'ax': case 'xa': return O_APPEND | O_CREAT | O_WRONLY | O_EXCL;
    case 'as': case 'sa': return O_APPEND | O_CREAT | O_WRONLY | O_SYNC;
    case 'a+': return O_APPEND | O_CREAT | O_RDWR;
    case 'ax+': case 'xa+': return O_APPEND | O_CREAT | O_RDWR | O_EXCL;
    case 'as+': case 'sa+': return O_APPEND | O_CREAT | O_RDWR | O_SYNC;
    default: return undefined;
  }
}

/** Node's parseFileMode for valid input (a uint32 or an octal string); undefined otherwise. */
export function parseMode(mode: unknown, fallback: number): number | undefined {
  if (mode === undefined || mode === null) return fallback;
  if (typeof mode === 'string') return /^[0-7]+$/.test(mode) ? parseInt(mode, 8) : undefined;
  if (typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode <= 0xffffffff) return mode;
  return undefined;
}

/** A path Node would accept, as a string; undefined for anything Node would reject or treat specially. */
export function plainPath(path: unknown): string | undefined {
  let p: string;
  if (typeof path === 'string') p = path;
  else if (Buffer.isBuffer(path)) {
    // The ring takes the path as a string: only bytes that are UTF-8 come back as the same bytes (others name another file).
    p = path.toString('utf8');
    if (Buffer.byteLength(p) !== path.length || !Buffer.from(p).equals(path)) return undefined;
  }
  else if (path instanceof URL) {
    try {
      p = fileURLToPath(path);
    } catch {
      return undefined;
    }
  } else return undefined;
  if (p.includes('\u0000') || p.length === 0) return undefined;
  return p;
}

/** The encoding of `options` (a string or `{ encoding }`), when it is one Node knows. */
export function encodingOf(options: unknown, fallback: BufferEncoding | null): BufferEncoding | null | undefined {
  const enc = typeof options === 'string' ? options : options && typeof options === 'object' ? (options as { encoding?: unknown }).encoding : undefined;
  if (enc === undefined || enc === null) return enc === null ? null : fallback;
  // ('buffer' is no encoding to readFile or writeFile: Node says ERR_UNKNOWN_ENCODING.)
  if (typeof enc === 'string' && Buffer.isEncoding(enc)) return enc as BufferEncoding;
  return undefined;
}

/** glibc's makedev. */
function makedev(major: number, minor: number): bigint {
  const M = BigInt(major);
  const m = BigInt(minor);
  return ((M & 0xfffff000n) << 32n) | ((M & 0xfffn) << 8n) | ((m & 0xffffff00n) << 12n) | (m & 0xffn);
}

const { Stats, BigIntStats, statsTakeTimeSpec } = nodeLine;

/**
 * A Stats from its fields, each time as (seconds, nanoseconds), built the way
 * the running Node builds its own (see nodeLine.statsTakeTimeSpec).
 */
const makeStats: (dev: number, mode: number, nlink: number, uid: number, gid: number, rdev: number, blksize: number, ino: number, size: number, blocks: number,
  aS: number, aN: number, mS: number, mN: number, cS: number, cN: number, bS: number, bN: number) => fs.Stats = statsTakeTimeSpec
  ? (dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks, aS, aN, mS, mN, cS, cN, bS, bN) =>
      new Stats(dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks, aS, aN, mS, mN, cS, cN, bS, bN)
  : // Node: sec * 1e3 + nsec / 1e6, in doubles.
    (dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks, aS, aN, mS, mN, cS, cN, bS, bN) =>
      new Stats(dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks, aS * 1000 + aN / 1e6, mS * 1000 + mN / 1e6, cS * 1000 + cN / 1e6, bS * 1000 + bN / 1e6);

/** A real fs.Stats (or BigIntStats) from a statx result, with the values libuv would give. */
export function toStats(s: op.Statx, bigint: boolean): fs.Stats | fs.BigIntStats {
  const hasBirth = (s.mask & 0x800) !== 0;
  const btime = hasBirth ? s.btime : { sec: 0, nsec: 0 };
  const dev = makedev(s.devMajor, s.devMinor);
  const rdev = makedev(s.rdevMajor, s.rdevMinor);
  if (bigint) {
    const ns = (t: op.StatxTimestamp) => BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);
    return new BigIntStats(dev, BigInt(s.mode), BigInt(s.nlink), BigInt(s.uid), BigInt(s.gid), rdev, BigInt(s.blksize), s.ino, s.size, s.blocks,
      ns(s.atime), ns(s.mtime), ns(s.ctime), ns(btime));
  }
  return makeStats(Number(dev), s.mode, s.nlink, s.uid, s.gid, Number(rdev), s.blksize, Number(s.ino), Number(s.size), Number(s.blocks),
    s.atime.sec, s.atime.nsec, s.mtime.sec, s.mtime.nsec, s.ctime.sec, s.ctime.nsec, btime.sec, btime.nsec);
}

/** makedev in doubles, for the number Stats (exact while the result stays below 2^53, as device numbers do). */
function makedevNumber(major: number, minor: number): number {
  return (major & 0xfff) * 256 + (minor & 0xff) + (minor >>> 8) * 1048576 + Math.floor(major / 4096) * 2 ** 44;
}

const u32 = (v: DataView, at: number) => v.getUint32(at, true);
const u64 = (v: DataView, at: number) => v.getUint32(at, true) + v.getUint32(at + 4, true) * 4294967296;
/** A signed 64-bit field (statx_timestamp's tv_sec: a time before 1970 is negative). */
const i64 = (v: DataView, at: number) => v.getUint32(at, true) + v.getInt32(at + 4, true) * 4294967296;

/** fs.Stats straight from the raw struct statx at byte `at` of `v`: no intermediate object, no BigInts, no closures (the hot path of stat()). */
export function statsFromRaw(v: DataView, at: number): fs.Stats {
  const hasBirth = (u32(v, at) & 0x800) !== 0;
  return makeStats(
    makedevNumber(u32(v, at + 136), u32(v, at + 140)),
    v.getUint16(at + 28, true),
    u32(v, at + 16),
    u32(v, at + 20),
    u32(v, at + 24),
    makedevNumber(u32(v, at + 128), u32(v, at + 132)),
    u32(v, at + 4),
    u64(v, at + 32),
    u64(v, at + 40),
    u64(v, at + 48),
    i64(v, at + 64), u32(v, at + 72),
    i64(v, at + 112), u32(v, at + 120),
    i64(v, at + 96), u32(v, at + 104),
    hasBirth ? i64(v, at + 80) : 0, hasBirth ? u32(v, at + 88) : 0,
  );
}

/**
 * Resolves in the next turn of the event loop, after the nextTick and
 * setImmediate callbacks queued so far. Our ops can complete within one run
 * of the microtask queue, Node's take a turn of the loop each: with this, a
 * signal aborted meanwhile is seen where Node would see it.
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Whether a call's options carry a signal that has not aborted yet. Such a
 * call on a handle starts in the next turn of the loop (nextTurn): Node's
 * checks its signal first thing, and where Node's previous call (an open)
 * took a turn of the loop, a `process.nextTick(abort)` queued before it has
 * run by then; ours may have completed inside the ring's poll callback, where
 * promise reactions run before the ticks queued outside it.
 */
export function pendingSignal(options: unknown): boolean {
  const signal = options !== null && typeof options === 'object' ? (options as { signal?: unknown }).signal : undefined;
  return signal instanceof AbortSignal && !signal.aborted;
}

/** Node's largest readFile (kIoMaxLength); a larger file is ERR_FS_FILE_TOO_LARGE. */
export const IO_MAX_LENGTH = 2 ** 31 - 1;

/** Node's ERR_FS_FILE_TOO_LARGE. */
export function fileTooLarge(size: number): RangeError {
  return codedError(RangeError, 'ERR_FS_FILE_TOO_LARGE', `File size (${size}) is greater than 2 GiB`);
}

/** Node's AbortError for a signal that has aborted, if `signal` has. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}
