/**
 * @uring/fs/promises: the exports of node:fs/promises, with the calls that
 * have an io_uring op going through the ring, and the rest (and any input
 * Node would reject, and every call where io_uring is unavailable) going to
 * node:fs/promises itself, so results and errors are Node's.
 */
import fs from 'node:fs';
import node from 'node:fs/promises';
import { op, uapi, type Ring } from '@uring/core';
import { encodingOf, nextTurn, O_CLOEXEC, pendingSignal, parseFlags, parseMode, plainPath, statsFromRaw, throwIfAborted, toStats } from './compat';
import { adoptNodeFileHandle, FileHandle } from './filehandle';
import { readSmallFile, writeSmallFile } from './readfile';
import { baseRing, ringOrNode } from './ring';

export const constants = fs.constants;

const isObj = (o: unknown): o is Record<string, unknown> => o !== null && typeof o === 'object';
/** Options of a kind Node takes: nothing, a function (as nothing), an encoding or an object; Node rejects anything else itself. */
const nodeTakes = (o: unknown) => o === undefined || o === null || typeof o === 'string' || typeof o === 'object' || typeof o === 'function';

/** The ring and the path as a string, when this call can take the ring path. */
function fast(path: unknown): [Ring, string] | undefined {
  const ring = ringOrNode();
  if (ring === undefined) return undefined;
  const p = plainPath(path);
  return p === undefined ? undefined : [ring, p];
}

export async function open(path: fs.PathLike, flags?: string | number, mode?: fs.Mode): Promise<FileHandle> {
  const f = fast(path);
  const fl = parseFlags(flags, fs.constants.O_RDONLY);
  const md = parseMode(mode, 0o666);
  if (!f || fl === undefined || md === undefined || !(await adoptNodeFileHandle())) return (await node.open(path, flags, mode)) as unknown as FileHandle;
  const [ring, p] = f;
  const fd = await ring.submit(op.openat(p, fl | O_CLOEXEC, md));
  return new FileHandle(fd, baseRing(ring));
}

// stat and lstat return the ring's promise itself (no async frame): they are called by the thousand.
export function stat(path: fs.PathLike, options?: fs.StatOptions): Promise<fs.Stats | fs.BigIntStats> {
  return statx(path, options, STAT);
}

export function lstat(path: fs.PathLike, options?: fs.StatOptions): Promise<fs.Stats | fs.BigIntStats> {
  return statx(path, options, LSTAT);
}

const STAT = { flags: 0, syscall: 'stat' } as const;
const LSTAT = { flags: uapi.AT_SYMLINK_NOFOLLOW, syscall: 'lstat' } as const;

function statx(path: fs.PathLike, options: fs.StatOptions | undefined, how: typeof STAT | typeof LSTAT): Promise<fs.Stats | fs.BigIntStats> {
  try {
    const ring = ringOrNode();
    const p = ring === undefined ? undefined : plainPath(path);
    // `signal` and `throwIfNoEntry` (stat and lstat take them on Node 26; earlier lines ignore them): Node's own, on every line.
    // So is an array (Node 26 rejects it, earlier lines stat the file).
    const plain = options === undefined || (isObj(options) && !Array.isArray(options) && options.signal === undefined && options.throwIfNoEntry === undefined);
    if (p === undefined || !plain) return node[how.syscall](path, options);
    if (options?.bigint !== true) return ring!.submit(op.statxWith(p, statsFromRaw, how));
    return ring!.submit(op.statx(p, how)).then((s) => toStats(s, true));
  } catch (err) {
    return Promise.reject(err);
  }
}

export async function rename(oldPath: fs.PathLike, newPath: fs.PathLike): Promise<void> {
  const a = fast(oldPath);
  const b = plainPath(newPath);
  if (!a || b === undefined) return node.rename(oldPath, newPath);
  await a[0].submit(op.renameat(a[1], b));
}

export async function link(existingPath: fs.PathLike, newPath: fs.PathLike): Promise<void> {
  const a = fast(existingPath);
  const b = plainPath(newPath);
  if (!a || b === undefined) return node.link(existingPath, newPath);
  await a[0].submit(op.linkat(a[1], b));
}

