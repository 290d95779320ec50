/**
 * readFile and writeFile as linked chains. A small file is one trip to the
 * kernel: OPENAT into a fixed-file slot, then a READ from that slot and a
 * 1-byte READ after it that finds the end, hardlinked (a short read must not
 * cancel what follows). The CLOSE of the slot rides in the next submission. A
 * larger file is then read in a few big requests sized by the opened file's
 * own fstat, not one per 64 KiB.
 */
import { addressOf, op, Opcode, sqe, systemError, uapi, type OpSpec, type Ring } from '@uring/core';
import fs from 'node:fs';
import node from 'node:fs/promises';
import { constants } from 'node:os';
import { CHUNK, giveChunk, takeChunk } from './chunks';
import { fileTooLarge, IO_MAX_LENGTH, O_CLOEXEC, nextTurn, throwIfAborted } from './compat';
import { allocLarge, LARGE } from './large';
import { nodeLine } from './node';
import { baseRing, chainOptions, kernelHas, runLinked } from './ring';

const { EINVAL, ECANCELED } = constants.errno;
const { readFileReadErrorHasPath } = nodeLine;

/** The first read: most files fit, and one that fills it is read on in large requests. */
const FIRST_CHUNK = CHUNK;
/**
 * The first READ's length: all of the chunk, and its byte past CHUNK is for the READ that looks for the
 * end (see EndRead), so a file of exactly 64 KiB is read in the one trip too (with the probe inside the
 * chunk it took three more, one a STATX in an io-wq worker, and a copy).
 */
const HEAD = FIRST_CHUNK;
/**
 * A file of at least this many bytes is handed back in the chunk it was read into, not copied out: the
 * pool makes a new chunk for the next call, one allocation either way, and the 64 KiB copy was ~12% of
 * a node:http request serving a 64 KiB file. Below it a copy is cheap and the chunk's rest would be
 * held as waste (at most a third of what the caller holds).
 */
const HAND_OVER = (CHUNK * 3) / 4;

/** Empties a fixed-file slot, then hands it back to the allocator. */
class CloseSlot implements OpSpec<void | Promise<void>> {
  readonly opcode = Opcode.CLOSE;
  readonly syscall = 'close';
  constructor(
    readonly ring: Ring,
    readonly slot: number,
  ) {}
  prep(v: DataView, o: number): void {
    sqe.prepCloseDirect(v, o, this.slot);
  }
  complete(_res: number): void | Promise<void> {
    this.ring.files.free(this.slot);
  }
  discard(_res: number): void {
    this.ring.files.free(this.slot);
  }
}

/** op.close of a fixed-file slot (see closeSlot). */
const FIXED = { fixed: true } as const;

/**
 * Empties a slot whose file was read, with no CQE, table entry or promise
 * (Ring#submitDetached; a direct CLOSE of a filled slot cannot fail), and
 * hands the slot back at once: the next OPENAT into it is a later SQE, and
 * SQEs start in order, a direct CLOSE inline.
 */
function closeSlot(ring: Ring, slot: number): void {
  if (ring.closed) return;
  const base = baseRing(ring);
  base.submitDetached(op.close(slot, FIXED));
  base.files.free(slot);
}

