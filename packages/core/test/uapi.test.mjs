// Every number in uapi.ts that the installed kernel header (and liburing's, when present) defines
// is compared with what a C compiler says: opcodes, flags, struct sizes and field offsets.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { uapi } from '@uring/core';
import { tempDir } from './helpers.mjs';

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** name in C -> value in TypeScript, for every constant uapi.ts holds. */
function constants() {
  const out = new Map();
  for (const [name, value] of Object.entries(uapi.Opcode)) out.set(`IORING_OP_${name}`, value);
  for (const [name, value] of Object.entries(uapi.Register)) {
    out.set(name.startsWith('UNREGISTER_') ? `IORING_${name}` : `IORING_REGISTER_${name}`, value);
  }
  for (const [name, value] of Object.entries(uapi)) {
    if (typeof value === 'number' && /^(IORING_|IOSQE_|IO_URING_|SPLICE_F_|AT_|STATX_)/.test(name)) out.set(name, value);
  }
  return out;
}

const layout = {
  'struct io_uring_sqe': [uapi.SQE_SIZE, {
    opcode: uapi.SQE.opcode, flags: uapi.SQE.flags, ioprio: uapi.SQE.ioprio, fd: uapi.SQE.fd, off: uapi.SQE.off,
    addr: uapi.SQE.addr, len: uapi.SQE.len, rw_flags: uapi.SQE.opFlags, user_data: uapi.SQE.userData,
    buf_index: uapi.SQE.bufIndex, personality: uapi.SQE.personality, splice_fd_in: uapi.SQE.spliceFdIn, addr3: uapi.SQE.addr3,
  }],
  'struct io_uring_cqe': [uapi.CQE_SIZE, { user_data: uapi.CQE.userData, res: uapi.CQE.res, flags: uapi.CQE.flags }],
  'struct io_uring_params': [uapi.PARAMS_SIZE, {
    sq_entries: uapi.PARAMS.sqEntries, cq_entries: uapi.PARAMS.cqEntries, flags: uapi.PARAMS.flags,
    sq_thread_cpu: uapi.PARAMS.sqThreadCpu, sq_thread_idle: uapi.PARAMS.sqThreadIdle, features: uapi.PARAMS.features,
    wq_fd: uapi.PARAMS.wqFd, sq_off: uapi.PARAMS.sqOff, cq_off: uapi.PARAMS.cqOff,
  }],
  'struct io_sqring_offsets': [40, {
    head: uapi.SQ_OFF.head, tail: uapi.SQ_OFF.tail, ring_mask: uapi.SQ_OFF.ringMask, ring_entries: uapi.SQ_OFF.ringEntries,
    flags: uapi.SQ_OFF.flags, dropped: uapi.SQ_OFF.dropped, array: uapi.SQ_OFF.array,
  }],
  'struct io_cqring_offsets': [40, {
    head: uapi.CQ_OFF.head, tail: uapi.CQ_OFF.tail, ring_mask: uapi.CQ_OFF.ringMask, ring_entries: uapi.CQ_OFF.ringEntries,
    overflow: uapi.CQ_OFF.overflow, cqes: uapi.CQ_OFF.cqes, flags: uapi.CQ_OFF.flags,
  }],
  'struct io_uring_probe': [uapi.PROBE_HEADER_SIZE, {}],
  'struct io_uring_probe_op': [uapi.PROBE_OP_SIZE, {}],
  'struct statx': [uapi.STATX_STRUCT_SIZE, {
    stx_mask: uapi.STATX.mask, stx_blksize: uapi.STATX.blksize, stx_attributes: uapi.STATX.attributes, stx_nlink: uapi.STATX.nlink,
    stx_uid: uapi.STATX.uid, stx_gid: uapi.STATX.gid, stx_mode: uapi.STATX.mode, stx_ino: uapi.STATX.ino, stx_size: uapi.STATX.size,
    stx_blocks: uapi.STATX.blocks, stx_attributes_mask: uapi.STATX.attributesMask, stx_atime: uapi.STATX.atime,
    stx_btime: uapi.STATX.btime, stx_ctime: uapi.STATX.ctime, stx_mtime: uapi.STATX.mtime, stx_rdev_major: uapi.STATX.rdevMajor,
    stx_rdev_minor: uapi.STATX.rdevMinor, stx_dev_major: uapi.STATX.devMajor, stx_dev_minor: uapi.STATX.devMinor,
  }],
  'struct open_how': [uapi.OPEN_HOW_SIZE, {}],
  'struct __kernel_timespec': [uapi.TIMESPEC_SIZE, {}],
  'struct io_uring_buf': [uapi.IO_URING_BUF_SIZE, {}],
};