export async function symlink(target: fs.PathLike, path: fs.PathLike, type?: string | null): Promise<void> {
  const t = fast(target);
  const p = plainPath(path);
  if (!t || p === undefined || (type !== undefined && type !== null && type !== 'file' && type !== 'dir' && type !== 'junction')) {
    return node.symlink(target, path, type);
  }
  await t[0].submit(op.symlinkat(t[1], p));
}

export async function unlink(path: fs.PathLike): Promise<void> {
  const f = fast(path);
  if (!f) return node.unlink(path);
  await f[0].submit(op.unlinkat(f[1]));
}

export async function rmdir(path: fs.PathLike, options?: fs.RmDirOptions): Promise<void> {
  const f = fast(path);
  if (!f || options !== undefined) return node.rmdir(path, options);
  await f[0].submit(op.unlinkat(f[1], { flags: uapi.AT_REMOVEDIR }));
}

export async function mkdir(path: fs.PathLike, options?: fs.Mode | fs.MakeDirectoryOptions | null): Promise<string | undefined> {
  const f = fast(path);
  const o = isObj(options) ? options : { mode: options ?? undefined };
  const mode = parseMode((o as { mode?: unknown }).mode, 0o777);
  if (!f || mode === undefined || (o as fs.MakeDirectoryOptions).recursive !== undefined && (o as fs.MakeDirectoryOptions).recursive !== false) {
    return node.mkdir(path, options as fs.MakeDirectoryOptions);
  }
  await f[0].submit(op.mkdirat(f[1], mode));
  return undefined;
}

export async function truncate(path: fs.PathLike, len = 0): Promise<void> {
  const f = fast(path);
  if (!f || typeof len !== 'number' || !Number.isInteger(len)) return node.truncate(path, len);
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(len);
  } finally {
    await handle.close();
  }
}

export function readFile(path: fs.PathLike | FileHandle, options?: unknown): Promise<string | Buffer> {
  // The hot path - a string path, no flag or signal - returns the ring's promise itself.
  if (typeof path === 'string' && (options === undefined || typeof options === 'string' || (isObj(options) && options.flag === undefined && options.signal === undefined && options.buffer === undefined))) {
    const encoding = encodingOf(options, null);
    const ring = encoding === undefined ? undefined : ringOrNode();
    const p = ring && plainPath(path);
    const read = p ? readSmallFile(ring!, p, fs.constants.O_RDONLY, encoding!) : undefined;
    if (read) return read;
  }
  return readFileAny(path, options);
}

async function readFileAny(path: fs.PathLike | FileHandle, options?: unknown): Promise<string | Buffer> {
  if (!nodeTakes(options)) return node.readFile(path as fs.PathLike, options as never);
  const encoding = encodingOf(options, null);
  const o = (isObj(options) ? options : {}) as { flag?: unknown; signal?: AbortSignal; buffer?: unknown };
  const flags = parseFlags(o.flag, fs.constants.O_RDONLY);
  const ring = ringOrNode();
  const signal = o.signal;
  // A `buffer` to read into (Node 26; earlier lines ignore it): Node's own, on every line.
  const plain = encoding !== undefined && flags !== undefined && o.buffer === undefined && (signal === undefined || (isObj(signal) && 'aborted' in signal));
  if (ring && plain && path instanceof FileHandle) {
    throwIfAborted(signal);
    return path.readFile({ encoding, signal });
  }
  const f = fast(path);
  if (!ring || !plain || !f) return node.readFile(path as fs.PathLike, options as never);
  if (pendingSignal(options)) await nextTurn(); // (see pendingSignal)
  throwIfAborted(signal);
  const data =
      ((await readSmallFile(ring, f![1], flags!, null, signal)) as Buffer | undefined) ??
      (await (async () => {
        const h = await open(f![1], flags);
        try {
          return (await h.readFile({ signal })) as Buffer;
        } finally {
          await h.close();
        }
      })());
  return encoding ? data.toString(encoding) : data;
}

