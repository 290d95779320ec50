/** OPENAT, OPENAT2, CLOSE, STATX, RENAMEAT, UNLINKAT, MKDIRAT, SYMLINKAT, LINKAT. */
import type { OpSpec } from '../op';
import { prepCloseDirect, prepRw, setFileIndex, setOpFlags } from '../sqe';
import { AT_FDCWD, AT_REMOVEDIR, IORING_FILE_INDEX_ALLOC, OPEN_HOW_SIZE, Opcode, STATX, STATX_BASIC_STATS, STATX_BTIME, STATX_STRUCT_SIZE } from '../uapi';
import { cPath, pathString, validateDirFd, validateFd, validateInteger, validateUint32 } from '../validate';
import { systemError, uringError } from '../errors';
import { addressOf, closeLeaked } from './common';
import { KernelPath, Slots } from '../slots';

export type PathLike = string | Buffer | URL;

export interface OpenOptions {
  /** Directory the path is relative to (default AT_FDCWD). */
  dirfd?: number;
  /**
   * Open into the registered file table instead of the fd table: a slot
   * number, or 'alloc' to let the kernel pick one. The result is then the slot.
   */
  fileIndex?: number | 'alloc';
}

function fileIndexOf(fileIndex: OpenOptions['fileIndex']): number | undefined {
  if (fileIndex === undefined) return undefined;
  if (fileIndex === 'alloc') return IORING_FILE_INDEX_ALLOC;
  return validateInteger(fileIndex, 'options.fileIndex', 0, 0xfffffffe);
}

/** One openat. A class for the same reason as StatxOp: readFile and open are hot paths. */
class OpenAtOp implements OpSpec<number> {
  readonly opcode = Opcode.OPENAT;
  readonly syscall = 'open';
  readonly path: string;
  readonly keep: Buffer | undefined;
  readonly #path: KernelPath;
  readonly #flags: number;
  readonly #mode: number;
  readonly #dirfd: number;
  readonly #index: number | undefined;

  constructor(path: PathLike, flags: number, mode: number, options: OpenOptions) {
    this.#path = new KernelPath(path);
    this.path = this.#path.text;
    this.keep = this.#path.buffer;
    this.#flags = validateInteger(flags, 'flags', -(2 ** 31), 2 ** 31 - 1);
    this.#mode = validateUint32(mode, 'mode');
    this.#dirfd = validateDirFd(options.dirfd ?? AT_FDCWD);
    this.#index = fileIndexOf(options.fileIndex);
  }

