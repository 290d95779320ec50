/** POLL_ADD (one-shot and multishot), POLL_REMOVE, EPOLL_CTL, EPOLL_WAIT. */
import { systemError } from '../errors';
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

/** struct epoll_event: packed (12 bytes) on x86-64, 16 bytes elsewhere. */
const EPOLL_EVENT_SIZE = process.arch === 'x64' ? 12 : 16;

export interface EpollEvent {
  events: number;
  data: bigint;
}

/**
 * EPOLL_WAIT (6.15+): waits on epoll instance `epfd` without blocking a
 * thread; resolves with up to `maxEvents` ready events (EPOLLIN, ... and the
 * `data` given to epollCtl).
 */
export function epollWait(epfd: number, maxEvents = 64): OpSpec<EpollEvent[]> {
  validateFd(epfd, 'epfd');
  validateInteger(maxEvents, 'maxEvents', 1, 65536);
  const events = new Uint8Array(maxEvents * EPOLL_EVENT_SIZE);
  const addr = addressOf(events);
  return {
    opcode: Opcode.EPOLL_WAIT,
    syscall: 'epoll_wait',
    keep: events,
    prep(v, o) {
      prepRw(v, o, Opcode.EPOLL_WAIT, epfd, addr, maxEvents, 0);
    },
    complete(res) {
      if (res < 0) throw systemError(res, 'epoll_wait');
      const dv = new DataView(events.buffer, events.byteOffset, events.byteLength);
      const out: EpollEvent[] = [];
      for (let i = 0; i < res; i++) {
        const at = i * EPOLL_EVENT_SIZE;
        out.push({ events: dv.getUint32(at, true), data: dv.getBigUint64(at + (EPOLL_EVENT_SIZE === 12 ? 4 : 8), true) });
      }
      return out;
    },
  };
}
