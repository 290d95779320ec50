/**
 * Promise forms of the ops, on the default ring unless `options.ring` names
 * another: `await read(fd, buf, 0)`. Validation errors reject, as Node's
 * fs/promises do.
 */
import type { OpSpec, SubmitOptions } from './op';
import * as op from './ops';
import { chain, runChain } from './chain';
import { defaultRing, type Ring } from './ring';
import type { Addr } from './sqe';

export interface CallOptions extends SubmitOptions {
  /** The ring to submit on (default: the shared main-thread ring). */
  ring?: Ring;
  /** A deadline in ms, enforced in the kernel by a linked timeout; rejects with ETIMEDOUT. */
  timeout?: number;
}

/**
 * Submits the spec that `build` returns; a throw while building (bad arguments, no io_uring here)
 * becomes a rejection. Not an async function: the promise is the ring's own, with no wrapper
 * (and its extra microtask turns) around it.
 */
export function run<T>(build: OpSpec<T> | (() => OpSpec<T>), options?: CallOptions): Promise<T> {
  try {
    return submitOn(typeof build === 'function' ? build() : build, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** `run` for a spec already built (the hot calls build it inside their own try, with no closure per call). */
function submitOn<T>(spec: OpSpec<T>, options: CallOptions | undefined): Promise<T> {
  if (options?.timeout !== undefined) return runWithDeadline(spec, options);
  return (options?.ring ?? defaultRing()).submit(spec, options);
}

async function runWithDeadline<T>(spec: OpSpec<T>, options: CallOptions): Promise<T> {
  try {
    const [value] = await runChain(chain(spec), options);
    return value as T;
  } catch (err) {
    // A lone op: its own error rather than the chain's wrapper.
    throw (err as { code?: string }).code === 'ERR_URING_CHAIN' ? (err as Error).cause : err;
  }
}

type O = CallOptions;
export const nop = (options?: O) => run(() => op.nop(), options);
export function read(fd: number, buffer: ArrayBufferView, position?: Addr, options?: O & op.RwOptions): Promise<number> {
  try {
    return submitOn(op.read(fd, buffer, position, options), options);
  } catch (err) {
    return Promise.reject(err);
  }
}
export function write(fd: number, buffer: ArrayBufferView, position?: Addr, options?: O & op.RwOptions): Promise<number> {
  try {
    return submitOn(op.write(fd, buffer, position, options), options);
  } catch (err) {
    return Promise.reject(err);
  }
}
export const readv = (fd: number, buffers: ArrayBufferView[], position?: Addr, options?: O & op.RwOptions) =>
  run(() => op.readv(fd, buffers, position, options), options);
export const writev = (fd: number, buffers: ArrayBufferView[], position?: Addr, options?: O & op.RwOptions) =>
  run(() => op.writev(fd, buffers, position, options), options);
export const readFixed = (fd: number, buffer: ArrayBufferView, bufIndex: number, position?: Addr, options?: O) =>
  run(() => op.readFixed(fd, buffer, bufIndex, position), options);
export const writeFixed = (fd: number, buffer: ArrayBufferView, bufIndex: number, position?: Addr, options?: O) =>
  run(() => op.writeFixed(fd, buffer, bufIndex, position), options);
export const fsync = (fd: number, options?: O & { datasync?: boolean }) => run(() => op.fsync(fd, options), options);
export const syncFileRange = (fd: number, offset: Addr, length: number, flags?: number, options?: O) =>
  run(() => op.syncFileRange(fd, offset, length, flags), options);
export const fallocate = (fd: number, mode: number, offset: Addr, length: Addr, options?: O) =>
  run(() => op.fallocate(fd, mode, offset, length), options);
export const fadvise = (fd: number, offset: Addr, length: number, advice: number, options?: O) =>
  run(() => op.fadvise(fd, offset, length, advice), options);
export const madvise = (buffer: ArrayBufferView, advice: number, options?: O) => run(() => op.madvise(buffer, advice), options);
export const ftruncate = (fd: number, length?: Addr, options?: O) => run(() => op.ftruncate(fd, length), options);
export const openat = (path: op.PathLike, flags?: number, mode?: number, options?: O & op.OpenOptions) =>
  run(() => op.openat(path, flags, mode, options), options);
export const openat2 = (path: op.PathLike, how?: op.OpenHow, options?: O & op.OpenOptions) =>
  run(() => op.openat2(path, how, options), options);
export const close = (fd: number, options?: O & { fixed?: boolean }) => run(() => op.close(fd, options), options);
export const statx = (path: op.PathLike, options?: O & op.StatxOptions) => run(() => op.statx(path, options), options);
export const renameat = (oldPath: op.PathLike, newPath: op.PathLike, options?: O & op.AtOptions & { newDirfd?: number }) =>
  run(() => op.renameat(oldPath, newPath, options), options);
export const unlinkat = (path: op.PathLike, options?: O & op.AtOptions) => run(() => op.unlinkat(path, options), options);
export const mkdirat = (path: op.PathLike, mode?: number, options?: O & { dirfd?: number }) =>
  run(() => op.mkdirat(path, mode, options), options);
export const symlinkat = (target: op.PathLike, linkPath: op.PathLike, options?: O & { dirfd?: number }) =>
  run(() => op.symlinkat(target, linkPath, options), options);
export const linkat = (existingPath: op.PathLike, newPath: op.PathLike, options?: O & op.AtOptions & { newDirfd?: number }) =>
  run(() => op.linkat(existingPath, newPath, options), options);
export const splice = (fdIn: number, offIn: Addr, fdOut: number, offOut: Addr, nbytes: number, flags?: number, options?: O) =>
  run(() => op.splice(fdIn, offIn, fdOut, offOut, nbytes, flags), options);
export const tee = (fdIn: number, fdOut: number, nbytes: number, flags?: number, options?: O) =>
  run(() => op.tee(fdIn, fdOut, nbytes, flags), options);
export const getxattr = (path: op.PathLike, name: string, value: ArrayBufferView, options?: O) =>
  run(() => op.getxattr(path, name, value), options);
export const fgetxattr = (fd: number, name: string, value: ArrayBufferView, options?: O) =>
  run(() => op.fgetxattr(fd, name, value), options);
export const setxattr = (path: op.PathLike, name: string, value: ArrayBufferView, flags?: number, options?: O) =>
  run(() => op.setxattr(path, name, value, flags), options);
export const fsetxattr = (fd: number, name: string, value: ArrayBufferView, flags?: number, options?: O) =>
  run(() => op.fsetxattr(fd, name, value, flags), options);
export const timeout = (duration: op.Duration, options?: O & op.TimeoutOptions) => run(() => op.timeout(duration, options), options);
export const timeoutRemove = (userData: number, options?: O) => run(() => op.timeoutRemove(userData), options);
export const timeoutUpdate = (userData: number, duration: op.Duration, options?: O & { abs?: boolean; clock?: op.Clock }) =>
  run(() => op.timeoutUpdate(userData, duration, options), options);
export const cancel = (userData: number, options?: O) => run(() => op.cancel(userData), options);
export const cancelFd = (fd: number, options?: O & { all?: boolean; fixed?: boolean }) => run(() => op.cancelFd(fd, options), options);
export const cancelAll = (options?: O) => run(() => op.cancelAll(), options);
export const pollAdd = (fd: number, events: number, options?: O) => run(() => op.pollAdd(fd, events), options);
export const pollRemove = (userData: number, options?: O & { events?: number }) => run(() => op.pollRemove(userData, options), options);
export const socket = (domain: number, type: number, protocol?: number, options?: O & { fileIndex?: number | 'alloc' }) =>
  run(() => op.socket(domain, type, protocol, options), options);
export const connect = (fd: number, addr: Uint8Array, options?: O) => run(() => op.connect(fd, addr), options);
export const accept = (fd: number, options?: O & op.AcceptOptions) => run(() => op.accept(fd, { ...options, multishot: false }), options);
export const send = (fd: number, buffer: ArrayBufferView, flags?: number, options?: O & { zeroCopy?: boolean }) =>
  run(() => op.send(fd, buffer, flags, options), options);
export const recv = (fd: number, buffer: ArrayBufferView, flags?: number, options?: O) => run(() => op.recv(fd, buffer, flags), options);
export const sendmsg = (fd: number, buffers: ArrayBufferView[], name?: Uint8Array, flags?: number, options?: O & { zeroCopy?: boolean }) =>
  run(() => op.sendmsg(fd, buffers, name, flags, options), options);
export const recvmsg = (fd: number, buffers: ArrayBufferView[], name?: Uint8Array, flags?: number, options?: O) =>
  run(() => op.recvmsg(fd, buffers, name, flags), options);
export const siocinq = (fd: number, options?: O) => run(() => op.siocinq(fd), options);
export const siocoutq = (fd: number, options?: O) => run(() => op.siocoutq(fd), options);
export const getsockopt = (fd: number, level: number, optname: number, optval: Uint8Array, options?: O) =>
  run(() => op.getsockopt(fd, level, optname, optval), options);
export const setsockopt = (fd: number, level: number, optname: number, optval: Uint8Array, options?: O) =>
  run(() => op.setsockopt(fd, level, optname, optval), options);
export const shutdown = (fd: number, how?: number, options?: O) => run(() => op.shutdown(fd, how), options);
export const msgRing = (ringFd: number, value: number, data: number, options?: O) => run(() => op.msgRing(ringFd, value, data), options);
export const waitid = (idtype: number, id: number, waitOptions?: number, options?: O) => run(() => op.waitid(idtype, id, waitOptions), options);
export const futexWait = (word: Int32Array, index: number, expected: number, options?: O) => run(() => op.futexWait(word, index, expected), options);
export const futexWake = (word: Int32Array, index: number, count?: number, options?: O) => run(() => op.futexWake(word, index, count), options);
export const futexWaitv = (waits: readonly op.FutexWait[], options?: O) => run(() => op.futexWaitv(waits), options);
export const fixedFdInstall = (slot: number, options?: O & { cloexec?: boolean }) => run(() => op.fixedFdInstall(slot, options), options);
export const pipe = (options?: O & op.PipeOptions) => run(() => op.pipe(options), options);
export const epollWait = (epfd: number, maxEvents?: number, options?: O) => run(() => op.epollWait(epfd, maxEvents), options);
export const readvFixed = (fd: number, buffers: ArrayBufferView[], bufIndex: number, position?: Addr, options?: O & op.RwOptions) =>
  run(() => op.readvFixed(fd, buffers, bufIndex, position, options), options);
export const writevFixed = (fd: number, buffers: ArrayBufferView[], bufIndex: number, position?: Addr, options?: O & op.RwOptions) =>
  run(() => op.writevFixed(fd, buffers, bufIndex, position, options), options);