/** A linked step whose result a later step of its chain reads (submitLinked drops it otherwise). */
class Recorded implements OpSpec<void> {
  /** The step's result once its CQE is in (steps of a chain complete in order). */
  res = 0;
  constructor(
    readonly inner: OpSpec<number>,
    readonly ring: Ring,
  ) {}
  get opcode() {
    return this.inner.opcode;
  }
  get syscall() {
    return this.inner.syscall;
  }
  get keep() {
    return this.inner.keep;
  }
  get sqeFlags() {
    return this.inner.sqeFlags;
  }
  prep(v: DataView, o: number): void {
    this.inner.prep(v, o);
  }
  complete(res: number, flags: number): void {
    this.res = res;
    this.inner.complete?.(res, flags); // releases what the op holds; its error is the last step's to report
  }
  discard(res: number): void {
    this.res = res;
    this.inner.discard?.(res);
  }
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const STATX_TYPE = 0x1;
const STATX_SIZE = 0x200;

/** preadv2's flag: fail with EAGAIN rather than wait (io_uring then does not hand the read to a worker either). */
const RWF_NOWAIT = 0x8;

/** prepRw for a READ at the file's own position (offset -1), without setU64's BigInt path for a negative. */
function prepReadAtPosition(v: DataView, o: number, slot: number, addr: number, len: number): void {
  sqe.prepRw(v, o, Opcode.READ, slot, addr, len, 0);
  v.setInt32(o + uapi.SQE.off, -1, true);
  v.setInt32(o + uapi.SQE.off + 4, -1, true);
}

/** The first READ of a small-file read: HEAD bytes from the slot the OPENAT filled, at the file position (as Node reads). */
class HeadRead implements OpSpec<void> {
  readonly opcode = Opcode.READ;
  readonly syscall = 'read';
  readonly sqeFlags = uapi.IOSQE_FIXED_FILE;
  /** The CQE's result (steps of a chain complete in order; the last step reads it). */
  res = 0;
  constructor(
    readonly slot: number,
    readonly chunk: Buffer,
  ) {}
  prep(v: DataView, o: number): void {
    prepReadAtPosition(v, o, this.slot, addressOf(this.chunk), HEAD);
  }
  complete(res: number): void {
    this.res = res;
  }
  discard(res: number): void {
    this.res = res;
  }
}

/**
 * The last step of a small-file read: a 1-byte READ at the file position,
 * after the first READ's bytes, into the chunk's last byte. Its 0 says the
 * first READ reached the end, for any kind of file (a FIFO, a pipe,
 * /dev/stdin or a procfs file returns what it has so far; an inline read at
 * a regular file's end costs less than a STATX, which io_uring always hands
 * to an io-wq thread). Its completion is readFile's result: the bytes (or
 * the string), the OPENAT's or READ's error, or a promise of the rest.
 * Classes, so a readFile allocates a handful of objects in all.
 *
 * With a signal or a deadline it is RWF_NOWAIT: hardlinked, it starts even
 * after an abort stopped the first READ, and on a FIFO it would then wait
 * for a writer. Its EAGAIN, or EOPNOTSUPP (overlayfs and procfs take no
 * RWF_NOWAIT, hence not on the hot path), or ECANCELED (a deadline's soft
 * link from a short first READ broke) say nothing: one more READ at the end
 * decides, and reports any real error.
 */
class EndRead implements OpSpec<Buffer | string | Promise<Buffer | string>> {
  readonly opcode = Opcode.READ;
  readonly syscall = 'read';
  readonly sqeFlags = uapi.IOSQE_FIXED_FILE;
  readonly keep = takeChunk();
  readonly open: Recorded;
  readonly head: HeadRead;
  constructor(
    readonly ring: Ring,
    readonly path: string,
    readonly slot: number,
    readonly encoding: BufferEncoding | null,
    flags: number,
    /** Checked between the large requests of a file that fills the first chunk. */
    readonly signal: AbortSignal | undefined,
    /** RWF_NOWAIT (a call with a signal or a deadline). */
    readonly nowait: boolean,
  ) {
    this.open = new Recorded(op.openat(path, flags, 0o666, { fileIndex: slot }), ring);
    this.head = new HeadRead(slot, this.keep);
  }

  /** The chain, in order (hardlinked: a short read must not cancel what follows). */
  get steps(): OpSpec<unknown>[] {
    return [this.open, this.head, this];
  }

  prep(v: DataView, o: number): void {
    prepReadAtPosition(v, o, this.slot, addressOf(this.keep) + HEAD, 1);
    if (this.nowait) sqe.setOpFlags(v, o, RWF_NOWAIT);
  }

  complete(res: number): Buffer | string | Promise<Buffer | string> {
    const chunk = this.keep;
    if (this.open.res < 0) {
      giveChunk(chunk);
      this.ring.files.free(this.slot); // nothing was opened into it
      throw systemError(this.open.res, 'open', this.path);
    }
    const n = this.head.res;
    if (n >= 0 && res > 0) {
      chunk[n] = chunk[HEAD]!; // the byte after the first READ's
      return this.#readOn(n + 1, true);
    }
    if (n >= 0 && res < 0 && this.nowait) return this.#readOn(n, n === HEAD); // (see above)
    closeSlot(this.ring, this.slot);
    const err = n < 0 ? n : res;
    if (err >= 0 && this.encoding === null && n >= HAND_OVER) return chunk.subarray(0, n); // the chunk becomes the caller's
    try {
      if (err < 0) throw systemError(err, 'read', readFileReadErrorHasPath ? this.path : undefined);
      if (this.encoding !== null) return chunk.toString(this.encoding, 0, n);
      const out = Buffer.allocUnsafe(n);
      chunk.copy(out, 0, 0, n);
      return out;
    } finally {
      giveChunk(chunk);
    }
  }

