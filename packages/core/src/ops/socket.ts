/** SOCKET, CONNECT, ACCEPT (and multishot), SEND, RECV (and multishot), SENDMSG, RECVMSG, SEND_ZC, SHUTDOWN, BIND, LISTEN. */
import { systemError } from '../errors';
import type { OpSpec } from '../op';
import { prepRw, setAddr3, setBufIndex, setFileIndex, setIoprio, setOpFlags, setSpliceFdIn } from '../sqe';
import {
  IORING_ACCEPT_MULTISHOT,
  IORING_CQE_F_NOTIF,
  IORING_FILE_INDEX_ALLOC,
  IORING_RECV_MULTISHOT,
  IOSQE_BUFFER_SELECT,
  Opcode,
  SOCKET_URING_OP_GETSOCKOPT,
  SOCKET_URING_OP_SETSOCKOPT,
  SOCKET_URING_OP_SIOCINQ,
  SOCKET_URING_OP_SIOCOUTQ,
  SQE,
} from '../uapi';
import { validateBuffer, validateFd, validateInteger, validateUint32 } from '../validate';
import { addressOf, iovecs, closeLeaked } from './common';

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_WAITALL = 0x100;
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

/** socket(2). Resolves with the fd (or a fixed slot with `fileIndex`). */
export function socket(domain: number, type: number, protocol = 0, options: { fileIndex?: number | 'alloc' } = {}): OpSpec<number> {
  validateUint32(domain, 'domain');
  validateUint32(type, 'type');
  validateUint32(protocol, 'protocol');
  const index = options.fileIndex === 'alloc' ? IORING_FILE_INDEX_ALLOC : options.fileIndex;
  return {
    opcode: Opcode.SOCKET,
    syscall: 'socket',
    prep(v, o) {
      // domain in fd, type in off, protocol in len.
      prepRw(v, o, Opcode.SOCKET, domain, 0, protocol, type);
      if (index !== undefined) setFileIndex(v, o, index);
    },
    discard: index === undefined ? closeLeaked : undefined,
  };
}

/** connect(2) to an encoded sockaddr (see encodeSockaddr). */
export function connect(fd: number, addr: Uint8Array): OpSpec<number> {
  validateFd(fd);
  validateBuffer(addr, 'addr');
  const a = addressOf(addr);
  return {
    opcode: Opcode.CONNECT,
    syscall: 'connect',
    keep: addr,
    prep: (v, o) => prepRw(v, o, Opcode.CONNECT, fd, a, 0, addr.length),
  };
}

export interface AcceptOptions {
  /** One SQE, a CQE per connection until cancelled (IORING_ACCEPT_MULTISHOT). */
  multishot?: boolean;
  /** accept4 flags (default SOCK_CLOEXEC). */
  flags?: number;
  /** Accept into the fixed-file table ('alloc': the kernel picks a slot). */
  fileIndex?: number | 'alloc';
  /** A buffer (>= 128 bytes) that receives the peer's sockaddr (single-shot only). */
  peer?: Uint8Array;
}

/** accept4(2). Resolves with the new fd (or slot). With `multishot`, every CQE is a connection. */
export function accept(fd: number, options: AcceptOptions = {}): OpSpec<number> {
  validateFd(fd);
  const flags = options.flags ?? SOCK_CLOEXEC;
  const index = options.fileIndex === 'alloc' ? IORING_FILE_INDEX_ALLOC : options.fileIndex;
  const peer = options.peer;
  const lenBuf = peer ? new Uint32Array([peer.length]) : undefined;
  const peerAddr = peer ? addressOf(peer) : 0;
  const lenAddr = lenBuf ? addressOf(lenBuf) : 0;
  return {
    opcode: Opcode.ACCEPT,
    syscall: 'accept',
    keep: [peer, lenBuf],
    prep(v, o) {
      prepRw(v, o, Opcode.ACCEPT, fd, peerAddr, 0, lenAddr);
      setOpFlags(v, o, flags);
      if (options.multishot) setIoprio(v, o, IORING_ACCEPT_MULTISHOT);
      if (index !== undefined) setFileIndex(v, o, index);
    },
    discard: index === undefined ? closeLeaked : undefined,
  };
}

/** send(2) of `buffer`; MSG_NOSIGNAL is always added (EPIPE instead of SIGPIPE). Resolves with bytes sent. */
export function send(fd: number, buffer: ArrayBufferView, flags = 0, options?: { zeroCopy?: boolean }): OpSpec<number> {
  validateFd(fd);
  validateBuffer(buffer);
  validateUint32(flags, 'flags');
  return new SendOp(fd, buffer, flags | MSG_NOSIGNAL, options?.zeroCopy === true);
}

/**
 * A send's result: SEND_ZC and SENDMSG_ZC post it in a first CQE (F_MORE) and
 * release the buffers in the last (F_NOTIF), whose res is not the count.
 */
abstract class SendResult {
  abstract readonly syscall: string;
  #sent = 0;

