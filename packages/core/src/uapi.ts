/**
 * The kernel's io_uring ABI: opcodes, flags and struct offsets, and nothing
 * else. This is the one place these numbers live (mirrors linux/io_uring.h;
 * test/uapi.test.mjs compiles a C program against the installed header and
 * compares every value the header knows).
 */

/** Syscall numbers; the same on x86_64 and aarch64 (the unified table). */
export const SYS_io_uring_setup = 425;
export const SYS_io_uring_enter = 426;
export const SYS_io_uring_register = 427;

/** `enum io_uring_op`, in kernel order. */
export const Opcode = {
  NOP: 0,
  READV: 1,
  WRITEV: 2,
  FSYNC: 3,
  READ_FIXED: 4,
  WRITE_FIXED: 5,
  POLL_ADD: 6,
  POLL_REMOVE: 7,
  SYNC_FILE_RANGE: 8,
  SENDMSG: 9,
  RECVMSG: 10,
  TIMEOUT: 11,
  TIMEOUT_REMOVE: 12,
  ACCEPT: 13,
  ASYNC_CANCEL: 14,
  LINK_TIMEOUT: 15,
  CONNECT: 16,
  FALLOCATE: 17,
  OPENAT: 18,
  CLOSE: 19,
  FILES_UPDATE: 20,
  STATX: 21,
  READ: 22,
  WRITE: 23,
  FADVISE: 24,
  MADVISE: 25,
  SEND: 26,
  RECV: 27,
  OPENAT2: 28,
  EPOLL_CTL: 29,
  SPLICE: 30,
  PROVIDE_BUFFERS: 31,
  REMOVE_BUFFERS: 32,
  TEE: 33,
  SHUTDOWN: 34,
  RENAMEAT: 35,
  UNLINKAT: 36,
  MKDIRAT: 37,
  SYMLINKAT: 38,
  LINKAT: 39,
  MSG_RING: 40,
  FSETXATTR: 41,
  SETXATTR: 42,
  FGETXATTR: 43,
  GETXATTR: 44,
  SOCKET: 45,
  URING_CMD: 46,
  SEND_ZC: 47,
  SENDMSG_ZC: 48,
  READ_MULTISHOT: 49,
  WAITID: 50,
  FUTEX_WAIT: 51,
  FUTEX_WAKE: 52,
  FUTEX_WAITV: 53,
  FIXED_FD_INSTALL: 54,
  FTRUNCATE: 55,
  BIND: 56,
  LISTEN: 57,
  RECV_ZC: 58,
  EPOLL_WAIT: 59,
  READV_FIXED: 60,
  WRITEV_FIXED: 61,
  PIPE: 62,
} as const;
export type OpcodeName = keyof typeof Opcode;
/** Opcode number to name, for errors and probe output. */
export const opcodeName: readonly OpcodeName[] = Object.keys(Opcode) as OpcodeName[];

/** `sqe->flags` (IOSQE_*). */
export const IOSQE_FIXED_FILE = 1 << 0;
export const IOSQE_IO_DRAIN = 1 << 1;
export const IOSQE_IO_LINK = 1 << 2;
export const IOSQE_IO_HARDLINK = 1 << 3;
export const IOSQE_ASYNC = 1 << 4;
export const IOSQE_BUFFER_SELECT = 1 << 5;
export const IOSQE_CQE_SKIP_SUCCESS = 1 << 6;
/** The same flags by name. */
export const IOSQE = {
  FIXED_FILE: IOSQE_FIXED_FILE,
  IO_DRAIN: IOSQE_IO_DRAIN,
  IO_LINK: IOSQE_IO_LINK,
  IO_HARDLINK: IOSQE_IO_HARDLINK,
  ASYNC: IOSQE_ASYNC,
  BUFFER_SELECT: IOSQE_BUFFER_SELECT,
  CQE_SKIP_SUCCESS: IOSQE_CQE_SKIP_SUCCESS,
} as const;