  discard(): void {
    // Aborted or past a deadline: the slot is emptied and the chunk is free again (this CQE comes after the head READ's).
    if (this.open.res >= 0) closeSlot(this.ring, this.slot);
    else this.ring.files.free(this.slot);
    giveChunk(this.keep);
  }

  /** Reads on after `first` bytes: sized by the opened file when there is more (`sized`), else to a 0-byte read. */
  async #readOn(first: number, sized: boolean): Promise<Buffer | string> {
    try {
      const size = sized ? await openedSize(this.ring, this.slot) : 0;
      const data = await readRest(this.ring, this.slot, true, this.keep.subarray(0, first), 0, size, this.signal);
      if (this.encoding !== null) return data.toString(this.encoding);
      // Read to its end, a small file sits in a buffer grown for more: hand back only its bytes.
      return data.buffer.byteLength > 2 * data.length + FIRST_CHUNK ? Buffer.from(data) : data;
    } finally {
      giveChunk(this.keep);
      closeSlot(this.ring, this.slot);
    }
  }
}

/**
 * The size of the regular file open in fixed slot `slot`, 0 for anything else
 * or where the kernel cannot tell us (read to the end then). Its own, not
 * statx(path)'s: the path may name another file by now (written to a temp
 * name and renamed over it, as editors and build tools do). STATX takes no
 * fixed file, so through a plain fd (FIXED_FD_INSTALL, 6.8+).
 */
async function openedSize(ring: Ring, slot: number): Promise<number> {
  if (!kernelHas('FIXED_FD_INSTALL')) return 0;
  const fd = await ring.submit(op.fixedFdInstall(slot));
  try {
    const st = await ring.submit(op.statx('', { dirfd: fd, flags: uapi.AT_EMPTY_PATH, mask: STATX_TYPE | STATX_SIZE, syscall: 'fstat' }));
    return (st.mode & S_IFMT) === S_IFREG ? Number(st.size) : 0;
  } finally {
    await ring.submit(op.close(fd));
  }
}

/**
 * readFile(path) in one trip: OPENAT into a fixed slot hardlinked to the two
 * READs (see EndRead), with no bookkeeping beyond the three specs; with a signal, through
 * runChain, which can cancel it. Undefined when the fixed-file table is full
 * (the caller takes the plain path).
 */
export function readSmallFile(ring: Ring, path: string, flags: number, encoding: BufferEncoding | null, signal?: AbortSignal): Promise<Buffer | string> | undefined {
  let slot: number;
  try {
    slot = ring.files.alloc();
  } catch {
    return undefined;
  }
  let read: EndRead | undefined;
  try {
    read = new EndRead(ring, path, slot, encoding, flags, signal, signal !== undefined || baseRing(ring) !== ring);
    return signal === undefined ? ring.submitLinked(read.steps, true) : runLinked(read.steps, true, chainOptions(ring, signal));
  } catch (err) {
    if (read) giveChunk(read.keep);
    ring.files.free(slot);
    throw err;
  }
}

/**
 * Large files are read in requests of this size, all in flight at once, each
 * in an io-wq worker (IOSQE_ASYNC): a page-cached read is otherwise done
 * inline in io_uring_enter, and one 64 MiB copy would block the event loop
 * (and the garbage collector's tasks) for a quarter of a second.
 */
const MAX_REQUEST = 1024 * 1024;
const ASYNC_FROM = 256 * 1024;
/** Requests in flight for one large file: 64 MiB at once. */
const IN_FLIGHT = 64;

const alloc = (size: number) => (size >= LARGE ? allocLarge(size) : Buffer.allocUnsafeSlow(size));

function fixedRead(slot: number, buf: Uint8Array, pos: number) {
  return { ...op.read(slot, buf, pos), sqeFlags: uapi.IOSQE_FIXED_FILE | (buf.byteLength >= ASYNC_FROM ? uapi.IOSQE_ASYNC : 0) };
}

/**
 * writeFile leaves O_TRUNC out of its OPENAT and cuts the file to the new
 * length after the WRITE instead (FTRUNCATE, Linux 6.9+): the same bytes on
 * disk, without ext4 freeing the old blocks to allocate new ones (and starting
 * writeback at close for a file truncated to zero). Overwriting 2,000 small
 * files here: ~7k -> ~50k files/s (Node ~6k).
 */
function cutsAfterWrite(flags: number): boolean {
  return (flags & fs.constants.O_TRUNC) !== 0 && (flags & fs.constants.O_APPEND) === 0 && kernelHas('FTRUNCATE');
}

