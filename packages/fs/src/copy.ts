/**
 * copyFile. Below SPLICE_FROM (16 MiB), a call with no deadline and no
 * signal is Node's own: libuv does open, fstat, open, fstat, ftruncate,
 * fchmod, copy_file_range and two closes in one thread-pool job, where the
 * ring needs four trips, one through an io-wq thread (the OPENAT with
 * O_CREAT): measured here per copy, 4 KiB: Node ~0.3 ms of CPU, the ring
 * ~0.9; 1 MiB: 0.7 and 1.1; 8 MiB: 3.9 and 5.3; 16 MiB: even. From 16 MiB,
 * and with a deadline or a signal (withOptions) at any size, the ring in
 * libuv's steps: open the source and fstat it, open the destination O_CREAT
 * without O_TRUNC and fstat it (the source itself is left alone), truncate
 * and chmod it, copy; a copy that fails once the destination was opened
 * removes it. The bytes go one of two ways:
 * - up to CHUNK (64 KiB): one READ -> WRITE chain through a pooled buffer,
 *   both done inline in io_uring_enter (a SPLICE always runs in an io-wq
 *   thread: 4 KiB took ~1.0 ms of CPU through a pipe, ~0.9 this way).
 * - larger: SPLICE file -> pipe -> file chains, SPLICE_DEPTH at once. The
 *   kernel copies each byte once, as copy_file_range does (256 MiB: ~115 ms
 *   of CPU, copy_file_range ~110), where a READ -> WRITE through memory
 *   copies it twice, registered buffers or not (~150-180 ms), and the io-wq
 *   threads share the work out over the cores where copy_file_range is one
 *   thread (under load here 1.5-3x its rate).
 * The fstats are fstat(2) on this thread: io_uring hands every STATX to an
 * io-wq thread, and an fstat of an open file is a few microseconds.
 */
import fs from 'node:fs';
import node from 'node:fs/promises';
import { chain, op, runChain, sys, type Ring } from '@uring/core';
import { CHUNK, giveChunk, takeChunk } from './chunks';
import { O_CLOEXEC, plainPath } from './compat';
import { baseRing, chainOptions, kernelHas, ringOrNode } from './ring';

type Failure = { errno?: number; code?: string; message?: string };
type Fail = (err: Failure) => never;

const EIO: Failure = { errno: -5, code: 'EIO', message: 'EIO: i/o error' };
const EISDIR: Failure = { errno: -21, code: 'EISDIR', message: 'EISDIR: illegal operation on a directory' };
/** What a chain's failure means for the call: the failing step's error (an AbortError or ETIMEDOUT stands as it is). */
const stepError = (err: Failure & { cause?: Failure }): Failure => (err.code === 'ERR_URING_CHAIN' ? err.cause! : err);

