/**
 * The native calls, through koffi: the three io_uring syscalls, mmap, and a
 * libuv poll on the ring fd (koffi.node.poll). Loaded lazily so that
 * merely importing the package never touches the FFI.
 */
import koffi from 'koffi';
import { SYS_io_uring_enter, SYS_io_uring_register, SYS_io_uring_setup } from './uapi';

/** What koffi gives for a native pointer. */
export type Pointer = bigint;

export interface Native {
  /** io_uring_setup(entries, params): fd or -1 (see errno). */
  setup(entries: number, params: Uint8Array): number;
  /** io_uring_enter(fd, toSubmit, minComplete, flags, arg, argsz): count or -1. */
  enter(fd: number, toSubmit: number, minComplete: number, flags: number, arg: Uint8Array | null, argSize: number): number;
  /** io_uring_register(fd, opcode, arg, nrArgs): result or -1. */
  register(fd: number, opcode: number, arg: Uint8Array | Pointer | null, nrArgs: number): number;
  mmap(length: number, fd: number, offset: number): Pointer;
  munmap(addr: Pointer, length: number): number;
  /** Anonymous, page-aligned memory (for provided buffer rings). */
  mmapAnon(length: number): Pointer;
  /** fcntl(F_SETPIPE_SZ): the pipe's capacity in bytes (rounded up by the kernel); the new size, or -1 (see errno). */
  setPipeSize(fd: number, bytes: number): number;
  /** Asks for transparent huge pages (MADV_HUGEPAGE) over the 2 MiB-aligned part of [addr, addr + length); false if refused. */
  hugePages(addr: number, length: number): boolean;
  /** lseek(fd, offset, whence): the new file position, or -1 (see errno; ESPIPE for a pipe or socket). */
  lseek(fd: number, offset: number, whence: number): number;
  /** fcntl(F_GETFL): the fd's status flags (O_APPEND, ...), or -1 (see errno). */
  fileStatusFlags(fd: number): number;
  close(fd: number): number;
  /** eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC): fd or -1 (see errno). */
  eventfd(): number;
  /** Reads (and so resets) an eventfd's counter; false when it was already zero. */
  drainEventfd(fd: number): boolean;
  errno(): number;
  /** Whether this is the process's first thread (Node's main thread; a worker is another thread). */
  isMainThread(): boolean;
  /** An ArrayBuffer over native memory, no copy. */
  view(ptr: Pointer, length: number): ArrayBuffer;
  /** The address of a Buffer's or typed array's bytes (its byteOffset included). */
  address(buf: ArrayBufferView | ArrayBuffer): Pointer;
  /** Polls `fd` for reading; `cb` runs on this thread with libuv's status (negative on error). */
  poll(fd: number, cb: (status: number) => void): PollHandle;
}

/** A uv_poll on this thread's libuv loop (koffi.node.poll: the loop comes from napi_get_uv_event_loop, so a worker polls on its own). */
export interface PollHandle {
  ref(): void;
  unref(): void;
  /** uv_poll_stop and uv_close; libuv frees the handle after the loop lets go (at thread exit too, if never called). */
  close(): void;
}

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 0x01;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MAP_POPULATE = 0x8000;
const MAP_FAILED = 0xffffffffffffffffn;
const MADV_HUGEPAGE = 14;
const F_SETPIPE_SZ = 1031;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;
const F_GETFL = 3;
const HUGE_PAGE = 2 * 1024 * 1024;

let native: Native | undefined;

export function sys(): Native {
  return (native ??= load());
}

function load(): Native {
  const libc = koffi.load('libc.so.6');
  const syscall = libc.func('long syscall(long number, ...)');
  // The hot syscalls get fixed prototypes of syscall(2): koffi parses a variadic call's types on every
  // call (~1-2 us here), a fixed one not at all. All arguments are integers or pointers, which x86_64
  // and aarch64 pass the same way to a variadic function.
  const enter = libc.func('long syscall(long number, int fd, uint32_t toSubmit, uint32_t minComplete, uint32_t flags, void *arg, size_t argSize)');
  const register = libc.func('long syscall(long number, int fd, uint32_t opcode, void *arg, uint32_t nrArgs)');
  const mmap = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)');
  const munmap = libc.func('int munmap(void *addr, size_t length)');
  const close = libc.func('int close(int fd)');
  const eventfd = libc.func('int eventfd(unsigned int initval, int flags)');
  const read = libc.func('long read(int fd, void *buf, size_t count)');
  const counter = new Uint8Array(8);
  const gettid = libc.func('int gettid()');
  const madvise = libc.func('int madvise(uint64_t addr, size_t length, int advice)');
  const fcntl = libc.func('int fcntl(int fd, int cmd, int arg)');
  const lseek = libc.func('int64_t lseek(int fd, int64_t offset, int whence)');


  return {
    setup: (entries, params) => Number(syscall(SYS_io_uring_setup, 'uint32_t', entries, 'void *', params)),
    enter: (fd, toSubmit, minComplete, flags, arg, argSize) => Number(enter(SYS_io_uring_enter, fd, toSubmit, minComplete, flags, arg, argSize)),
    register: (fd, opcode, arg, nrArgs) => Number(register(SYS_io_uring_register, fd, opcode, arg, nrArgs)),
    mmap: (length, fd, offset) => {
      const p = mmap(null, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset) as Pointer;
      return p === MAP_FAILED ? 0n : p;
    },
    mmapAnon: (length) => {
      const p = mmap(null, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0) as Pointer;
      return p === MAP_FAILED ? 0n : p;
    },
    munmap: (addr, length) => munmap(addr, length) as number,
    setPipeSize: (fd, bytes) => fcntl(fd, F_SETPIPE_SZ, bytes) as number,
    hugePages: (addr, length) => {
      const start = Math.ceil(addr / HUGE_PAGE) * HUGE_PAGE;
      const end = Math.floor((addr + length) / HUGE_PAGE) * HUGE_PAGE;
      return end > start && madvise(start, end - start, MADV_HUGEPAGE) === 0;
    },
    lseek: (fd, offset, whence) => Number(lseek(fd, offset, whence)),
    fileStatusFlags: (fd) => fcntl(fd, F_GETFL, 0) as number,
    close: (fd) => close(fd) as number,
    eventfd: () => eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) as number,
    drainEventfd: (fd) => (read(fd, counter, 8) as number) === 8,
    errno: () => koffi.errno(),
    isMainThread: () => gettid() === process.pid,
    view: (ptr, length) => koffi.view(ptr, length) as ArrayBuffer,
    address: (buf) => koffi.address(buf) as Pointer,
    poll: (fd, cb) => koffi.node.poll(fd, { readable: true }, cb as never) as PollHandle,
  };
}