/** `io_uring_params.flags` (IORING_SETUP_*). */
export const IORING_SETUP_IOPOLL = 1 << 0;
export const IORING_SETUP_SQPOLL = 1 << 1;
export const IORING_SETUP_SQ_AFF = 1 << 2;
export const IORING_SETUP_CQSIZE = 1 << 3;
export const IORING_SETUP_CLAMP = 1 << 4;
export const IORING_SETUP_ATTACH_WQ = 1 << 5;
export const IORING_SETUP_R_DISABLED = 1 << 6;
export const IORING_SETUP_SUBMIT_ALL = 1 << 7;
export const IORING_SETUP_COOP_TASKRUN = 1 << 8;
export const IORING_SETUP_TASKRUN_FLAG = 1 << 9;
export const IORING_SETUP_SQE128 = 1 << 10;
export const IORING_SETUP_CQE32 = 1 << 11;
export const IORING_SETUP_SINGLE_ISSUER = 1 << 12;
export const IORING_SETUP_DEFER_TASKRUN = 1 << 13;
export const IORING_SETUP_NO_MMAP = 1 << 14;
export const IORING_SETUP_REGISTERED_FD_ONLY = 1 << 15;
export const IORING_SETUP_NO_SQARRAY = 1 << 16;

/** `io_uring_params.features` (IORING_FEAT_*). */
export const IORING_FEAT_SINGLE_MMAP = 1 << 0;
export const IORING_FEAT_NODROP = 1 << 1;
export const IORING_FEAT_SUBMIT_STABLE = 1 << 2;
export const IORING_FEAT_RW_CUR_POS = 1 << 3;
export const IORING_FEAT_CUR_PERSONALITY = 1 << 4;
export const IORING_FEAT_FAST_POLL = 1 << 5;
export const IORING_FEAT_POLL_32BITS = 1 << 6;
export const IORING_FEAT_SQPOLL_NONFIXED = 1 << 7;
export const IORING_FEAT_EXT_ARG = 1 << 8;
export const IORING_FEAT_NATIVE_WORKERS = 1 << 9;
export const IORING_FEAT_RSRC_TAGS = 1 << 10;
export const IORING_FEAT_CQE_SKIP = 1 << 11;
export const IORING_FEAT_LINKED_FILE = 1 << 12;
export const IORING_FEAT_REG_REG_RING = 1 << 13;

/** `io_uring_enter` flags. */
export const IORING_ENTER_GETEVENTS = 1 << 0;
export const IORING_ENTER_SQ_WAKEUP = 1 << 1;
export const IORING_ENTER_SQ_WAIT = 1 << 2;
export const IORING_ENTER_EXT_ARG = 1 << 3;
export const IORING_ENTER_REGISTERED_RING = 1 << 4;

/** `sq_ring->flags`. */
export const IORING_SQ_NEED_WAKEUP = 1 << 0;
export const IORING_SQ_CQ_OVERFLOW = 1 << 1;
export const IORING_SQ_TASKRUN = 1 << 2;

/** `cq_ring->flags`. */
export const IORING_CQ_EVENTFD_DISABLED = 1 << 0;

/** `cqe->flags`. */
export const IORING_CQE_F_BUFFER = 1 << 0;
export const IORING_CQE_F_MORE = 1 << 1;
export const IORING_CQE_F_SOCK_NONEMPTY = 1 << 2;
export const IORING_CQE_F_NOTIF = 1 << 3;
export const IORING_CQE_F_BUF_MORE = 1 << 4;
export const IORING_CQE_BUFFER_SHIFT = 16;

/** `sqe->fsync_flags`. */
export const IORING_FSYNC_DATASYNC = 1 << 0;

/** `sqe->timeout_flags`. */
export const IORING_TIMEOUT_ABS = 1 << 0;
export const IORING_TIMEOUT_UPDATE = 1 << 1;
export const IORING_TIMEOUT_BOOTTIME = 1 << 2;
export const IORING_TIMEOUT_REALTIME = 1 << 3;
export const IORING_LINK_TIMEOUT_UPDATE = 1 << 4;
export const IORING_TIMEOUT_ETIME_SUCCESS = 1 << 5;
export const IORING_TIMEOUT_MULTISHOT = 1 << 6;

/** `sqe->splice_flags`: splice_fd_in is a registered file. */
export const SPLICE_F_FD_IN_FIXED = 0x80000000;

