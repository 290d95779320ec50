/** The socket calls io_uring does not cover on every kernel: bind, listen, setsockopt, get*name (libc through koffi). */
import koffi from 'koffi';
import { systemError } from './errors';
import { SOCKADDR_STORAGE, decodeSockaddr, type SocketAddress } from './sockaddr';

interface Libc {
  bind(fd: number, addr: Uint8Array, len: number): number;
  listen(fd: number, backlog: number): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, len: number): number;
  getsockname(fd: number, addr: Uint8Array, len: Uint32Array): number;
  getpeername(fd: number, addr: Uint8Array, len: Uint32Array): number;
}

let libc: Libc | undefined;
function c(): Libc {
  if (libc) return libc;
  const l = koffi.load('libc.so.6');
  return (libc = {
    bind: l.func('int bind(int fd, void *addr, uint32_t len)'),
    listen: l.func('int listen(int fd, int backlog)'),
    setsockopt: l.func('int setsockopt(int fd, int level, int name, void *value, uint32_t len)'),
    getsockname: l.func('int getsockname(int fd, void *addr, uint32_t *len)'),
    getpeername: l.func('int getpeername(int fd, void *addr, uint32_t *len)'),
  } as unknown as Libc);
}

function check(rc: number, syscall: string): void {
  if (rc < 0) throw systemError(-koffi.errno(), syscall);
}

export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_KEEPALIVE = 9;
export const SO_REUSEPORT = 15;
export const IPPROTO_TCP = 6;
export const TCP_NODELAY = 1;
export const IPPROTO_IPV6 = 41;
export const IPV6_V6ONLY = 26;

export function bind(fd: number, addr: Uint8Array): void {
  check(c().bind(fd, addr, addr.length), 'bind');
}

export function listen(fd: number, backlog: number): void {
  check(c().listen(fd, backlog), 'listen');
}

export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  const v = new Uint8Array(new Int32Array([value]).buffer);
  check(c().setsockopt(fd, level, name, v, 4), 'setsockopt');
}

export function sockname(fd: number): SocketAddress {
  const buf = new Uint8Array(SOCKADDR_STORAGE);
  const len = new Uint32Array([SOCKADDR_STORAGE]);
  check(c().getsockname(fd, buf, len), 'getsockname');
  return decodeSockaddr(buf, len[0]);
}

export function peername(fd: number): SocketAddress {
  const buf = new Uint8Array(SOCKADDR_STORAGE);
  const len = new Uint32Array([SOCKADDR_STORAGE]);
  check(c().getpeername(fd, buf, len), 'getpeername');
  return decodeSockaddr(buf, len[0]);
}
