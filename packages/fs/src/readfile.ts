/**
 * readFile and writeFile as linked chains. A small file is one trip to the
 * kernel: OPENAT into a fixed-file slot, then READ from that slot, hardlinked
 * (a short read must not cancel what follows). The CLOSE of the slot rides in
 * the next submission. A larger file is then read in a few big requests sized
 * by statx, not one per 64 KiB.
 */
import { AbortError, hardChain, op, runChain, systemError, uapi, type OpSpec, type Ring } from '@uring/core';
import { O_CLOEXEC } from './compat';

/** The first read: most files fit, and one that fills it is read on in large requests. */
const FIRST_CHUNK = 64 * 1024;
/** First-read buffers to reuse: a fresh 64 KiB per readFile made garbage collection the bottleneck. */
const firstChunks: Buffer[] = [];

/** The largest single read request (the kernel caps a read at ~2 GiB anyway). */
const MAX_REQUEST = 64 * 1024 * 1024;

function fixedRead(slot: number, buf: Uint8Array, pos: number) {
  return { ...op.read(slot, buf, pos), sqeFlags: uapi.IOSQE_FIXED_FILE };
}

/** Reads `target` (an fd, or a fixed slot when `fixed`) from `start` to EOF, beginning with what is in `first`. */
async function readRest(ring: Ring, target: number, fixed: boolean, first: Uint8Array, start: number, sizeHint: number, signal?: AbortSignal): Promise<Buffer> {
  let buf = Buffer.allocUnsafe(Math.max(sizeHint + 1, first.length * 2));
  buf.set(first);
  let filled = first.length;
  for (;;) {
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    if (filled === buf.length) {
      const grown = Buffer.allocUnsafe(buf.length * 2);
      grown.set(buf);
      buf = grown;
    }
    // Several large reads at once over the space we expect to fill.
    const reads: Promise<number>[] = [];
    const offsets: number[] = [];
    for (let at = filled; at < buf.length; at += MAX_REQUEST) {
      const view = buf.subarray(at, Math.min(buf.length, at + MAX_REQUEST));
      offsets.push(at);
      reads.push(ring.submit(fixed ? fixedRead(target, view, start + at) : op.read(target, view, start < 0 ? -1 : start + at)));
      if (start < 0) break; // reading at the file position: one request at a time
    }
    const got = await Promise.all(reads);
    let eof = false;
    for (let i = 0; i < got.length; i++) {
      if (offsets[i] !== filled) break; // a gap before this chunk: read again from `filled`
      if (got[i] === 0) {
        eof = true; // only a read of 0 bytes means the end: pipes and ttys return short reads
        break;
      }
      filled += got[i]!;
      if (got[i]! < Math.min(buf.length, offsets[i]! + MAX_REQUEST) - offsets[i]!) break;
    }
    if (eof) return buf.subarray(0, filled);
  }
}

/** OPENAT hardlinked to READ, as one submission; resolves with both results once both CQEs are in. */
function openAndRead(ring: Ring, open: OpSpec<number>, read: OpSpec<number>): Promise<[number, number]> {
  return new Promise((resolve) => {
    const res: [number, number] = [0, 0];
    let left = 2;
    const sink = (i: 0 | 1) => (r: number, _flags: number, more: boolean) => {
      if (more) return;
      res[i] = r;
      if (--left === 0) resolve(res);
    };
    ring.startLinked([open, read], [sink(0), sink(1)], { hard: true });
  });
}