/** `sqe->cancel_flags` (IORING_ASYNC_CANCEL_*). */
export const IORING_ASYNC_CANCEL_ALL = 1 << 0;
export const IORING_ASYNC_CANCEL_FD = 1 << 1;
export const IORING_ASYNC_CANCEL_ANY = 1 << 2;
export const IORING_ASYNC_CANCEL_FD_FIXED = 1 << 3;
export const IORING_ASYNC_CANCEL_USERDATA = 1 << 4;
export const IORING_ASYNC_CANCEL_OP = 1 << 5;

/** POLL_ADD / POLL_REMOVE flags carried in `sqe->len`. */
export const IORING_POLL_ADD_MULTI = 1 << 0;
export const IORING_POLL_UPDATE_EVENTS = 1 << 1;
export const IORING_POLL_UPDATE_USER_DATA = 1 << 2;
export const IORING_POLL_ADD_LEVEL = 1 << 3;

/** send/recv flags carried in `sqe->ioprio`. */
export const IORING_RECVSEND_POLL_FIRST = 1 << 0;
export const IORING_RECV_MULTISHOT = 1 << 1;
export const IORING_RECVSEND_FIXED_BUF = 1 << 2;
export const IORING_SEND_ZC_REPORT_USAGE = 1 << 3;
export const IORING_RECVSEND_BUNDLE = 1 << 4;

/** accept flags carried in `sqe->ioprio`. */
export const IORING_ACCEPT_MULTISHOT = 1 << 0;

/** MSG_RING commands (sqe->addr) and flags. */
export const IORING_MSG_DATA = 0;
export const IORING_MSG_SEND_FD = 1;
export const IORING_MSG_RING_CQE_SKIP = 1 << 0;
export const IORING_MSG_RING_FLAGS_PASS = 1 << 1;

/** URING_CMD's cmd_op on a socket (6.7+): the amount in the receive or send queue, get/setsockopt. */
export const SOCKET_URING_OP_SIOCINQ = 0;
export const SOCKET_URING_OP_SIOCOUTQ = 1;
export const SOCKET_URING_OP_GETSOCKOPT = 2;
export const SOCKET_URING_OP_SETSOCKOPT = 3;

/** open(2)/pipe2(2) flag, from <asm-generic/fcntl.h> (x86-64 and arm64). */
export const O_CLOEXEC = 0o2000000;
/** FIXED_FD_INSTALL's flag: the installed fd is not close-on-exec. */
export const IORING_FIXED_FD_NO_CLOEXEC = 1 << 0;

/** `sqe->file_index` value asking the kernel to pick a free fixed-file slot. */
export const IORING_FILE_INDEX_ALLOC = 0xffffffff;

/** io_uring_register opcodes. */
export const Register = {
  BUFFERS: 0,
  UNREGISTER_BUFFERS: 1,
  FILES: 2,
  UNREGISTER_FILES: 3,
  EVENTFD: 4,
  UNREGISTER_EVENTFD: 5,
  FILES_UPDATE: 6,
  EVENTFD_ASYNC: 7,
  PROBE: 8,
  PERSONALITY: 9,
  UNREGISTER_PERSONALITY: 10,
  RESTRICTIONS: 11,
  ENABLE_RINGS: 12,
  FILES2: 13,
  FILES_UPDATE2: 14,
  BUFFERS2: 15,
  BUFFERS_UPDATE: 16,
  IOWQ_AFF: 17,
  UNREGISTER_IOWQ_AFF: 18,
  IOWQ_MAX_WORKERS: 19,
  RING_FDS: 20,
  UNREGISTER_RING_FDS: 21,
  PBUF_RING: 22,
  UNREGISTER_PBUF_RING: 23,
  SYNC_CANCEL: 24,
  FILE_ALLOC_RANGE: 25,
  PBUF_STATUS: 26,
  NAPI: 27,
  UNREGISTER_NAPI: 28,
  CLOCK: 29,
  CLONE_BUFFERS: 30,
  SEND_MSG_RING: 31,
  ZCRX_IFQ: 32,
  RESIZE_RINGS: 33,
  MEM_REGION: 34,
} as const;

