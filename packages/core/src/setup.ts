/**
 * io_uring_setup and the ring mappings: turns RingOptions into params, calls
 * the kernel, and maps the SQ/CQ rings and the SQE array into JS-visible views.
 */
import { errnoInfo, invalidArgType, invalidArgValue, outOfRange, uringError } from './errors';
import { sys, type Pointer } from './sys';
import {
  CQ_OFF,
  CQE_SIZE,
  IORING_FEAT_SINGLE_MMAP,
  IORING_OFF_CQ_RING,
  IORING_OFF_SQ_RING,
  IORING_OFF_SQES,
  IORING_SETUP_CLAMP,
  IORING_SETUP_COOP_TASKRUN,
  IORING_SETUP_CQSIZE,
  IORING_SETUP_DEFER_TASKRUN,
  IORING_SETUP_SINGLE_ISSUER,
  IORING_SETUP_SQPOLL,
  IORING_SETUP_SQ_AFF,
  IORING_SETUP_SUBMIT_ALL,
  IORING_SETUP_TASKRUN_FLAG,
  PARAMS,
  PARAMS_SIZE,
  SQ_OFF,
  SQE_SIZE,
} from './uapi';

export interface RingOptions {
  /** SQ size (a power of two is used; default 256). */
  entries?: number;
  /** CQ size (IORING_SETUP_CQSIZE): a power of two, at least `entries`. Default: 8x entries. */
  cqEntries?: number;
  /** IORING_SETUP_CLAMP: clamp sizes over the kernel maximum instead of failing. */
  clamp?: boolean;
  /** IORING_SETUP_SQPOLL: a kernel thread polls the SQ; `idleMs` before it sleeps, `cpu` to pin it. */
  sqpoll?: boolean | { idleMs?: number; cpu?: number };
  /** IORING_SETUP_SINGLE_ISSUER (only this thread submits). */
  singleIssuer?: boolean;
  /**
   * IORING_SETUP_DEFER_TASKRUN (with SINGLE_ISSUER, 6.1+): task work runs only when this thread enters
   * the kernel, in batches, instead of interrupting it. The ring then wakes its event loop through a
   * registered eventfd of its own (so `registerEventfd` is refused on it).
   */
  deferTaskrun?: boolean;
  /**
   * IORING_SETUP_COOP_TASKRUN | TASKRUN_FLAG (default on where the kernel has
   * them): completions that need task work wait for our next syscall instead of
   * interrupting the JS thread with an IPI; a thread asleep in the event loop is
   * still woken. Measured ~1.4x more io-wq ops/s (stat) here. `false` turns it off.
   */
  coopTaskrun?: boolean;
  /** Size of the sparse registered-file table `ring.files` (default 4096, at most 65536). */
  fixedFiles?: number;
}

/** What setup produced: the fd, the sizes, and views over shared memory. */
export interface RingMemory {
  fd: number;
  flags: number;
  features: number;
  sqEntries: number;
  cqEntries: number;
  /** Mappings to munmap on close. */
  maps: { ptr: Pointer; len: number }[];
  /** The SQ ring as u32 words (head, tail, flags, array, ...). */
  sq: Uint32Array;
  sqHead: number;
  sqTail: number;
  sqFlags: number;
  sqMask: number;
  sqArray: number;
  /** The CQ ring as u32 words, and as bytes for reading CQEs. */
  cq: Uint32Array;
  cqView: DataView;
  cqHead: number;
  cqTail: number;
  cqMask: number;
  cqOverflow: number;
  /** Index of the CQ ring's flags word (IORING_CQ_EVENTFD_DISABLED) in `cq`. */
  cqFlags: number;
  /** Byte offset of the first CQE in cqView. */
  cqes: number;
  /** The SQE array. */
  sqes: DataView;
  sqeBytes: Uint8Array;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function checkSize(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'number', value);
  if (!Number.isInteger(value) || value < min || value > 65536 * 16) throw outOfRange(name, `an integer >= ${min} and <= ${65536 * 16}`, value);
  return value;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Setup failures that say nothing about io_uring itself: out of fds or memory now, maybe not at the next call. */
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'EAGAIN']);

/** Why io_uring_setup failed, in words a user can act on; `transient` when a later call may succeed. */
function unavailable(errno: number): Error {
  const [code] = errnoInfo(errno);
  const transient = TRANSIENT.has(code);
  const why: Record<string, string> = {
    ENOSYS: 'this kernel has no io_uring (ENOSYS): it is older than 5.1, built without it, or a seccomp filter hides it',
    EPERM: 'io_uring_setup was denied (EPERM): the kernel.io_uring_disabled sysctl or a seccomp profile (Docker, Kubernetes) forbids it',
    EACCES: 'io_uring_setup was denied (EACCES): kernel.io_uring_disabled restricts it to a group this process is not in',
    ENOMEM: 'io_uring_setup failed (ENOMEM): not enough locked memory for the ring (RLIMIT_MEMLOCK)',
    EMFILE: 'io_uring_setup failed (EMFILE): too many open files in this process',
    ENFILE: 'io_uring_setup failed (ENFILE): too many open files in the system',
    EINVAL: 'io_uring_setup rejected the ring options (EINVAL): a flag this kernel does not know, or sizes out of range',
  };
  const retry = transient ? ' (a passing shortage: the next call tries again)' : '';
  const err = uringError('ERR_URING_UNAVAILABLE', `io_uring is unavailable: ${why[code] ?? `io_uring_setup failed (${code})`}${retry}`) as unknown as Error & {
    errno: number;
    syscall: string;
    reason: string;
    transient: boolean;
  };
  err.errno = -errno;
  err.syscall = 'io_uring_setup';
  err.reason = code;
  err.transient = transient;
  return err;
}