  more(res: number): void {
    this.#sent = res;
  }

  complete(res: number, cqeFlags: number): number {
    if (cqeFlags & IORING_CQE_F_NOTIF) res = this.#sent;
    if (res < 0) throw systemError(res, this.syscall);
    return res;
  }
}

/** A class, not closures: sockets send often, and one small object is all a send allocates here. */
class SendOp extends SendResult implements OpSpec<number> {
  readonly opcode: number;
  readonly syscall = 'send';
  readonly keep: ArrayBufferView;
  readonly #fd: number;
  readonly #flags: number;
  readonly #addr: number;

  constructor(fd: number, buffer: ArrayBufferView, flags: number, zc: boolean) {
    super();
    this.opcode = zc ? Opcode.SEND_ZC : Opcode.SEND;
    this.keep = buffer;
    this.#fd = fd;
    this.#flags = flags;
    this.#addr = addressOf(buffer);
  }

  prep(v: DataView, o: number): void {
    prepRw(v, o, this.opcode, this.#fd, this.#addr, this.keep.byteLength, 0);
    setOpFlags(v, o, this.#flags);
  }
}

/** recv(2) into `buffer`. Resolves with bytes received (0: the peer closed). */
export function recv(fd: number, buffer: ArrayBufferView, flags = 0): OpSpec<number> {
  validateFd(fd);
  validateBuffer(buffer);
  validateUint32(flags, 'flags');
  const a = addressOf(buffer);
  return {
    opcode: Opcode.RECV,
    syscall: 'recv',
    keep: buffer,
    prep(v, o) {
      prepRw(v, o, Opcode.RECV, fd, a, buffer.byteLength, 0);
      setOpFlags(v, o, flags);
    },
  };
}

/**
 * Multishot recv into a provided buffer group: one SQE, a CQE per chunk
 * (res = bytes, the buffer id in flags >> 16) until the kernel ends it
 * (EOF: res 0; ENOBUFS when the group ran dry; or cancel). With `limit`, the
 * kernel ends it (a data CQE without IORING_CQE_F_MORE) once it has received
 * that many bytes, so a consumer re-arms at its own pace (Linux 6.17+;
 * older kernels answer EINVAL).
 */
export function recvMultishot(fd: number, bufferGroup: number, flags = 0, limit = 0): OpSpec<number> {
  validateFd(fd);
  validateInteger(bufferGroup, 'bufferGroup', 0, 0xffff);
  validateInteger(limit, 'limit', 0, 0x7fffffff);
  return {
    opcode: Opcode.RECV,
    syscall: 'recv',
    sqeFlags: IOSQE_BUFFER_SELECT,
    prep(v, o) {
      prepRw(v, o, Opcode.RECV, fd, 0, 0, 0);
      setOpFlags(v, o, flags);
      setIoprio(v, o, IORING_RECV_MULTISHOT);
      setBufIndex(v, o, bufferGroup);
      if (limit) setSpliceFdIn(v, o, limit); // sqe->optlen: the multishot's byte limit
    },
  };
}

/** struct msghdr (56 bytes on 64-bit) over `buffers`, with room for a peer address when `name` is given. */
function msghdr(buffers: readonly ArrayBufferView[], name?: Uint8Array) {
  const iov = iovecs(buffers);
  const hdr = new Uint8Array(56);
  const v = new DataView(hdr.buffer);
  if (name) {
    v.setBigUint64(0, BigInt(addressOf(name)), true);
    v.setUint32(8, name.length, true);
  }
  v.setBigUint64(16, BigInt(addressOf(iov)), true);
  v.setBigUint64(24, BigInt(buffers.length), true);
  return { hdr, iov, view: v };
}

/** sendmsg(2): `name` is an encoded destination (UDP). */
export function sendmsg(fd: number, buffers: readonly ArrayBufferView[], name?: Uint8Array, flags = 0, options?: { zeroCopy?: boolean }): OpSpec<number> {
  validateFd(fd);
  buffers.forEach((b, i) => validateBuffer(b, `buffers[${i}]`));
  return new SendmsgOp(fd, msghdr(buffers, name), [buffers, name], flags | MSG_NOSIGNAL, options?.zeroCopy === true);
}

class SendmsgOp extends SendResult implements OpSpec<number> {
  readonly opcode: number;
  readonly syscall = 'sendmsg';
  readonly keep: unknown[];
  readonly #fd: number;
  readonly #flags: number;
  readonly #addr: number;

  constructor(fd: number, m: ReturnType<typeof msghdr>, buffers: unknown, flags: number, zc: boolean) {
    super();
    this.opcode = zc ? Opcode.SENDMSG_ZC : Opcode.SENDMSG;
    this.keep = [m, buffers];
    this.#fd = fd;
    this.#flags = flags;
    this.#addr = addressOf(m.hdr);
  }

  prep(v: DataView, o: number): void {
    prepRw(v, o, this.opcode, this.#fd, this.#addr, 1, 0);
    setOpFlags(v, o, this.#flags);
  }
}

export interface RecvmsgResult {
  bytes: number;
  /** Length of the sender's address written into `name`. */
  nameLength: number;
  /** MSG_TRUNC etc. */
  flags: number;
}

/** recvmsg(2) into `buffers`; the sender's address lands in `name` (>= 128 bytes). */
export function recvmsg(fd: number, buffers: readonly ArrayBufferView[], name?: Uint8Array, flags = 0): OpSpec<RecvmsgResult> {
  validateFd(fd);
  buffers.forEach((b, i) => validateBuffer(b, `buffers[${i}]`));
  const m = msghdr(buffers, name);
  const a = addressOf(m.hdr);
  return {
    opcode: Opcode.RECVMSG,
    syscall: 'recvmsg',
    keep: [m, buffers, name],
    prep(v, o) {
      prepRw(v, o, Opcode.RECVMSG, fd, a, 1, 0);
      setOpFlags(v, o, flags);
    },
    complete(res) {
      if (res < 0) throw systemError(res, 'recvmsg');
      return { bytes: res, nameLength: m.view.getUint32(8, true), flags: m.view.getInt32(48, true) };
    },
  };
}

/** shutdown(2): SHUT_RD, SHUT_WR (half-close) or SHUT_RDWR. */
export function shutdown(fd: number, how = SHUT_WR): OpSpec<number> {
  validateFd(fd);
  validateInteger(how, 'how', 0, 2);
  return { opcode: Opcode.SHUTDOWN, syscall: 'shutdown', prep: (v, o) => prepRw(v, o, Opcode.SHUTDOWN, fd, 0, how, 0) };
}

/** bind(2) as an op (6.11+; probe 'BIND'). */
export function bind(fd: number, addr: Uint8Array): OpSpec<number> {
  validateFd(fd);
  const a = addressOf(addr);
  return { opcode: Opcode.BIND, syscall: 'bind', keep: addr, prep: (v, o) => prepRw(v, o, Opcode.BIND, fd, a, 0, addr.length) };
}

/** listen(2) as an op (6.11+; probe 'LISTEN'). */
export function listen(fd: number, backlog = 511): OpSpec<number> {
  validateFd(fd);
  validateUint32(backlog, 'backlog');
  return { opcode: Opcode.LISTEN, syscall: 'listen', prep: (v, o) => prepRw(v, o, Opcode.LISTEN, fd, 0, backlog, 0) };
}

/** A URING_CMD on a socket: cmd_op in the off field, the socket option in level/optname/optlen/optval. */
function sockCmd(fd: number, cmdOp: number, syscall: string, level = 0, optname = 0, optval?: Uint8Array): OpSpec<number> {
  validateFd(fd);
  const addr = optval ? addressOf(optval) : 0;
  return {
    opcode: Opcode.URING_CMD,
    syscall,
    keep: optval,
    prep(v, o) {
      prepRw(v, o, Opcode.URING_CMD, fd, 0, 0, 0);
      v.setUint32(o + SQE.off, cmdOp, true);
      v.setUint32(o + SQE.addr, level, true);
      v.setUint32(o + SQE.addr + 4, optname, true);
      setSpliceFdIn(v, o, optval?.byteLength ?? 0); // optlen
      setAddr3(v, o, addr); // optval
    },
  };
}

/** SIOCINQ through the ring (URING_CMD, 6.7+): bytes waiting in the socket's receive queue. */
export function siocinq(fd: number): OpSpec<number> {
  return sockCmd(fd, SOCKET_URING_OP_SIOCINQ, 'ioctl');
}

/** SIOCOUTQ through the ring (URING_CMD, 6.7+): bytes in the socket's send queue not yet acknowledged. */
export function siocoutq(fd: number): OpSpec<number> {
  return sockCmd(fd, SOCKET_URING_OP_SIOCOUTQ, 'ioctl');
}

/** getsockopt(2) through the ring (URING_CMD, 6.7+) into `optval`; resolves with the option's length. The kernel serves SOL_SOCKET options only (EOPNOTSUPP otherwise). */
export function getsockopt(fd: number, level: number, optname: number, optval: Uint8Array): OpSpec<number> {
  validateUint32(level, 'level');
  validateUint32(optname, 'optname');
  validateBuffer(optval, 'optval');
  return sockCmd(fd, SOCKET_URING_OP_GETSOCKOPT, 'getsockopt', level, optname, optval);
}

/** setsockopt(2) through the ring (URING_CMD, 6.7+) from `optval`. */
export function setsockopt(fd: number, level: number, optname: number, optval: Uint8Array): OpSpec<number> {
  validateUint32(level, 'level');
  validateUint32(optname, 'optname');
  validateBuffer(optval, 'optval');
  return sockCmd(fd, SOCKET_URING_OP_SETSOCKOPT, 'setsockopt', level, optname, optval);
}