function write(path: fs.PathLike | FileHandle, data: unknown, options: unknown, defaultFlag: 'w' | 'a', nodeFn: (...args: never[]) => Promise<void>): Promise<void> {
  // The hot path - a string path, string or bytes, no options beyond an encoding - returns the ring's promise itself.
  if (typeof path === 'string' && (options === undefined || typeof options === 'string') && (typeof data === 'string' || ArrayBuffer.isView(data))) {
    const encoding = encodingOf(options, 'utf8');
    const ring = encoding ? ringOrNode() : undefined;
    const p = ring && plainPath(path);
    if (p) {
      const bytes = typeof data === 'string' ? Buffer.from(data, encoding!) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const done = writeSmallFile(ring!, p, parseFlags(defaultFlag, 0)!, 0o666, bytes);
      if (done) return done;
    }
  }
  return writeAny(path, data, options, defaultFlag, nodeFn);
}

async function writeAny(path: fs.PathLike | FileHandle, data: unknown, options: unknown, defaultFlag: string, nodeFn: (...args: never[]) => Promise<void>): Promise<void> {
  // On a handle, flag and mode mean nothing: its writeFile is Node's (data, encoding, signal).
  if (path instanceof FileHandle) return path.writeFile(data, options as never);
  if (!nodeTakes(options)) return (nodeFn as (...a: unknown[]) => Promise<void>)(path, data, options);
  const o = (isObj(options) ? options : {}) as { flag?: unknown; mode?: unknown; signal?: AbortSignal; flush?: unknown };
  const encoding = encodingOf(options, 'utf8');
  const flags = parseFlags(o.flag ?? defaultFlag, 0);
  const mode = parseMode(o.mode, 0o666);
  const signal = o.signal;
  const ring = ringOrNode();
  const bytes = typeof data === 'string' && encoding ? Buffer.from(data, encoding) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
  // flush: true is Node's own (an fsync before the close); anything but a boolean Node rejects.
  const plain = ring && bytes && flags !== undefined && mode !== undefined && (o.flush === undefined || o.flush === false) && (signal === undefined || (isObj(signal) && 'aborted' in signal));
  const f = fast(path);
  if (!plain || !f) return (nodeFn as (...a: unknown[]) => Promise<void>)(path, data, options);
  throwIfAborted(signal);
  if (bytes!.length === 0 && (flags! & 3) === fs.constants.O_RDONLY) {
    // Node opens, writes nothing and closes: no error for a file opened read-only (3 is O_ACCMODE).
    await (await open(f[1], flags, mode)).close();
    return;
  }
  // A live signal takes Node's steps, so an abort lands where it lands on Node (see pendingSignal): the open, then
  // the handle's writes with the checks between them. Else one chain, or this too when the fixed-file table is full.
  const done = pendingSignal(options) ? undefined : writeSmallFile(f[0], f[1], flags!, mode!, bytes!, signal);
  if (done) return done;
  const h = await open(f[1], flags, mode);
  try {
    await h.writeFile(bytes!, { signal });
  } finally {
    await h.close();
  }
}

export function writeFile(path: fs.PathLike | FileHandle, data: unknown, options?: unknown): Promise<void> {
  return write(path, data, options, 'w', node.writeFile);
}

export function appendFile(path: fs.PathLike | FileHandle, data: unknown, options?: unknown): Promise<void> {
  return write(path, data, options, 'a', node.appendFile);
}

export { copyFile } from './copy';

// Calls io_uring has no op for: Node's own.
export const access = node.access;
export const cp = node.cp;
export const opendir = node.opendir;
export const rm = node.rm;
export const readdir = node.readdir;
export const readlink = node.readlink;
export const statfs = node.statfs;
export const chmod = node.chmod;
export const lchmod = node.lchmod;
export const lchown = node.lchown;
export const chown = node.chown;
export const utimes = node.utimes;
export const lutimes = node.lutimes;
export const realpath = node.realpath;
export const mkdtemp = node.mkdtemp;
export const watch = node.watch;
