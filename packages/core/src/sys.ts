/**
 * The native calls, through koffi: the three io_uring syscalls, mmap, and a
 * libuv poll on the ring fd on this thread's loop. Loaded lazily so that
 * merely importing the package never touches the FFI.
 */
import koffi from 'koffi';
import { readFileSync } from 'node:fs';
import { IORING_ENTER_GETEVENTS, SYS_io_uring_enter, SYS_io_uring_register, SYS_io_uring_setup } from './uapi';

/** What koffi gives for a native pointer. */
export type Pointer = bigint;

export interface Native {
  /** io_uring_setup(entries, params): fd or -1 (see errno). */
  setup(entries: number, params: Uint8Array): number;
  /**
   * io_uring_enter(fd, toSubmit, minComplete, flags, arg, argsz): count or -1. `arg` is an address (0 for
   * none, see `address`) whose memory the caller keeps alive.
   */
  enter(fd: number, toSubmit: number, minComplete: number, flags: number, arg: number, argSize: number): number;
  /**
   * io_uring_enter(fd, toSubmit, 0, flags) with no IORING_ENTER_GETEVENTS in `flags`: the kernel then
   * reads neither arg nor argsz, so they are not passed (two conversions fewer, ~60 ns a call).
   */
  submit(fd: number, toSubmit: number, flags: number): number;
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
  /** An ArrayBuffer over native memory, no copy. */
  view(ptr: Pointer, length: number): ArrayBuffer;
  /** The address of a Buffer's or typed array's bytes (its byteOffset included). */
  address(buf: ArrayBufferView | ArrayBuffer): Pointer;
  /** Whether this is the process's first thread (Node's main thread; a worker is another thread). */
  isMainThread(): boolean;
  /**
   * Has Node close `fd` natively when this thread's environment is torn down
   * (napi_add_env_cleanup_hook with close(2) itself as the hook: a terminated
   * worker runs no more JS), or (`on` false) no longer.
   */
  closeAtTeardown(fd: number, on: boolean): void;
  /** Polls `fd` for reading; `cb` runs on this thread with libuv's status (negative on error). Throws on a libuv error. */
  poll(fd: number, cb: (status: number) => void): PollHandle;
}

/** A uv_poll on this thread's libuv loop (from napi_get_uv_event_loop, so a worker polls on its own). */
export interface PollHandle {
  ref(): void;
  unref(): void;
  /** uv_poll_stop and uv_close; libuv frees the handle once the loop lets go of it. */
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

const UV_POLL = 8; // uv_handle_type
const UV_READABLE = 1;
/** uv_handle_t's `flags` (after data, loop, type, close_cb, handle_queue, u, next_closing on LP64) and libuv's UV_HANDLE_REF / UV_HANDLE_INTERNAL bits. */
const UV_HANDLE_FLAGS = 88;
const UV_HANDLE_REF = 0x8;
const UV_HANDLE_INTERNAL = 0x10;
const RTLD_NOW = 2;
const RTLD_NODELETE = 0x1000;

/**
 * A worker unloads the addons it loaded (dlclose) when it ends, and libuv may
 * still call into koffi after that (a poll that fires on the worker's last
 * loop turns). When only workers loaded koffi, that is a call into unmapped
 * code; one more reference with RTLD_NODELETE keeps koffi mapped for the life
 * of the process.
 */
function keepKoffiLoaded(dlopen: (path: string, flags: number) => unknown): void {
  const path = /\s(\/\S*koffi\S*\.node)$/m.exec(readFileSync('/proc/self/maps', 'latin1'))?.[1];
  if (path !== undefined) dlopen(path, RTLD_NOW | RTLD_NODELETE);
}

export function sys(): Native {
  return (native ??= load());
}

function load(): Native {
  const libc = koffi.load('libc.so.6');
  const syscall = libc.func('long syscall(long number, ...)');
  // The hot syscalls get fixed prototypes of syscall(2): koffi parses a variadic call's types on every
  // call (~1-2 us here), a fixed one not at all. All arguments are integers or pointers, which x86_64
  // and aarch64 pass the same way to a variadic function. io_uring_enter's are all `long` (its pointer
  // too, as a number): koffi converts a JS number to a long in ~15 ns, a `void *` even when null in
  // ~80 ns, and a call per op is the floor of a serial await loop (~210 ns here against 310 ns for
  // uint32_t and void * arguments).
  const enter = libc.func('long syscall(long number, long fd, long toSubmit, long minComplete, long flags, long arg, long argSize)');
  const submit = libc.func('long syscall(long number, long fd, long toSubmit, long minComplete, long flags)');
  const register = libc.func('long syscall(long number, int fd, uint32_t opcode, void *arg, uint32_t nrArgs)');
  const mmap = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)');
  const munmap = libc.func('int munmap(void *addr, size_t length)');
  const close = libc.func('int close(int fd)');
  const eventfd = libc.func('int eventfd(unsigned int initval, int flags)');
  const counter = new Uint8Array(new ArrayBuffer(8)); // (its own ArrayBuffer: off the JS heap, it never moves)
  // read(2) through the `submit` prototype of longs (the counter's address as a number; the fifth is unused): a
  // `void *` costs koffi ~80 ns a call, and every wake-up of a ring resets its eventfd. The call names
  // `counter` itself (its length), so that the closure keeps it alive: the address alone would not.
  const counterAddr = Number(koffi.address(counter));
  const SYS_read = process.arch === 'arm64' ? 63 : 0;
  const madvise = libc.func('int madvise(uint64_t addr, size_t length, int advice)');
  const fcntl = libc.func('int fcntl(int fd, int cmd, int arg)');
  const lseek = libc.func('int64_t lseek(int fd, int64_t offset, int whence)');
  const gettid = libc.func('int gettid()');
  // Node exports N-API; dlsym(RTLD_DEFAULT) gives close(2) as a plain function pointer for a cleanup hook.
  const self = koffi.load(null as unknown as string);
  const dlsym = self.func('void *dlsym(void *handle, const char *name)');
  const addHook = self.func('int napi_add_env_cleanup_hook(void *env, void *fun, void *arg)');
  const removeHook = self.func('int napi_remove_env_cleanup_hook(void *env, void *fun, void *arg)');
  const closeFn = dlsym(null, 'close') as Pointer;
  const worker = gettid() !== process.pid;
  if (worker) keepKoffiLoaded(self.func('void *dlopen(const char *path, int flags)'));