/** A step of a writeFile chain on its fixed slot; a class that records its result for the steps after it. */
abstract class SlotStep {
  readonly sqeFlags = uapi.IOSQE_FIXED_FILE;
  /** The CQE's result once it is in (steps of a chain complete in order). */
  res = 0;
  constructor(readonly slot: number) {}
  complete(res: number): void {
    this.res = res;
  }
  discard(res: number): void {
    this.res = res;
  }
}

/** The WRITE of a writeFile chain: from the start, or at the end with O_APPEND. */
class WriteStep extends SlotStep implements OpSpec<void> {
  readonly opcode = Opcode.WRITE;
  readonly syscall = 'write';
  readonly position: number;
  constructor(
    slot: number,
    readonly keep: Uint8Array,
    flags: number,
  ) {
    super(slot);
    this.position = (flags & fs.constants.O_APPEND) !== 0 ? -1 : 0;
  }
  prep(v: DataView, o: number): void {
    sqe.prepRw(v, o, Opcode.WRITE, this.slot, addressOf(this.keep), this.keep.byteLength, this.position);
  }
}

/** The FTRUNCATE that stands for O_TRUNC (see cutsAfterWrite). EINVAL (a FIFO, a device: O_TRUNC ignores them) counts as 0. */
class CutStep extends SlotStep implements OpSpec<void> {
  readonly opcode = Opcode.FTRUNCATE;
  readonly syscall = 'ftruncate';
  constructor(
    slot: number,
    readonly length: number,
  ) {
    super(slot);
  }
  prep(v: DataView, o: number): void {
    sqe.prepRw(v, o, Opcode.FTRUNCATE, this.slot, 0, 0, this.length);
  }
  override complete(res: number): void {
    this.res = res === -EINVAL ? 0 : res;
  }
}

/**
 * Reads `target` (an fd, or a fixed slot when `fixed`) from `start` on (-1:
 * its file position), beginning with the bytes in `first`. As Node does: a
 * known `size` is read exactly (a file that grew meanwhile is read to that
 * size, one that shrank to its end); a size of 0 (procfs, a pipe) reads on,
 * one request at a time, until a read returns 0 bytes.
 */
async function readRest(ring: Ring, target: number, fixed: boolean, first: Uint8Array, start: number, size: number, signal?: AbortSignal): Promise<Buffer> {
  if (size > IO_MAX_LENGTH) throw fileTooLarge(size);
  const known = size > 0;
  let buf = await alloc(known ? Math.max(size + 1, first.length) : Math.max(first.length * 2, FIRST_CHUNK));
  buf.set(first);
  let filled = first.length;
  for (;;) {
    if (known && filled >= size) return buf.subarray(0, filled);
    if (signal) {
      await nextTurn();
      throwIfAborted(signal);
    }
    if (filled === buf.length) {
      const grown = await alloc(buf.length * 2);
      grown.set(buf);
      buf = grown;
    }
    // Several large reads at once over the space we expect to fill.
    const end = known ? size : buf.length;
    const reads: Promise<number>[] = [];
    const offsets: number[] = [];
    for (let at = filled; at < end && reads.length < IN_FLIGHT; at += MAX_REQUEST) {
      const view = buf.subarray(at, Math.min(end, at + MAX_REQUEST));
      offsets.push(at);
      const read = fixed ? fixedRead(target, view, start + at) : op.read(target, view, start < 0 ? -1 : start + at);
      reads.push(ring.submit(read, view.byteLength >= ASYNC_FROM && !fixed ? { async: true } : undefined));
      // At the file position, or with no size (a pipe returns its bytes in order to whichever read asks): one at a time.
      if (start < 0 || !known) break;
    }
    const got = await Promise.all(reads);
    for (let i = 0; i < got.length; i++) {
      if (offsets[i] !== filled) break; // a gap before this chunk: read again from `filled`
      // Only a read of 0 bytes means the end: pipes and ttys return short reads.
      if (got[i] === 0) return buf.subarray(0, filled);
      filled += got[i]!;
      if (got[i]! < Math.min(end, offsets[i]! + MAX_REQUEST) - offsets[i]!) break;
    }
  }
}

/** Reads an open fd from its current position to EOF (FileHandle.readFile, readFile(fd)). */
export async function readAll(ring: Ring, fd: number, signal?: AbortSignal): Promise<Buffer> {
  const st = await ring.submit(op.statx('', { dirfd: fd, flags: uapi.AT_EMPTY_PATH, syscall: 'fstat' }));
  const isFile = (st.mode & 0o170000) === 0o100000;
  return readRest(ring, fd, false, Buffer.alloc(0), -1, isFile ? Number(st.size) : 0, signal);
}

