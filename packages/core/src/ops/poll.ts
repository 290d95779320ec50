/** POLL_ADD (one-shot and multishot), POLL_REMOVE, EPOLL_CTL. */
import type { OpSpec } from '../op';
import { prepRw, setOpFlags } from '../sqe';
import { IORING_POLL_ADD_MULTI, IORING_POLL_UPDATE_EVENTS, Opcode } from '../uapi';
import { validateFd, validateInteger, validateUint32 } from '../validate';
import { addressOf } from './common';

/** poll(2) event bits. */
export const POLLIN = 0x001;
export const POLLPRI = 0x002;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLRDHUP = 0x2000;

/** Waits until `fd` has one of `events`; resolves with the events that are ready. Multishot: one CQE per readiness. */
export function pollAdd(fd: number, events: number, options: { multishot?: boolean } = {}): OpSpec<number> {
  validateFd(fd);
  validateUint32(events, 'events');
  const multi = options.multishot ? IORING_POLL_ADD_MULTI : 0;
  return {
    opcode: Opcode.POLL_ADD,
    syscall: 'poll',
    prep(v, o) {
      prepRw(v, o, Opcode.POLL_ADD, fd, 0, multi, 0);
      setOpFlags(v, o, events);
    },
  };
}

/** Removes the poll submitted as `userData` (or, with `events`, changes what it waits for). */
export function pollRemove(userData: number, options: { events?: number } = {}): OpSpec<number> {
  validateUint32(userData, 'userData');
  const update = options.events !== undefined;
  return {
    opcode: Opcode.POLL_REMOVE,
    syscall: 'poll_remove',
    prep(v, o) {
      prepRw(v, o, Opcode.POLL_REMOVE, -1, userData, update ? IORING_POLL_UPDATE_EVENTS : 0, 0);
      if (update) setOpFlags(v, o, validateUint32(options.events, 'options.events'));
    },
  };
}

/** EPOLL_CTL_ADD / DEL / MOD. */
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;

/** epoll_ctl(2): `events` and `data` fill the struct epoll_event (12 bytes, packed on x86_64). */
export function epollCtl(epfd: number, op: number, fd: number, events = 0, data = 0n): OpSpec<number> {
  validateFd(epfd, 'epfd');
  validateInteger(op, 'op', 1, 3);
  validateFd(fd);
  const ev = new Uint8Array(16);
  const dv = new DataView(ev.buffer);
  dv.setUint32(0, events, true);
  dv.setBigUint64(process.arch === 'x64' ? 4 : 8, BigInt(data), true);
  const addr = addressOf(ev);
  return {
    opcode: Opcode.EPOLL_CTL,
    syscall: 'epoll_ctl',
    keep: ev,
    prep(v, o) {
      prepRw(v, o, Opcode.EPOLL_CTL, epfd, addr, op, fd);
    },
  };
}
