/** Op builders: each returns an OpSpec, a value that a ring submits as a promise, an observable or a chain step. */
export { read, write, readv, writev, readFixed, writeFixed, readvFixed, writevFixed, readProvided, readMultishot, type RwOptions } from './rw';
export { nop, fsync, syncFileRange, fallocate, fadvise, madvise, ftruncate } from './sync';
export {
  openat,
  openat2,
  close,
  statx,
  statxWith,
  renameat,
  unlinkat,
  mkdirat,
  symlinkat,
  linkat,
  decodeStatx,
  type PathLike,
  type OpenOptions,
  type OpenHow,
  type Statx,
  type StatxTimestamp,
  type StatxOptions,
  type AtOptions,
} from './path';
export { splice, tee, pipe, type PipeOptions } from './splice';
export { getxattr, fgetxattr, setxattr, fsetxattr } from './xattr';
export { timeout, timeoutRemove, timeoutUpdate, linkTimeout, timespec, type Duration, type Clock, type TimeoutOptions, type TimeoutResult } from './timeout';
export { cancel, cancelFd, cancelAll, cancelOp } from './cancel';
export { pollAdd, pollRemove, epollCtl, epollWait, type EpollEvent, POLLIN, POLLOUT, POLLPRI, POLLERR, POLLHUP, POLLRDHUP, EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD } from './poll';
export {
  socket,
  connect,
  accept,
  send,
  recv,
  recvMultishot,
  sendmsg,
  siocinq,
  siocoutq,
  getsockopt,
  setsockopt,
  recvmsg,
  shutdown,
  bind,
  listen,
  SOCK_STREAM,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_CLOEXEC,
  MSG_NOSIGNAL,
  MSG_WAITALL,
  SHUT_RD,
  SHUT_WR,
  SHUT_RDWR,
  type AcceptOptions,
  type RecvmsgResult,
} from './socket';
export {
  provideBuffers,
  removeBuffers,
  msgRing,
  msgRingFd,
  filesUpdate,
  waitid,
  futexWait,
  futexWaitv,
  fixedFdInstall,
  type FutexWait,
  futexWake,
  P_PID,
  WEXITED,
  WNOWAIT,
  type WaitidResult,
} from './misc';
export { MESSAGE_TAG } from '../table';