/** copyFile, COPYFILE_EXCL kept, COPYFILE_FICLONE on the ring as a plain copy (as libuv falls back); errors as Node's ('copyfile', src -> dest). */
export async function copyFile(src: fs.PathLike, dest: fs.PathLike, mode?: number): Promise<void> {
  const ring = ringOrNode();
  const s = ring && plainPath(src);
  const d = plainPath(dest);
  if (!s || d === undefined || (mode !== undefined && (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 7 || mode & fs.constants.COPYFILE_FICLONE_FORCE))) {
    return node.copyFile(src, dest, mode);
  }
  // A plain call asking for a reflink (COPYFILE_FICLONE) is Node's too: libuv tries the FICLONE ioctl first.
  if (baseRing(ring) === ring && ((mode ?? 0) & fs.constants.COPYFILE_FICLONE || belowSplice(s))) return node.copyFile(src, dest, mode);
  const fail: Fail = (err) => {
    if (typeof err.errno !== 'number') throw err;
    const e = new Error(`${err.code}: ${err.message!.split(', ')[0]!.split(': ')[1]}, copyfile '${s}' -> '${d}'`) as Error & Record<string, unknown>;
    Object.assign(e, { errno: err.errno, code: err.code, syscall: 'copyfile', path: s, dest: d });
    throw e;
  };
  const fstat = (fd: number) => {
    try {
      return fs.fstatSync(fd, { bigint: true });
    } catch (err) {
      return fail(err as Failure);
    }
  };
  const inFd = await ring.submit(op.openat(s, fs.constants.O_RDONLY | O_CLOEXEC)).catch(fail);
  let outFd = -1;
  try {
    const st = fstat(inFd);
    const perm = Number(st.mode & 0o7777n);
    const excl = (mode ?? 0) & fs.constants.COPYFILE_EXCL ? fs.constants.O_EXCL : 0;
    // As libuv does: no O_TRUNC until we know the destination is not the source itself.
    // Opened without the call's deadline and signal, so that we know whether it was opened (and must be removed on failure).
    outFd = await baseRing(ring).submit(op.openat(d, fs.constants.O_WRONLY | fs.constants.O_CREAT | excl | O_CLOEXEC, perm)).catch(fail);
    const dst = fstat(outFd);
    if (dst.ino === st.ino && dst.dev === st.dev) return;
    // An empty regular file (a new one) is not cut: ext4 takes a truncate to 0 for a file being replaced and
    // writes it back at its close (auto_da_alloc), which made a copy onto a new file wait for the disk.
    if (dst.size !== 0n || (dst.mode & 0o170000n) !== 0o100000n) fs.ftruncateSync(outFd, 0);
    fs.fchmodSync(outFd, perm);
    if ((st.mode & 0o170000n) === 0o040000n) {
      // libuv's order: the destination is opened (EEXIST comes first), truncated and chmod'ed, then the copy fails and it is removed.
      await ring.submit(op.close(outFd));
      outFd = -1;
      await ring.submit(op.unlinkat(d)).catch(() => {});
      fail(EISDIR);
    }
    const size = Number(st.size);
    if (size === 0) return;
    if (size <= CHUNK) await chunkCopy(ring, inFd, outFd, size, fail);
    else if (kernelHas('PIPE')) await spliceCopy(ring, inFd, outFd, size, fail);
    else await bufferCopy(ring, inFd, outFd, size, fail);
  } catch (err) {
    // As libuv does: a copy that failed once the destination was opened removes it
    // (on the base ring: this cleanup outlives the call's deadline and signal).
    if (outFd >= 0) {
      const fd = outFd;
      outFd = -1;
      await ring.submit(op.close(fd));
      await baseRing(ring).submit(op.unlinkat(d)).catch(() => {});
    }
    throw err;
  } finally {
    const closes = [ring.submit(op.close(inFd))];
    if (outFd >= 0) closes.push(ring.submit(op.close(outFd)));
    await Promise.all(closes);
  }
}

const SPLICE_FROM = 16 << 20;

/** Whether the source is smaller than SPLICE_FROM, or cannot be stat'ed (Node's own copyFile then says why). */
function belowSplice(path: string): boolean {
  try {
    return (fs.statSync(path, { throwIfNoEntry: false })?.size ?? 0) < SPLICE_FROM;
  } catch {
    return true;
  }
}

/** A chain's failure; a step 1 cancelled by a short step 0 is no failure: its results, the second as 0 (see the callers). */
const shortFirst = (fail: Fail) => (err: Failure & { step?: number; results?: unknown[]; cause?: Failure }): number[] => {
  if (err.code === 'ERR_URING_CHAIN' && err.step === 1 && err.cause!.code === 'ECANCELED') return [err.results![0] as number, 0];
  return fail(stepError(err));
};

/**
 * Writes view[at..] at offset `start + at` on, one WRITE after another: what a
 * short WRITE (a full disk) left, until the kernel says why it stopped.
 */
async function writeRest(ring: Ring, outFd: number, view: Uint8Array, at: number, start: number, fail: Fail): Promise<void> {
  while (at < view.length) {
    const w = await ring.submit(op.write(outFd, view.subarray(at), start + at)).catch(fail);
    if (w === 0) fail(EIO);
    at += w;
  }
}

