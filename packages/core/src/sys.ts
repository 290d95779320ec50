/**
 * The native calls, through koffi: the three io_uring syscalls, mmap, and the
 * libuv functions Node exports for polling the ring fd. Loaded lazily so that
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
  close(fd: number): number;
  errno(): number;
  /** Whether this is the process's first thread (Node's main thread; a worker is another thread). */
  isMainThread(): boolean;
  /** An ArrayBuffer over native memory, no copy. */
  view(ptr: Pointer, length: number): ArrayBuffer;
  /** The address of a Buffer's or typed array's bytes (its byteOffset included). */
  address(buf: ArrayBufferView | ArrayBuffer): Pointer;
  uv: Libuv;
}

export interface Libuv {
  defaultLoop(): Pointer;
  pollSize: number;
  pollInit(handle: Uint8Array, fd: number): number;
  pollStart(handle: Uint8Array, events: number, cb: unknown): number;
  pollStop(handle: Uint8Array): number;
  ref(handle: Uint8Array): void;
  unref(handle: Uint8Array): void;
  close(handle: Uint8Array, cb: unknown): void;
  /** Register a JS function as the uv_poll_cb of a handle. */
  pollCallback(fn: (handle: Pointer, status: number, events: number) => void): unknown;
  closeCallback(fn: (handle: Pointer) => void): unknown;
  unregister(cb: unknown): void;
}

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 0x01;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MAP_POPULATE = 0x8000;
const MAP_FAILED = 0xffffffffffffffffn;
const UV_POLL = 8; // uv_handle_type
const MADV_HUGEPAGE = 14;
const F_SETPIPE_SZ = 1031;
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
  const gettid = libc.func('int gettid()');
  const madvise = libc.func('int madvise(uint64_t addr, size_t length, int advice)');
  const fcntl = libc.func('int fcntl(int fd, int cmd, int arg)');

  // Node links libuv statically and exports its symbols: look them up in the process itself.
  const self = koffi.load(null as unknown as string);
  const PollCb = koffi.proto('void uring_uv_poll_cb(void *handle, int status, int events)');
  const CloseCb = koffi.proto('void uring_uv_close_cb(void *handle)');
  const uvDefaultLoop = self.func('void *uv_default_loop()');
  const uvHandleSize = self.func('size_t uv_handle_size(int type)');
  const uvPollInit = self.func('int uv_poll_init(void *loop, void *handle, int fd)');
  const uvPollStart = self.func('int uv_poll_start(void *handle, int events, uring_uv_poll_cb *cb)');
  const uvPollStop = self.func('int uv_poll_stop(void *handle)');
  const uvRef = self.func('void uv_ref(void *handle)');
  const uvUnref = self.func('void uv_unref(void *handle)');
  const uvClose = self.func('void uv_close(void *handle, uring_uv_close_cb *cb)');

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
    close: (fd) => close(fd) as number,
    errno: () => koffi.errno(),
    isMainThread: () => gettid() === process.pid,
    view: (ptr, length) => koffi.view(ptr, length) as ArrayBuffer,
    address: (buf) => koffi.address(buf) as Pointer,
    uv: {
      defaultLoop: () => uvDefaultLoop() as Pointer,
      pollSize: Number(uvHandleSize(UV_POLL)),
      pollInit: (handle, fd) => uvPollInit(uvDefaultLoop(), handle, fd) as number,
      pollStart: (handle, events, cb) => uvPollStart(handle, events, cb) as number,
      pollStop: (handle) => uvPollStop(handle) as number,
      ref: (handle) => uvRef(handle),
      unref: (handle) => uvUnref(handle),
      close: (handle, cb) => uvClose(handle, cb),
      pollCallback: (fn) => koffi.register(fn, koffi.pointer(PollCb)),
      closeCallback: (fn) => koffi.register(fn, koffi.pointer(CloseCb)),
      unregister: (cb) => koffi.unregister(cb as never),
    },
  };
}