/** `io_uring_rsrc_register.flags`: a sparse table (no fd array). */
export const IORING_RSRC_REGISTER_SPARSE = 1 << 0;
/** `io_uring_probe_op.flags`. */
export const IO_URING_OP_SUPPORTED = 1 << 0;

/** mmap offsets of the ring regions. */
export const IORING_OFF_SQ_RING = 0;
export const IORING_OFF_CQ_RING = 0x8000000;
export const IORING_OFF_SQES = 0x10000000;

/** struct io_uring_sqe: 64 bytes. Field byte offsets. */
export const SQE_SIZE = 64;
export const SQE = {
  opcode: 0, // u8
  flags: 1, // u8
  ioprio: 2, // u16
  fd: 4, // s32
  off: 8, // u64, also addr2, cmd_op
  addr: 16, // u64, also splice_off_in
  len: 24, // u32
  opFlags: 28, // u32: rw_flags, fsync_flags, poll32_events, open_flags, timeout_flags, ...
  userData: 32, // u64
  bufIndex: 40, // u16, also buf_group
  personality: 42, // u16
  spliceFdIn: 44, // s32, also file_index, optlen, addr_len (u16)
  addr3: 48, // u64
} as const;

/** struct io_uring_cqe: 16 bytes. */
export const CQE_SIZE = 16;
export const CQE = { userData: 0, res: 8, flags: 12 } as const;

/** struct io_uring_params: 120 bytes. */
export const PARAMS_SIZE = 120;
export const PARAMS = {
  sqEntries: 0,
  cqEntries: 4,
  flags: 8,
  sqThreadCpu: 12,
  sqThreadIdle: 16,
  features: 20,
  wqFd: 24,
  sqOff: 40,
  cqOff: 80,
} as const;
/** struct io_sqring_offsets: u32 fields, from PARAMS.sqOff. */
export const SQ_OFF = { head: 0, tail: 4, ringMask: 8, ringEntries: 12, flags: 16, dropped: 20, array: 24 } as const;
/** struct io_cqring_offsets: u32 fields, from PARAMS.cqOff. */
export const CQ_OFF = { head: 0, tail: 4, ringMask: 8, ringEntries: 12, overflow: 16, cqes: 20, flags: 24 } as const;

/** struct io_uring_probe: 16-byte header, then 8-byte io_uring_probe_op entries. */
export const PROBE_HEADER_SIZE = 16;
export const PROBE_OP_SIZE = 8;

/** struct statx: 256 bytes. Field byte offsets. */
export const STATX_STRUCT_SIZE = 256;
export const STATX = {
  mask: 0, // u32
  blksize: 4, // u32
  attributes: 8, // u64
  nlink: 16, // u32
  uid: 20, // u32
  gid: 24, // u32
  mode: 28, // u16
  ino: 32, // u64
  size: 40, // u64
  blocks: 48, // u64
  attributesMask: 56, // u64
  atime: 64, // statx_timestamp { s64 tv_sec; u32 tv_nsec; s32 pad } = 16 bytes
  btime: 80,
  ctime: 96,
  mtime: 112,
  rdevMajor: 128, // u32
  rdevMinor: 132,
  devMajor: 136,
  devMinor: 140,
} as const;
export const STATX_BASIC_STATS = 0x7ff;
export const STATX_BTIME = 0x800;
export const STATX_ALL = 0xfff;

/** struct open_how (openat2): u64 flags, u64 mode, u64 resolve. */
export const OPEN_HOW_SIZE = 24;
/** struct __kernel_timespec: s64 tv_sec, s64 tv_nsec. */
export const TIMESPEC_SIZE = 16;
/** struct iovec: void *base, size_t len. */
export const IOVEC_SIZE = 16;
/** struct io_uring_buf (a provided-buffer-ring entry): u64 addr, u32 len, u16 bid, u16 resv/tail. */
export const IO_URING_BUF_SIZE = 16;

/** Flags from fcntl.h and friends that ops take. */
export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_EMPTY_PATH = 0x1000;
export const AT_STATX_SYNC_AS_STAT = 0;