  prep(v: DataView, o: number): void {
    prepRw(v, o, Opcode.OPENAT, this.#dirfd, this.#path.address(), this.#mode, 0);
    setOpFlags(v, o, this.#flags);
    if (this.#index !== undefined) setFileIndex(v, o, this.#index);
  }

  complete(res: number): number {
    this.#path.release();
    if (res < 0) throw systemError(res, 'open', this.path);
    return res;
  }

  discard(res: number): void {
    this.#path.release();
    if (this.#index === undefined) closeLeaked(res);
  }
}

/** openat(2). Resolves with the new fd (or the fixed-file slot with `fileIndex`). */
export function openat(path: PathLike, flags = 0, mode = 0o666, options: OpenOptions = {}): OpSpec<number> {
  return new OpenAtOp(path, flags, mode, options);
}

export interface OpenHow {
  flags?: number;
  mode?: number;
  /** RESOLVE_* flags (RESOLVE_NO_SYMLINKS, RESOLVE_BENEATH, ...). */
  resolve?: number;
}

/** openat2(2) with a struct open_how. */
export function openat2(path: PathLike, how: OpenHow = {}, options: OpenOptions = {}): OpSpec<number> {
  const p = cPath(path);
  const dirfd = validateDirFd(options.dirfd ?? AT_FDCWD);
  const index = fileIndexOf(options.fileIndex);
  const howBuf = new Uint8Array(OPEN_HOW_SIZE);
  const hv = new DataView(howBuf.buffer);
  hv.setBigUint64(0, BigInt(validateInteger(how.flags ?? 0, 'how.flags', 0, 2 ** 32 - 1)), true);
  hv.setBigUint64(8, BigInt(validateUint32(how.mode ?? 0, 'how.mode')), true);
  hv.setBigUint64(16, BigInt(validateInteger(how.resolve ?? 0, 'how.resolve', 0, 2 ** 32 - 1)), true);
  const addr = addressOf(p);
  const howAddr = addressOf(howBuf);
  return {
    opcode: Opcode.OPENAT2,
    syscall: 'open',
    path: pathString(path),
    keep: [p, howBuf],
    prep(v, o) {
      prepRw(v, o, Opcode.OPENAT2, dirfd, addr, OPEN_HOW_SIZE, howAddr);
      if (index !== undefined) setFileIndex(v, o, index);
    },
    discard: index === undefined ? closeLeaked : undefined,
  };
}

/** close(2); with `{ fixed: true }`, `fd` is a registered-file slot to empty. */
export function close(fd: number, options?: { fixed?: boolean }): OpSpec<number> {
  validateFd(fd);
  const fixed = options?.fixed === true;
  return {
    opcode: Opcode.CLOSE,
    syscall: 'close',
    prep(v, o) {
      if (fixed) prepCloseDirect(v, o, fd);
      else prepRw(v, o, Opcode.CLOSE, fd, 0, 0, 0);
    },
  };
}

export interface StatxTimestamp {
  sec: number;
  nsec: number;
}

/** struct statx, decoded. 64-bit counters are bigints so nothing is rounded. */
export interface Statx {
  mask: number;
  blksize: number;
  attributes: bigint;
  nlink: number;
  uid: number;
  gid: number;
  mode: number;
  ino: bigint;
  size: bigint;
  blocks: bigint;
  attributesMask: bigint;
  atime: StatxTimestamp;
  btime: StatxTimestamp;
  ctime: StatxTimestamp;
  mtime: StatxTimestamp;
  rdevMajor: number;
  rdevMinor: number;
  devMajor: number;
  devMinor: number;
}

export function decodeStatx(buf: Uint8Array): Statx {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u32 = (at: number) => v.getUint32(at, true);
  const u64 = (at: number) => v.getBigUint64(at, true);
  const ts = (at: number): StatxTimestamp => ({ sec: Number(v.getBigInt64(at, true)), nsec: u32(at + 8) });
  return {
    mask: u32(STATX.mask),
    blksize: u32(STATX.blksize),
    attributes: u64(STATX.attributes),
    nlink: u32(STATX.nlink),
    uid: u32(STATX.uid),
    gid: u32(STATX.gid),
    mode: v.getUint16(STATX.mode, true),
    ino: u64(STATX.ino),
    size: u64(STATX.size),
    blocks: u64(STATX.blocks),
    attributesMask: u64(STATX.attributesMask),
    atime: ts(STATX.atime),
    btime: ts(STATX.btime),
    ctime: ts(STATX.ctime),
    mtime: ts(STATX.mtime),
    rdevMajor: u32(STATX.rdevMajor),
    rdevMinor: u32(STATX.rdevMinor),
    devMajor: u32(STATX.devMajor),
    devMinor: u32(STATX.devMinor),
  };
}

const statxSlots = new Slots(STATX_STRUCT_SIZE);

export interface StatxOptions {
  dirfd?: number;
  /** AT_* flags: AT_SYMLINK_NOFOLLOW for lstat, AT_EMPTY_PATH with dirfd for fstat. */
  flags?: number;
  /** STATX_* fields wanted (default basic stats and birth time). */
  mask?: number;
  /** The syscall named in errors (default 'statx'; fs uses 'stat', 'lstat', 'fstat'). */
  syscall?: string;
}

/**
 * One statx op. A class rather than a literal with closures: stat() is called
 * by the ten thousand at once, and every object alive per op is work for the
 * garbage collector. Single-use: its slots go back to the pools at completion.
 */
class StatxOp<T> implements OpSpec<T> {
  readonly opcode = Opcode.STATX;
  readonly syscall: string;
  readonly path: string | undefined;
  readonly keep: Buffer | undefined;
  readonly #path: KernelPath;
  readonly #dirfd: number;
  readonly #flags: number;
  readonly #mask: number;
  readonly #decode: (v: DataView, at: number) => T;
  #slot = -1;
  #used = false;

  constructor(path: PathLike, options: StatxOptions, decode: (v: DataView, at: number) => T) {
    this.#path = new KernelPath(path);
    this.keep = this.#path.buffer;
    this.#dirfd = validateDirFd(options.dirfd ?? AT_FDCWD);
    this.#flags = validateUint32(options.flags ?? 0, 'options.flags');
    this.#mask = validateUint32(options.mask ?? STATX_BASIC_STATS | STATX_BTIME, 'options.mask');
    this.syscall = options.syscall ?? 'statx';
    this.path = this.syscall === 'fstat' ? undefined : this.#path.text;
    this.#decode = decode;
  }

  prep(v: DataView, o: number): void {
    if (this.#used) throw uringError('ERR_URING_SPEC_REUSED', 'a statx op can be submitted once: build a new one with op.statx()');
    this.#used = true;
    const s = (this.#slot = statxSlots.take());
    prepRw(v, o, Opcode.STATX, this.#dirfd, this.#path.address(), this.#mask, statxSlots.address(s));
    setOpFlags(v, o, this.#flags);
  }

  complete(res: number): T {
    // The final CQE is in: the kernel is done with the slots, so they can serve the next statx.
    try {
      if (res < 0) throw systemError(res, this.syscall, this.path);
      return this.#decode(statxSlots.view(this.#slot), statxSlots.offset(this.#slot));
    } finally {
      this.discard();
    }
  }

  discard(): void {
    this.#path.release();
    if (this.#slot >= 0) statxSlots.give(this.#slot);
    this.#slot = -1;
  }
}

/** statx with a decoder of its own: `decode` reads the raw struct statx at byte `at` of `v` into whatever the caller wants. */
export function statxWith<T>(path: PathLike, decode: (v: DataView, at: number) => T, options: StatxOptions = {}): OpSpec<T> {
  return new StatxOp(path, options, decode);
}

const decodeAt = (v: DataView, at: number) => decodeStatx(new Uint8Array(v.buffer, v.byteOffset + at, STATX_STRUCT_SIZE));

/** statx(2). Resolves with the decoded struct. */
export function statx(path: PathLike, options: StatxOptions = {}): OpSpec<Statx> {
  return new StatxOp(path, options, decodeAt);
}

export interface AtOptions {
  dirfd?: number;
  flags?: number;
}

/** RENAMEAT and LINKAT share their shape: two dirfd-relative paths and flags. */
function twoPaths(
  opcode: number,
  syscall: string,
  from: PathLike,
  to: PathLike,
  names: [string, string],
  options: AtOptions & { newDirfd?: number },
): OpSpec<number> {
  const a = cPath(from, names[0]);
  const b = cPath(to, names[1]);
  const oldDir = validateDirFd(options.dirfd ?? AT_FDCWD);
  const newDir = validateDirFd(options.newDirfd ?? AT_FDCWD, 'newDirfd');
  const flags = validateUint32(options.flags ?? 0, 'options.flags');
  const aAddr = addressOf(a);
  const bAddr = addressOf(b);
  return {
    opcode,
    syscall,
    path: pathString(from),
    dest: pathString(to),
    keep: [a, b],
    prep(v, o) {
      prepRw(v, o, opcode, oldDir, aAddr, newDir, bAddr);
      setOpFlags(v, o, flags);
    },
  };
}

/** renameat2(2). */
export function renameat(oldPath: PathLike, newPath: PathLike, options: AtOptions & { newDirfd?: number } = {}): OpSpec<number> {
  return twoPaths(Opcode.RENAMEAT, 'rename', oldPath, newPath, ['oldPath', 'newPath'], options);
}

/** unlinkat(2); `{ flags: AT_REMOVEDIR }` removes a directory (rmdir). */
export function unlinkat(path: PathLike, options: AtOptions = {}): OpSpec<number> {
  const p = cPath(path);
  const dirfd = validateDirFd(options.dirfd ?? AT_FDCWD);
  const flags = validateUint32(options.flags ?? 0, 'options.flags');
  const addr = addressOf(p);
  return {
    opcode: Opcode.UNLINKAT,
    syscall: flags & AT_REMOVEDIR ? 'rmdir' : 'unlink',
    path: pathString(path),
    keep: p,
    prep(v, o) {
      prepRw(v, o, Opcode.UNLINKAT, dirfd, addr, 0, 0);
      setOpFlags(v, o, flags);
    },
  };
}

/** mkdirat(2). */
export function mkdirat(path: PathLike, mode = 0o777, options: { dirfd?: number } = {}): OpSpec<number> {
  const p = cPath(path);
  validateUint32(mode, 'mode');
  const dirfd = validateDirFd(options.dirfd ?? AT_FDCWD);
  const addr = addressOf(p);
  return {
    opcode: Opcode.MKDIRAT,
    syscall: 'mkdir',
    path: pathString(path),
    keep: p,
    prep: (v, o) => prepRw(v, o, Opcode.MKDIRAT, dirfd, addr, mode, 0),
  };
}

/** symlinkat(2): creates `linkPath` pointing at `target`. */
export function symlinkat(target: PathLike, linkPath: PathLike, options: { dirfd?: number } = {}): OpSpec<number> {
  const t = cPath(target, 'target');
  const l = cPath(linkPath, 'path');
  const dirfd = validateDirFd(options.dirfd ?? AT_FDCWD);
  const tAddr = addressOf(t);
  const lAddr = addressOf(l);
  return {
    opcode: Opcode.SYMLINKAT,
    syscall: 'symlink',
    path: pathString(target),
    dest: pathString(linkPath),
    keep: [t, l],
    prep: (v, o) => prepRw(v, o, Opcode.SYMLINKAT, dirfd, tAddr, 0, lAddr),
  };
}

/** linkat(2): a hard link `newPath` to `existingPath`. */
export function linkat(existingPath: PathLike, newPath: PathLike, options: AtOptions & { newDirfd?: number } = {}): OpSpec<number> {
  return twoPaths(Opcode.LINKAT, 'link', existingPath, newPath, ['existingPath', 'newPath'], options);
}