/**
 * The CLOSE that ends a writeFile chain (OPENAT -> WRITE -> CLOSE, hardlinked
 * so the close always runs): its completion is writeFile's result.
 */
class WriteClose extends CloseSlot {
  readonly open: Recorded;
  readonly write: WriteStep;
  /** The FTRUNCATE that stands for O_TRUNC, if any (see cutsAfterWrite). */
  readonly cut: CutStep | undefined;
  constructor(
    ring: Ring,
    readonly path: string,
    slot: number,
    readonly flags: number,
    readonly mode: number,
    readonly data: Uint8Array,
  ) {
    super(ring, slot);
    const cut = cutsAfterWrite(flags);
    // No O_CLOEXEC: a direct descriptor refuses it (EINVAL).
    this.open = new Recorded(op.openat(path, cut ? flags & ~fs.constants.O_TRUNC : flags, mode, { fileIndex: slot }), ring);
    this.write = new WriteStep(slot, data, flags);
    this.cut = cut ? new CutStep(slot, data.length) : undefined;
  }
  /** The chain, in order. */
  get steps(): OpSpec<unknown>[] {
    return this.cut ? [this.open, this.write, this.cut, this] : [this.open, this.write, this];
  }
  override complete(res: number): void | Promise<void> {
    super.complete(res);
    if (this.open.res < 0) throw systemError(this.open.res, 'open', this.path);
    return writeResult(this.ring, this.path, this.flags, this.mode, this.data, this.write.res, this.cut?.res ?? 0, this.cut !== undefined, res);
  }
  override discard(res: number): void {
    // Aborted or past a deadline before the CLOSE ran: the slot still holds the file.
    if (res === -ECANCELED && this.open.res >= 0) closeSlot(this.ring, this.slot);
    else super.discard(res);
  }
}

/** writeFile's outcome from its WRITE, FTRUNCATE and CLOSE results (the OPENAT succeeded). */
function writeResult(ring: Ring, path: string, flags: number, mode: number, data: Uint8Array, written: number, cutRes: number, cut: boolean, closeRes: number): void | Promise<void> {
  if (written < 0) return failedWrite(path, cut, systemError(written, 'write'));
  if (cutRes < 0) throw systemError(cutRes, 'open', path); // where Node's O_TRUNC would have failed
  if (closeRes < 0) throw systemError(closeRes, 'close');
  if (written < data.length) return finishWrite(ring, path, flags, mode, data, written, cut);
}

/** A WRITE failed: with the cut standing in for O_TRUNC, empty the file as Node's O_TRUNC open would have left it. */
async function failedWrite(path: string, cut: boolean, err: Error): Promise<never> {
  if (cut) await node.truncate(path, 0).catch(() => {});
  throw err;
}

/**
 * After a short write (a full disk, a signal): write the rest at the end of
 * what was written, as Node's loop would. With the cut standing in for
 * O_TRUNC (`cut`), the FTRUNCATE that followed the short write has made the
 * file data.length long, its tail a hole: if the rest fails too, the file is
 * cut back to what was written, which is what Node leaves.
 */
async function finishWrite(ring: Ring, path: string, flags: number, mode: number, data: Uint8Array, written: number, cut: boolean): Promise<void> {
  const fd = await ring.submit(op.openat(path, (flags & ~fs.constants.O_TRUNC & ~fs.constants.O_EXCL) | O_CLOEXEC, mode));
  let at = written;
  try {
    const append = (flags & fs.constants.O_APPEND) !== 0;
    while (at < data.length) at += await ring.submit(op.write(fd, data.subarray(at), append ? -1 : at));
  } catch (err) {
    if (cut) await ring.submit(op.ftruncate(fd, at)).catch(() => {});
    throw err;
  } finally {
    await ring.submit(op.close(fd));
  }
}

/**
 * writeFile of bytes in one submission, with no bookkeeping beyond the specs;
 * with a signal, through runChain, which can cancel it (WriteClose gives the
 * slot back after an abort too). Undefined when the fixed-file table is full.
 */
export function writeSmallFile(ring: Ring, path: string, flags: number, mode: number, data: Uint8Array, signal?: AbortSignal): Promise<void> | undefined {
  let slot: number;
  try {
    slot = ring.files.alloc();
  } catch {
    return undefined;
  }
  try {
    const close = new WriteClose(ring, path, slot, flags, mode, data);
    return signal === undefined ? ring.submitLinked(close.steps, true) : runLinked(close.steps, true, chainOptions(ring, signal));
  } catch (err) {
    ring.files.free(slot);
    throw err;
  }
}