  // Node links libuv and exports its symbols; the loop is this thread's (a worker's own).
  const PollCb = koffi.pointer(koffi.proto('void uring_uv_poll_cb(void *handle, int status, int events)'));
  const getLoop = self.func('int napi_get_uv_event_loop(void *env, _Out_ void **loop)');
  const malloc = self.func('void *malloc(size_t size)');
  const free = self.func('void free(void *ptr)');
  const freeFn = dlsym(null, 'free') as Pointer;
  const uvHandleSize = self.func('size_t uv_handle_size(int type)');
  const uvHandleGetLoop = self.func('void *uv_handle_get_loop(void *handle)');
  const uvPollInit = self.func('int uv_poll_init(void *loop, void *handle, int fd)');
  const uvPollStart = self.func('int uv_poll_start(void *handle, int events, uring_uv_poll_cb *cb)');
  const uvPollStop = self.func('int uv_poll_stop(void *handle)');
  const uvPollStopFn = dlsym(null, 'uv_poll_stop') as Pointer;
  const uvRef = self.func('void uv_ref(void *handle)');
  const uvUnref = self.func('void uv_unref(void *handle)');
  const uvClose = self.func('void uv_close(void *handle, void *cb)');
  const pollSize = Number(uvHandleSize(UV_POLL));

  /**
   * A worker's teardown (worker.terminate()) runs no JS, and Node aborts if
   * its loop still has a handle it did not make. So in a worker the poll is
   * stopped natively by an env cleanup hook (uv_poll_stop itself), and marked
   * internal, as libuv's own handles are, so that uv_loop_close passes over it.
   * The handle's memory is malloc'd: it must outlive the worker's JS heap.
   */
  function poll(fd: number, cb: (status: number) => void): PollHandle {
    const out = [null];
    if (getLoop(koffi.node.env, out) !== 0) throw new Error('napi_get_uv_event_loop failed');
    const loop = out[0] as unknown as Pointer;
    const handle = malloc(pollSize) as Pointer;
    if (!handle) throw new Error('out of memory for a uv_poll_t');
    let rc = uvPollInit(loop, handle, fd) as number;
    if (rc !== 0) {
      free(handle);
      throw new Error(`uv_poll_init: uv error ${rc}`);
    }
    let inCallback = false;
    const trampoline = koffi.register((_h: Pointer, status: number) => {
      inCallback = true;
      try {
        cb(status);
      } finally {
        inCallback = false;
      }
    }, PollCb);
    rc = uvPollStart(handle, UV_READABLE, trampoline) as number;
    if (rc !== 0) {
      uvClose(handle, freeFn);
      koffi.unregister(trampoline);
      throw new Error(`uv_poll_start: uv error ${rc}`);
    }
    const flags = new Uint32Array(koffi.view(handle, pollSize) as ArrayBuffer, UV_HANDLE_FLAGS, 1);
    // Only where the layout is the one we know (the loop where uv_handle_get_loop says, REF set by init).
    const internal = worker && uvHandleGetLoop(handle) === loop && (flags[0]! & UV_HANDLE_REF) !== 0;
    if (internal) {
      flags[0]! |= UV_HANDLE_INTERNAL;
      addHook(koffi.node.env, uvPollStopFn, handle);
    }
    return {
      ref: () => uvRef(handle),
      unref: () => uvUnref(handle),
      close: () => {
        if (internal) {
          removeHook(koffi.node.env, uvPollStopFn, handle);
          flags[0]! &= ~UV_HANDLE_INTERNAL;
        }
        uvPollStop(handle);
        uvClose(handle, freeFn); // libuv calls free(handle) when done with it
        // Not from inside the callback itself (which may be what is closing the ring). Otherwise at
        // once: a worker's 'exit' runs no more immediates, and koffi's callbacks are few per process.
        if (inCallback) setImmediate(() => koffi.unregister(trampoline));
        else koffi.unregister(trampoline);
      },
    };
  }


  return {
    setup: (entries, params) => Number(syscall(SYS_io_uring_setup, 'uint32_t', entries, 'void *', params)),
    enter: (fd, toSubmit, minComplete, flags, arg, argSize) => enter(SYS_io_uring_enter, fd, toSubmit, minComplete, flags, arg, argSize) as number,
    submit: (fd, toSubmit, flags) =>
      (flags & IORING_ENTER_GETEVENTS
        ? enter(SYS_io_uring_enter, fd, toSubmit, 0, flags, 0, 0)
        : submit(SYS_io_uring_enter, fd, toSubmit, 0, flags)) as number,
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
    drainEventfd: (fd) => (submit(SYS_read, fd, counterAddr, counter.byteLength, 0) as number) === 8,
    errno: () => koffi.errno(),
    view: (ptr, length) => koffi.view(ptr, length) as ArrayBuffer,
    address: (buf) => koffi.address(buf) as Pointer,
    isMainThread: () => gettid() === process.pid,
    closeAtTeardown: (fd, on) => void (on ? addHook : removeHook)(koffi.node.env, closeFn, BigInt(fd)),
    poll,
  };
}