/** One linked READ -> WRITE of the whole file (at most CHUNK bytes) through a pooled buffer, given back once every CQE is in. */
async function chunkCopy(ring: Ring, inFd: number, outFd: number, size: number, fail: Fail): Promise<void> {
  const buf = takeChunk();
  try {
    const view = buf.subarray(0, size);
    const [r, w] = (await runChain(chain(op.read(inFd, view, 0), op.write(outFd, view, 0)), chainOptions(ring)).catch(shortFirst(fail))) as number[];
    if (r !== size) fail(EIO); // the source shrank under us
    await writeRest(ring, outFd, view, w!, 0, fail);
  } finally {
    giveChunk(buf);
  }
}

/**
 * Each of SPLICE_DEPTH workers has a pipe of SPLICE_CHUNK bytes and moves a
 * chunk with SPLICE file -> pipe linked to SPLICE pipe -> file. Depth 8 beat
 * 4 and 2 for 16 and 256 MiB here.
 */
const SPLICE_CHUNK = 1 << 20;
const SPLICE_DEPTH = 8;

async function spliceCopy(ring: Ring, inFd: number, outFd: number, size: number, fail: Fail): Promise<void> {
  let next = 0;
  const worker = async () => {
    const [pr, pw] = await ring.submit(op.pipe()).catch(fail);
    try {
      // A pipe holds 64 KiB unless asked; a smaller one only means shorter moves.
      sys().setPipeSize(pw, SPLICE_CHUNK);
      while (next < size) {
        const at = next;
        const len = Math.min(SPLICE_CHUNK, size - at);
        next += len;
        for (let done = 0; done < len; ) {
          // A short first move cancels the linked second one: what it left in the pipe is moved on its own.
          const steps = chain(op.splice(inFd, at + done, pw, -1, len - done), op.splice(pr, -1, outFd, at + done, len - done));
          const [moved, written] = await runChain(steps, chainOptions(ring)).then((r) => r as number[], shortFirst(fail));
          if (moved === 0) fail(EIO); // the source shrank under us
          for (let w = written!; w < moved!; ) w += await ring.submit(op.splice(pr, -1, outFd, at + done + w, moved! - w)).catch(fail);
          done += moved!;
        }
      }
    } finally {
      await Promise.all([ring.submit(op.close(pr)), ring.submit(op.close(pw))]);
    }
  };
  const workers = Math.min(SPLICE_DEPTH, Math.ceil(size / SPLICE_CHUNK));
  await allWorkers(Array.from({ length: workers }, () => worker().catch((err) => { next = size; throw err; })));
}

/** Without IORING_OP_PIPE (before Linux 6.16): BUFFER_DEPTH linked READ -> WRITE chains in flight, each on its own buffer. */
const BUFFER_CHUNK = 256 << 10; // measured: 256 KiB x 8 in flight beat 1 MiB blocks for new files
const BUFFER_DEPTH = 8;

async function bufferCopy(ring: Ring, inFd: number, outFd: number, size: number, fail: Fail): Promise<void> {
  const bufs = Array.from({ length: Math.min(BUFFER_DEPTH, Math.ceil(size / BUFFER_CHUNK)) }, () => Buffer.allocUnsafe(Math.min(BUFFER_CHUNK, size)));
  let next = 0;
  const worker = async (buf: Buffer) => {
    while (next < size) {
      const at = next;
      const len = Math.min(buf.length, size - at);
      next += len;
      const view = buf.subarray(0, len);
      const [r, w] = (await runChain(chain(op.read(inFd, view, at), op.write(outFd, view, at)), chainOptions(ring)).catch(shortFirst(fail))) as number[];
      if (r !== len) fail(EIO); // the source shrank under us
      await writeRest(ring, outFd, view, w!, at, fail);
    }
  };
  await allWorkers(bufs.map((buf) => worker(buf).catch((err) => { next = size; throw err; })));
}

/**
 * Waits for every copy worker, even after one failed (and the others were told
 * to stop): they have ops in the kernel on the same fds, which the caller
 * closes next. Then the first failure rejects.
 */
async function allWorkers(workers: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(workers)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
