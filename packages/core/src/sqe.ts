/**
 * SQE prep helpers: small pure functions over the SQE array, liburing style.
 * Every helper writes into an SQE that the ring has already zeroed, at byte
 * offset `o` of the view; user_data and the IOSQE flags are the ring's job.
 */
import { Opcode, SQE } from './uapi';

export type Addr = bigint | number;

/** Writes a u64. Numbers stay off the BigInt path unless negative (-1 = "current position"). */
export function setU64(v: DataView, at: number, x: Addr): void {
  if (typeof x === 'number' && x >= 0) {
    v.setUint32(at, x >>> 0, true);
    v.setUint32(at + 4, Math.floor(x / 0x100000000) >>> 0, true);
  } else {
    v.setBigUint64(at, BigInt.asUintN(64, BigInt(x)), true);
  }
}

/** The generic helper every other one builds on (io_uring_prep_rw). */
export function prepRw(v: DataView, o: number, opcode: number, fd: number, addr: Addr, len: number, off: Addr): void {
  v.setUint8(o + SQE.opcode, opcode);
  v.setInt32(o + SQE.fd, fd, true);
  setU64(v, o + SQE.off, off);
  setU64(v, o + SQE.addr, addr);
  v.setUint32(o + SQE.len, len >>> 0, true);
}

/** The 32-bit union at byte 28 (rw_flags, open_flags, fsync_flags, timeout_flags, ...). */
export function setOpFlags(v: DataView, o: number, flags: number): void {
  v.setUint32(o + SQE.opFlags, flags >>> 0, true);
}

export function setIoprio(v: DataView, o: number, ioprio: number): void {
  v.setUint16(o + SQE.ioprio, ioprio, true);
}

export function setBufIndex(v: DataView, o: number, index: number): void {
  v.setUint16(o + SQE.bufIndex, index, true);
}

/** splice_fd_in / file_index / addr_len share these 4 bytes. */
export function setSpliceFdIn(v: DataView, o: number, value: number): void {
  v.setInt32(o + SQE.spliceFdIn, value, true);
}

/** file_index is 1-based in the SQE (0 means "not a direct descriptor"). */
export function setFileIndex(v: DataView, o: number, slot: number): void {
  v.setUint32(o + SQE.spliceFdIn, slot === 0xffffffff ? slot : slot + 1, true);
}

/** CLOSE of a registered-file slot (io_uring_prep_close_direct): fd 0, the slot in file_index. */
export function prepCloseDirect(v: DataView, o: number, slot: number): void {
  prepRw(v, o, Opcode.CLOSE, 0, 0, 0, 0);
  setFileIndex(v, o, slot);
}

export function setAddr3(v: DataView, o: number, addr: Addr): void {
  setU64(v, o + SQE.addr3, addr);
}