function check(header, includes) {
  const cc = which('cc') ?? which('gcc');
  const text = fs.readFileSync(header, 'utf8');
  const libc = new Set(['AT_FDCWD', 'AT_SYMLINK_NOFOLLOW', 'AT_REMOVEDIR', 'AT_SYMLINK_FOLLOW', 'AT_EMPTY_PATH', 'AT_STATX_SYNC_AS_STAT', 'STATX_BASIC_STATS', 'STATX_BTIME', 'STATX_ALL']);
  const known = [...constants()].filter(([name]) => libc.has(name) || (!/^(AT|STATX)_/.test(name) && new RegExp(`\\b${name}\\b`).test(text)));
  const lines = [];
  for (const [name] of known) lines.push(`  printf("${name}=%lld\\n", (long long)(${name}));`);
  for (const [struct, [, fields]] of Object.entries(layout)) {
    const tag = struct.replace('struct ', '');
    if (!text.includes(`${struct} {`) && !['statx', 'open_how', '__kernel_timespec'].includes(tag)) continue;
    lines.push(`  printf("sizeof ${tag}=%zu\\n", sizeof(${struct}));`);
    for (const field of Object.keys(fields)) lines.push(`  printf("${tag}.${field}=%zu\\n", offsetof(${struct}, ${field}));`);
  }
  const src = `#define _GNU_SOURCE\n#include <stdio.h>\n#include <stddef.h>\n#include <fcntl.h>\n#include <linux/stat.h>\n#include <linux/openat2.h>\n#include <linux/time_types.h>\n${includes}\nint main(void) {\n${lines.join('\n')}\n  return 0;\n}\n`;
  const dir = tempDir('uring-uapi-');
  try {
    fs.writeFileSync(path.join(dir, 'uapi.c'), src);
    execFileSync(cc, ['-o', path.join(dir, 'uapi'), path.join(dir, 'uapi.c')], { stdio: 'pipe' });
    const out = execFileSync(path.join(dir, 'uapi'), { encoding: 'utf8' });
    const c = new Map(out.trim().split('\n').map((l) => { const i = l.lastIndexOf('='); return [l.slice(0, i), Number(l.slice(i + 1))]; }));
    const ts = new Map(known);
    for (const [struct, [size, fields]] of Object.entries(layout)) {
      const tag = struct.replace('struct ', '');
      ts.set(`sizeof ${tag}`, size);
      for (const [f, off] of Object.entries(fields)) ts.set(`${tag}.${f}`, off);
    }
    const mismatches = [...c].filter(([k, v]) => ts.get(k) !== v).map(([k, v]) => `${k}: C ${v}, TS ${ts.get(k)}`);
    expect(mismatches).to.deep.equal([]);
    return c.size;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('uapi constants match the C headers', () => {
  it('against the kernel header <linux/io_uring.h>', function () {
    if (!which('cc') && !which('gcc')) this.skip();
    const compared = check('/usr/include/linux/io_uring.h', '#include <linux/io_uring.h>');
    expect(compared).to.be.greaterThan(150);
  });

  it("against liburing's header when liburing-dev is installed", function () {
    const header = '/usr/include/liburing/io_uring.h';
    if (!fs.existsSync(header) || (!which('cc') && !which('gcc'))) this.skip();
    expect(check(header, '#include <liburing.h>')).to.be.greaterThan(150);
  });
});
