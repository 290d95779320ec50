/** GETXATTR, FGETXATTR, SETXATTR, FSETXATTR. */
import type { OpSpec } from '../op';
import { prepRw, setAddr3, setOpFlags } from '../sqe';
import { Opcode } from '../uapi';
import { cPath, pathString, validateBuffer, validateFd, validateUint32 } from '../validate';
import { addressOf } from './common';
import type { PathLike } from './path';

function xattr(
  opcode: number,
  syscall: string,
  target: { fd: number } | { path: PathLike },
  name: string,
  value: ArrayBufferView,
  flags: number,
): OpSpec<number> {
  const n = cPath(name, 'name');
  validateBuffer(value, 'value');
  validateUint32(flags, 'flags');
  const p = 'path' in target ? cPath(target.path) : undefined;
  const fd = 'fd' in target ? validateFd(target.fd) : 0;
  const nAddr = addressOf(n);
  const vAddr = addressOf(value);
  const pAddr = p ? addressOf(p) : 0;
  return {
    opcode,
    syscall,
    path: 'path' in target ? pathString(target.path) : undefined,
    keep: [n, value, p],
    prep(v, o) {
      // name in addr, value in off (addr2), size in len, path in addr3.
      prepRw(v, o, opcode, fd, nAddr, value.byteLength, vAddr);
      setOpFlags(v, o, flags);
      if (p) setAddr3(v, o, pAddr);
    },
  };
}

/** getxattr(2) into `value`; resolves with the attribute's size. */
export function getxattr(path: PathLike, name: string, value: ArrayBufferView): OpSpec<number> {
  return xattr(Opcode.GETXATTR, 'getxattr', { path }, name, value, 0);
}

export function fgetxattr(fd: number, name: string, value: ArrayBufferView): OpSpec<number> {
  return xattr(Opcode.FGETXATTR, 'fgetxattr', { fd }, name, value, 0);
}

/** setxattr(2); `flags` XATTR_CREATE (1) or XATTR_REPLACE (2). */
export function setxattr(path: PathLike, name: string, value: ArrayBufferView, flags = 0): OpSpec<number> {
  return xattr(Opcode.SETXATTR, 'setxattr', { path }, name, value, flags);
}

export function fsetxattr(fd: number, name: string, value: ArrayBufferView, flags = 0): OpSpec<number> {
  return xattr(Opcode.FSETXATTR, 'fsetxattr', { fd }, name, value, flags);
}
