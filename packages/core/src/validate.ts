/** Argument checks with Node's error codes and messages, before anything reaches the kernel. */
import { invalidArgType, invalidArgValue, outOfRange } from './errors';

export function validateInteger(value: unknown, name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/** A file descriptor: an int32 >= 0 (Node's validateInt32(fd, 'fd', 0)). */
export function validateFd(fd: unknown, name = 'fd'): number {
  return validateInteger(fd, name, 0, 2 ** 31 - 1);
}

/** A directory fd for the *at ops: an fd, or AT_FDCWD (-100). */
export function validateDirFd(fd: unknown, name = 'dirfd'): number {
  return validateInteger(fd, name, -100, 2 ** 31 - 1);
}

export function validateUint32(value: unknown, name: string): number {
  return validateInteger(value, name, 0, 0xffffffff);
}

/** A file offset: a safe integer or bigint >= -1 (-1 means the current position). */
export function validatePosition(value: unknown, name = 'position'): number | bigint {
  // (The common case first and small, so it inlines into every read and write.)
  if (typeof value === 'number' && value >= -1 && value <= Number.MAX_SAFE_INTEGER && Math.floor(value) === value) return value;
  return checkPosition(value, name);
}

function checkPosition(value: unknown, name: string): number | bigint {
  if (typeof value === 'bigint') {
    if (value < -1n || value > 2n ** 63n - 1n) throw outOfRange(name, `>= -1 && <= ${2n ** 63n - 1n}`, value);
    return value;
  }
  if (typeof value !== 'number') throw invalidArgType(name, ['integer', 'bigint'], value);
  return validateInteger(value, name, -1);
}

export function validateBuffer(buffer: unknown, name = 'buffer'): ArrayBufferView {
  if (!ArrayBuffer.isView(buffer)) throw invalidArgType(name, ['Buffer', 'TypedArray', 'DataView'], buffer);
  if (buffer.byteLength === 0 && isDetached(buffer.buffer as ArrayBuffer)) throw invalidArgValue(name, buffer, 'is detached');
  return buffer;
}

/** Node 20's V8 has no ArrayBuffer#detached: a detached buffer refuses to back a new view. */
function isDetached(ab: ArrayBuffer): boolean {
  if ((ab as { detached?: boolean }).detached !== undefined) return (ab as { detached?: boolean }).detached === true;
  try {
    new Uint8Array(ab);
    return false;
  } catch {
    return true;
  }
}

export function validateFunction(value: unknown, name: string): void {
  if (typeof value !== 'function') throw invalidArgType(name, 'Function', value);
}

export function validateAbortSignal(signal: unknown, name = 'options.signal'): void {
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
    throw invalidArgType(name, 'AbortSignal', signal);
  }
}

/** A path as the kernel wants it: NUL-terminated bytes, with no NUL inside. */
export function cPath(path: unknown, name = 'path'): Buffer {
  let bytes: Buffer;
  if (typeof path === 'string') bytes = Buffer.from(path, 'utf8');
  else if (path instanceof Uint8Array) bytes = Buffer.from(path.buffer, path.byteOffset, path.byteLength);
  else if (path instanceof URL && path.protocol === 'file:') bytes = Buffer.from(decodeURIComponent(path.pathname), 'utf8');
  else throw invalidArgType(name, ['string', 'Buffer', 'URL'], path);
  if (bytes.includes(0)) throw invalidArgValue(name, path, 'must be a string, Uint8Array, or URL without null bytes');
  const out = Buffer.allocUnsafe(bytes.length + 1);
  bytes.copy(out);
  out[bytes.length] = 0;
  return out;
}

/** The path as it appears in error messages. */
export function pathString(path: string | Buffer | URL): string {
  if (typeof path === 'string') return path;
  if (path instanceof URL) return decodeURIComponent(path.pathname);
  return Buffer.from(path).toString('utf8');
}

/** A deadline in ms: a finite number >= 0 (Node's checks, as AbortSignal.timeout makes them). */
export function validateTimeout(value: unknown, name = 'options.timeout'): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'number', value);
  if (!(value >= 0) || !Number.isFinite(value)) throw outOfRange(name, 'a finite number >= 0', value);
  return value;
}
