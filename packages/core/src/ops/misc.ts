/** PROVIDE_BUFFERS, REMOVE_BUFFERS, MSG_RING, FILES_UPDATE, WAITID, FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAITV, FIXED_FD_INSTALL. */
import { systemError } from '../errors';
import type { OpSpec } from '../op';
import { prepRw, setAddr3, setBufIndex, setFileIndex, setOpFlags, setSpliceFdIn } from '../sqe';
import { IORING_FILE_INDEX_ALLOC, IORING_FIXED_FD_NO_CLOEXEC, IORING_MSG_DATA, IORING_MSG_SEND_FD, IOSQE_FIXED_FILE, Opcode } from '../uapi';
import { validateBuffer, validateFd, validateInteger, validateUint32 } from '../validate';
import { MESSAGE_TAG } from '../table';
import { addressOf, closeLeaked } from './common';

/**
 * Legacy provided buffers: `count` buffers of `size` bytes from `memory`, ids
 * from `firstId`, into group `group`. Resolves with how many were added.
 */
export function provideBuffers(memory: ArrayBufferView, size: number, count: number, group: number, firstId = 0): OpSpec<number> {
  validateBuffer(memory, 'memory');
  validateInteger(size, 'size', 1, 2 ** 31 - 1);
  validateInteger(count, 'count', 1, 65535);
  validateInteger(group, 'group', 0, 0xffff);
  validateInteger(firstId, 'firstId', 0, 0xffff);
  if (size * count > memory.byteLength) throw systemError(-22, 'provide_buffers');
  const a = addressOf(memory);
  return {
    opcode: Opcode.PROVIDE_BUFFERS,
    syscall: 'provide_buffers',
    keep: memory,
    prep(v, o) {
      prepRw(v, o, Opcode.PROVIDE_BUFFERS, count, a, size, firstId);
      setBufIndex(v, o, group);
    },
  };
}

/** Removes up to `count` buffers from group `group`; resolves with how many were removed. */
export function removeBuffers(count: number, group: number): OpSpec<number> {
  validateInteger(count, 'count', 1, 65535);
  validateInteger(group, 'group', 0, 0xffff);
  return {
    opcode: Opcode.REMOVE_BUFFERS,
    syscall: 'remove_buffers',
    prep(v, o) {
      prepRw(v, o, Opcode.REMOVE_BUFFERS, count, 0, 0, 0);
      setBufIndex(v, o, group);
    },
  };
}

/** MSG_RING: posts a CQE (res = `value`, data = `data`) on the ring whose fd is `ringFd`; see Ring#onMessage. */
export function msgRing(ringFd: number, value: number, data: number, flags = 0): OpSpec<number> {
  validateFd(ringFd, 'ringFd');
  validateInteger(value, 'value', -(2 ** 31), 2 ** 31 - 1);
  validateUint32(data, 'data');
  return {
    opcode: Opcode.MSG_RING,
    syscall: 'msg_ring',
    prep(v, o) {
      prepRw(v, o, Opcode.MSG_RING, ringFd, IORING_MSG_DATA, value >>> 0, 0);
      v.setUint32(o + 8, data, true);
      v.setUint32(o + 12, MESSAGE_TAG, true);
      setOpFlags(v, o, flags);
    },
  };
}

/**
 * MSG_RING with IORING_MSG_SEND_FD: installs this ring's fixed file `sourceSlot`
 * into slot `targetSlot` ('alloc' to let the kernel pick) of the ring `ringFd`.
 */
export function msgRingFd(ringFd: number, sourceSlot: number, targetSlot: number | 'alloc', data: number): OpSpec<number> {
  validateFd(ringFd, 'ringFd');
  validateUint32(sourceSlot, 'sourceSlot');
  validateUint32(data, 'data');
  const target = targetSlot === 'alloc' ? IORING_FILE_INDEX_ALLOC : validateUint32(targetSlot, 'targetSlot');
  return {
    opcode: Opcode.MSG_RING,
    syscall: 'msg_ring',
    prep(v, o) {
      prepRw(v, o, Opcode.MSG_RING, ringFd, IORING_MSG_SEND_FD, 0, 0);
      v.setUint32(o + 8, data, true);
      v.setUint32(o + 12, MESSAGE_TAG, true);
      setAddr3(v, o, sourceSlot);
      setFileIndex(v, o, target);
    },
  };
}

/** IORING_OP_FILES_UPDATE: puts `fds` into registered-file slots from `offset` (-1 empties). Resolves with how many. */
export function filesUpdate(offset: number, fds: readonly number[]): OpSpec<number> {
  validateUint32(offset, 'offset');
  const arr = new Int32Array(fds.length);
  fds.forEach((fd, i) => (arr[i] = fd === -1 ? -1 : validateFd(fd, `fds[${i}]`)));
  const a = addressOf(arr);
  return {
    opcode: Opcode.FILES_UPDATE,
    syscall: 'files_update',
    keep: arr,
    prep: (v, o) => prepRw(v, o, Opcode.FILES_UPDATE, -1, a, fds.length, offset),
  };
}

export const P_PID = 1;
export const WEXITED = 4;
export const WNOWAIT = 0x01000000;