/** Reads the whole file at `path`; undefined if the fixed-file table is full (the caller then takes the plain path). */
export async function readFileChained(ring: Ring, path: string, flags: number, signal?: AbortSignal): Promise<Buffer | undefined> {
  let slot: number;
  try {
    slot = ring.files.alloc();
  } catch {
    return undefined;
  }
  const first = firstChunks.pop() ?? Buffer.allocUnsafe(FIRST_CHUNK);
  let opened = false;
  try {
    const open = op.openat(path, flags, 0o666, { fileIndex: slot });
    const read = fixedRead(slot, first, 0);
    let n: number;
    if (signal === undefined) {
      // The common case without runChain's bookkeeping: two CQEs, one promise.
      const [openRes, readRes] = await openAndRead(ring, open, read);
      if (openRes < 0) throw systemError(openRes, 'open', path);
      opened = true;
      if (readRes < 0) throw systemError(readRes, 'read');
      n = readRes;
    } else {
      [, n] = (await runChain(hardChain(open, read), { ring, signal }).catch((err: { code?: string; step?: number; errors?: Error[]; cause?: Error }) => {
        if (err.code !== 'ERR_URING_CHAIN') throw err;
        opened = err.step !== 0;
        throw err.step === 0 ? err.cause : err.errors![1];
      })) as number[];
    }
    opened = true;
    if (n < FIRST_CHUNK) return Buffer.from(first.subarray(0, n));
    const st = await ring.submit(op.statx(path));
    return await readRest(ring, slot, true, first, 0, Number(st.size), signal);
  } finally {
    // runChain settles only after every CQE: the kernel is done with `first`, which serves the next readFile.
    if (firstChunks.length < 256) firstChunks.push(first);
    // The slot is emptied in the next submission; it returns to the allocator when the kernel is done with it.
    if (opened || signal?.aborted) {
      ring.submit(op.close(slot, { fixed: true })).then(
        () => ring.files.free(slot),
        () => ring.files.free(slot),
      );
    } else {
      ring.files.free(slot);
    }
  }
}

/** Reads an open fd from its current position to EOF (FileHandle.readFile, readFile(fd)). */
export async function readAll(ring: Ring, fd: number, signal?: AbortSignal): Promise<Buffer> {
  const st = await ring.submit(op.statx('', { dirfd: fd, flags: uapi.AT_EMPTY_PATH, syscall: 'fstat' }));
  const isFile = (st.mode & 0o170000) === 0o100000;
  return readRest(ring, fd, false, Buffer.alloc(0), -1, isFile ? Number(st.size) : 0, signal);
}

/** writeFile of bytes as one chain: OPENAT into a slot, WRITE, CLOSE (hardlinked so the close always runs). */
export async function writeFileChained(ring: Ring, path: string, flags: number, mode: number, data: Uint8Array, signal?: AbortSignal): Promise<boolean> {
  let slot: number;
  try {
    slot = ring.files.alloc();
  } catch {
    return false;
  }
  try {
    const steps = [op.openat(path, flags, mode, { fileIndex: slot })]; // no O_CLOEXEC: a direct descriptor refuses it (EINVAL)
    const write = { ...op.write(slot, data, (flags & 0o2000) !== 0 ? -1 : 0), sqeFlags: uapi.IOSQE_FIXED_FILE };
    const results = await runChain(hardChain(steps[0]!, write, op.close(slot, { fixed: true })), { ring, signal }).catch(
      (err: { code?: string; step?: number; errors?: Error[]; cause?: Error }) => {
        if (err.code !== 'ERR_URING_CHAIN') throw err;
        throw err.step === 0 ? err.cause : err.errors![err.step!];
      },
    );
    const written = results[1] as number;
    if (written < data.length) {
      // A short write (a full disk, a signal): finish at the end of what was written, as Node's loop would.
      const fd = await ring.submit(op.openat(path, (flags & ~0o1000 /* O_TRUNC */ & ~0o200 /* O_EXCL */) | O_CLOEXEC, mode));
      try {
        let at = written;
        while (at < data.length) at += await ring.submit(op.write(fd, data.subarray(at), (flags & 0o2000) !== 0 ? -1 : at));
      } finally {
        await ring.submit(op.close(fd));
      }
    }
    return true;
  } finally {
    ring.files.free(slot);
  }
}