export function setupRing(options: RingOptions = {}): RingMemory {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'object', options);
  const entries = nextPow2(checkSize('options.entries', options.entries ?? 256, 1));
  const params = new Uint8Array(PARAMS_SIZE);
  const pv = new DataView(params.buffer);
  let flags = 0;
  if (options.cqEntries !== undefined) {
    const cq = checkSize('options.cqEntries', options.cqEntries, 1);
    if (!isPowerOfTwo(cq) || cq < entries) throw outOfRange('options.cqEntries', `a power of two >= entries (${entries})`, cq);
    flags |= IORING_SETUP_CQSIZE;
    pv.setUint32(PARAMS.cqEntries, cq, true);
  } else {
    flags |= IORING_SETUP_CQSIZE;
    pv.setUint32(PARAMS.cqEntries, entries * 8, true);
  }
  if (options.clamp) flags |= IORING_SETUP_CLAMP;
  if (options.sqpoll) {
    flags |= IORING_SETUP_SQPOLL;
    const sq = typeof options.sqpoll === 'object' ? options.sqpoll : {};
    pv.setUint32(PARAMS.sqThreadIdle, sq.idleMs ?? 1000, true);
    if (sq.cpu !== undefined) {
      flags |= IORING_SETUP_SQ_AFF;
      pv.setUint32(PARAMS.sqThreadCpu, sq.cpu, true);
    }
  }
  // DEFER_TASKRUN (6.1+) needs SINGLE_ISSUER: only this thread submits, and completions that need task
  // work wait for our next io_uring_enter; the ring wakes its loop through a registered eventfd (ring.ts).
  // TASKRUN_FLAG with it: IORING_SQ_TASKRUN tells the reaper of work queued while it had the eventfd off.
  if (options.deferTaskrun) {
    // The kernel refuses the pair (EINVAL): say which option, rather than "io_uring unavailable".
    if (options.sqpoll) throw invalidArgValue('options.deferTaskrun', options.deferTaskrun, 'cannot be combined with sqpoll (an SQPOLL thread issues the work)');
    flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  }
  if (options.singleIssuer) flags |= IORING_SETUP_SINGLE_ISSUER;
  const coop = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  if (options.coopTaskrun !== false) flags |= coop;
  // SUBMIT_ALL: a bad SQE fails in its own CQE instead of stopping the batch (5.18+).
  flags |= IORING_SETUP_SUBMIT_ALL;
  pv.setUint32(PARAMS.flags, flags, true);

  const n = sys();
  let fd = n.setup(entries, params);
  if (fd < 0 && n.errno() === 22 /* EINVAL */) {
    // An older kernel (before 5.19): try once more without the flags we only asked for by default.
    pv.setUint32(PARAMS.flags, flags & ~(IORING_SETUP_SUBMIT_ALL | (options.coopTaskrun === undefined ? coop : 0)), true);
    fd = n.setup(entries, params);
  }
  if (fd < 0) throw unavailable(n.errno());

  const u32 = (at: number) => pv.getUint32(at, true);
  const sqOff = (f: keyof typeof SQ_OFF) => u32(PARAMS.sqOff + SQ_OFF[f]);
  const cqOff = (f: keyof typeof CQ_OFF) => u32(PARAMS.cqOff + CQ_OFF[f]);
  const sqEntries = u32(PARAMS.sqEntries);
  const cqEntries = u32(PARAMS.cqEntries);
  const features = u32(PARAMS.features);

  const maps: { ptr: Pointer; len: number }[] = [];
  const map = (len: number, off: number): ArrayBuffer => {
    const ptr = n.mmap(len, fd, off);
    if (ptr === 0n) {
      const errno = n.errno();
      for (const m of maps) n.munmap(m.ptr, m.len);
      n.close(fd);
      throw unavailable(errno);
    }
    maps.push({ ptr, len });
    return n.view(ptr, len);
  };
  const sqLen = sqOff('array') + sqEntries * 4;
  const cqLen = cqOff('cqes') + cqEntries * CQE_SIZE;
  let sqRing: ArrayBuffer;
  let cqRing: ArrayBuffer;
  if (features & IORING_FEAT_SINGLE_MMAP) {
    sqRing = cqRing = map(Math.max(sqLen, cqLen), IORING_OFF_SQ_RING);
  } else {
    sqRing = map(sqLen, IORING_OFF_SQ_RING);
    cqRing = map(cqLen, IORING_OFF_CQ_RING);
  }
  const sqesBuf = map(sqEntries * SQE_SIZE, IORING_OFF_SQES);

  const sq = new Uint32Array(sqRing);
  const sqArray = sqOff('array') / 4;
  // Identity-map the SQ index array once: SQE i is always slot i.
  for (let i = 0; i < sqEntries; i++) sq[sqArray + i] = i;

  return {
    fd,
    flags: u32(PARAMS.flags),
    features,
    sqEntries,
    cqEntries,
    maps,
    sq,
    sqHead: sqOff('head') / 4,
    sqTail: sqOff('tail') / 4,
    sqFlags: sqOff('flags') / 4,
    sqMask: sq[sqOff('ringMask') / 4]!,
    sqArray,
    cq: new Uint32Array(cqRing),
    cqView: new DataView(cqRing),
    cqHead: cqOff('head') / 4,
    cqTail: cqOff('tail') / 4,
    cqMask: new Uint32Array(cqRing)[cqOff('ringMask') / 4]!,
    cqOverflow: cqOff('overflow') / 4,
    cqes: cqOff('cqes'),
    cqFlags: cqOff('flags') / 4,
    sqes: new DataView(sqesBuf),
    sqeBytes: new Uint8Array(sqesBuf),
  };
}