export interface WaitidResult {
  pid: number;
  /** CLD_EXITED (1), CLD_KILLED (2), ... */
  code: number;
  /** The exit status, or the signal. */
  status: number;
}

/** waitid(2) (6.7+): waits for a child; `options` WEXITED, WNOWAIT (leave it for someone else to reap). */
export function waitid(idtype: number, id: number, options = WEXITED): OpSpec<WaitidResult> {
  validateUint32(idtype, 'idtype');
  validateUint32(id, 'id');
  validateUint32(options, 'options');
  const info = new Uint8Array(128); // siginfo_t
  const a = addressOf(info);
  return {
    opcode: Opcode.WAITID,
    syscall: 'waitid',
    keep: info,
    prep(v, o) {
      prepRw(v, o, Opcode.WAITID, id, 0, idtype, a);
      setSpliceFdIn(v, o, options);
    },
    complete(res) {
      if (res < 0) throw systemError(res, 'waitid');
      const dv = new DataView(info.buffer);
      // siginfo_t: si_signo, si_errno, si_code, pad; si_pid @16, si_uid @20, si_status @24
      return { pid: dv.getInt32(16, true), code: dv.getInt32(8, true), status: dv.getInt32(24, true) };
    },
  };
}

const FUTEX2_SIZE_U32 = 0x02;
const FUTEX2_PRIVATE = 128;
const FUTEX_BITSET_MATCH_ANY = 0xffffffff;

/** FUTEX_WAIT (6.7+): waits while the 32-bit word `word[index]` equals `expected`. */
export function futexWait(word: Int32Array, index: number, expected: number): OpSpec<number> {
  validateInteger(index, 'index', 0, word.length - 1);
  const a = addressOf(word.subarray(index, index + 1));
  return {
    opcode: Opcode.FUTEX_WAIT,
    syscall: 'futex_wait',
    keep: word,
    prep(v, o) {
      prepRw(v, o, Opcode.FUTEX_WAIT, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE, a, 0, expected >>> 0);
      setAddr3(v, o, FUTEX_BITSET_MATCH_ANY);
    },
  };
}

/** FUTEX_WAKE (6.7+): wakes up to `count` waiters on `word[index]`; resolves with how many woke. */
export function futexWake(word: Int32Array, index: number, count = 1): OpSpec<number> {
  validateInteger(index, 'index', 0, word.length - 1);
  const a = addressOf(word.subarray(index, index + 1));
  return {
    opcode: Opcode.FUTEX_WAKE,
    syscall: 'futex_wake',
    keep: word,
    prep(v, o) {
      prepRw(v, o, Opcode.FUTEX_WAKE, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE, a, 0, count);
      setAddr3(v, o, FUTEX_BITSET_MATCH_ANY);
    },
  };
}

/** One futex of futexWaitv: wait while `word[index]` equals `expected`. */
export interface FutexWait {
  word: Int32Array;
  index: number;
  expected: number;
}

/** struct futex_waitv: u64 val, u64 uaddr, u32 flags, u32 reserved. */
const FUTEX_WAITV_SIZE = 24;

/** FUTEX_WAITV (6.7+): waits on several futexes at once; resolves with the index (in `waits`) of the one that woke it. */
export function futexWaitv(waits: readonly FutexWait[]): OpSpec<number> {
  if (!Array.isArray(waits) || waits.length === 0 || waits.length > 128) throw systemError(-22, 'futex_waitv');
  const vec = new Uint8Array(waits.length * FUTEX_WAITV_SIZE);
  const dv = new DataView(vec.buffer);
  waits.forEach((w, i) => {
    validateInteger(w.index, `waits[${i}].index`, 0, w.word.length - 1);
    dv.setBigUint64(i * FUTEX_WAITV_SIZE, BigInt(w.expected >>> 0), true);
    dv.setBigUint64(i * FUTEX_WAITV_SIZE + 8, BigInt(addressOf(w.word.subarray(w.index, w.index + 1))), true);
    dv.setUint32(i * FUTEX_WAITV_SIZE + 16, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE, true);
  });
  const addr = addressOf(vec);
  return {
    opcode: Opcode.FUTEX_WAITV,
    syscall: 'futex_waitv',
    keep: [vec, waits.map((w) => w.word)],
    prep(v, o) {
      prepRw(v, o, Opcode.FUTEX_WAITV, 0, addr, waits.length, 0);
    },
  };
}

/**
 * FIXED_FD_INSTALL (6.8+): a regular fd for registered-file slot `slot`, so
 * code outside the ring can use the file; close-on-exec unless `cloexec: false`.
 */
export function fixedFdInstall(slot: number, options: { cloexec?: boolean } = {}): OpSpec<number> {
  validateUint32(slot, 'slot');
  const flags = options.cloexec === false ? IORING_FIXED_FD_NO_CLOEXEC : 0;
  return {
    opcode: Opcode.FIXED_FD_INSTALL,
    syscall: 'fixed_fd_install',
    sqeFlags: IOSQE_FIXED_FILE,
    prep(v, o) {
      prepRw(v, o, Opcode.FIXED_FD_INSTALL, slot, 0, 0, 0);
      setOpFlags(v, o, flags);
    },
    discard: closeLeaked,
  };
}
