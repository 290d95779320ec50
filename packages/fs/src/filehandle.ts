/**
 * FileHandle on the ring: the same methods, results and errors as Node's,
 * with read/write/readv/writev/stat/sync/datasync/truncate/close as io_uring
 * ops. In-flight ops are counted; close waits for them, so a reused fd never
 * receives a stale op.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { promisify } from 'node:util';
import { addressOf, codedError, invalidArgType, invalidArgValue, op, Opcode, outOfRange, sqe, systemError, uapi, validate, type OpSpec, type Ring } from '@uring/core';
import { nextTurn, throwIfAborted, toStats } from './compat';
import { nodeLine } from './node';
import { kernelHas } from './ring';

const kEmpty = Object.freeze({});

function closedError(syscall: string): Error {
  const err = new Error('file closed') as Error & { code: string; syscall: string };
  err.code = 'EBADF';
  err.syscall = syscall;
  return err;
}

/** Node's ERR_INTERNAL_ASSERTION, which its FileHandle methods throw when called on anything else. */
function notAHandle(): Error {
  return codedError(Error, 'ERR_INTERNAL_ASSERTION', 'handle must be an instance of FileHandle\nThis is caused by either a bug in Node.js or incorrect usage of Node.js internals.\nPlease open an issue with this stack trace at https://github.com/nodejs/node/issues\n');
}

/** Node's isCustomIterable: an iterable or async iterable (a stream too) that is neither a string nor bytes. */
const isCustomIterable = (data: unknown): data is Iterable<unknown> | AsyncIterable<unknown> =>
  data != null && typeof data !== 'string' && !ArrayBuffer.isView(data) &&
  (typeof (data as Iterable<unknown>)[Symbol.iterator] === 'function' || typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function');

/** Node's writeFile writes in chunks of this size, checking its signal between them. */
const WRITE_CHUNK = 512 * 1024;

/**
 * When the garbage collector takes an open FileHandle, Node closes its fd and
 * warns (DEP0137 once per process), or from Node 26 on throws
 * ERR_INVALID_STATE as an uncaught exception (see nodeLine.gcCloseThrows).
 */
let warnedDep0137 = false;
const collected = new FinalizationRegistry<{ fd: number; path: string | undefined }>(({ fd, path }) => {
  try {
    fs.closeSync(fd);
  } catch {
    // (already closed behind our back: nothing to do)
  }
  setImmediate(() => {
    if (nodeLine.gcCloseThrows) {
      const err = new Error(
        'A FileHandle object was closed during garbage collection. This used to be allowed with a deprecation warning but is now considered an error. ' +
          `Please close FileHandle objects explicitly. File descriptor: ${fd}${path === undefined ? '' : ` (${path})`}`,
      ) as Error & { code: string };
      err.code = 'ERR_INVALID_STATE';
      throw err;
    }
    process.emitWarning(`Closing file descriptor ${fd} on garbage collection`);
    if (warnedDep0137) return;
    warnedDep0137 = true;
    process.emitWarning(
      'Closing a FileHandle object on garbage collection is deprecated. Please close FileHandle objects explicitly using FileHandle.prototype.close(). In the future, an error will be thrown if a file descriptor is closed during garbage collection.',
      'DeprecationWarning',
      'DEP0137',
    );
  }).unref();
});

function validateOffsetLengthRead(offset: number, length: number, bufferLength: number): void {
  if (offset < 0) throw outOfRange('offset', '>= 0', offset);
  if (length < 0) throw outOfRange('length', '>= 0', length);
  if (offset + length > bufferLength) throw outOfRange('length', `<= ${bufferLength - offset}`, length);
}

/**
 * FileHandle.read's position, -1 for "the current one". Node 22 on checks it
 * (an integer or a bigint >= -1, and a bigint that leaves room for `length`);
 * Node 20 takes a safe integer >= 0 and reads at the current position for
 * anything else (see nodeLine.fileHandleReadValidatesPosition).
 */
function readPosition(position: unknown, length: number): number | bigint {
  if (!nodeLine.fileHandleReadValidatesPosition) return Number.isSafeInteger(position) && (position as number) >= 0 ? (position as number) : -1;
  if (position === null || position === undefined) return -1;
  if (typeof position === 'number') return validate.validateInteger(position, 'position', -1);
  if (typeof position !== 'bigint') throw invalidArgType('position', ['integer', 'bigint'], position);
  const max = 2n ** 63n - 1n - BigInt(length);
  if (!(position >= -1n && position <= max)) throw outOfRange('position', `>= -1 && <= ${max}`, position);
  return position;
}

/** The `(buffer, { offset, length, position })` overloads of read and write, with Node's defaults. */
function fromOptions(options: object, buffer: ArrayBufferView): { offset: unknown; length: unknown; position: unknown } {
  const o = options as { offset?: number; length?: number; position?: unknown };
  const offset = o.offset ?? 0;
  return { offset, length: o.length ?? buffer.byteLength - offset, position: o.position ?? null };
}

const asU8 = (b: ArrayBufferView, offset: number, length: number) => new Uint8Array(b.buffer, b.byteOffset + offset, length);

/** FileHandle's hook for its in-flight count (module-private). */
const kSettled = Symbol('settled');

/**
 * READ or WRITE of bytes [offset, offset + length) of `keep` at `position`,
 * whose completion is FileHandle.read/write's result itself: one small object
 * per call (no view, no closures, no async frames), as they run in tight loops.
 */
class RwAt implements OpSpec<{ bytesRead: number; buffer: unknown } | { bytesWritten: number; buffer: unknown }> {
  constructor(
    readonly handle: FileHandle,
    readonly opcode: number,
    readonly fd: number,
    readonly keep: ArrayBufferView,
    readonly offset: number,
    readonly length: number,
    readonly position: number | bigint,
    /** What the result's `buffer` is: the caller's buffer or string. */
    readonly out: unknown,
  ) {}
  get syscall(): string {
    return this.opcode === Opcode.READ ? 'read' : 'write';
  }
  prep(v: DataView, o: number): void {
    sqe.prepRw(v, o, this.opcode, this.fd, addressOf(this.keep) + this.offset, this.length, this.position);
  }
  complete(res: number): { bytesRead: number; buffer: unknown } | { bytesWritten: number; buffer: unknown } {
    this.handle[kSettled]();
    if (res < 0) throw systemError(res, this.syscall);
    return this.opcode === Opcode.READ ? { bytesRead: res, buffer: this.out } : { bytesWritten: res, buffer: this.out };
  }
  discard(): void {
    this.handle[kSettled]();
  }
}

export class FileHandle extends EventEmitter {
  #fd: number;
  readonly #ring: Ring;
  #inflight = 0;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  /** `path`: what it was opened as, for the error Node 26 throws if it is left to the garbage collector. */
  constructor(fd: number, ring: Ring, path?: string) {
    super();
    this.#fd = fd;
    this.#ring = ring;
    collected.register(this, { fd, path }, this);
  }

  /** Node's check, first thing in each method: `h` is a FileHandle (ERR_INTERNAL_ASSERTION otherwise). */
  static #check(h: unknown): void {
    if (typeof h !== 'object' || h === null || !(#fd in h)) throw notAHandle();
  }

  /** The fd, or -1 once closed (as Node's). */
  get fd(): number {
    return this.#fd;
  }

  /** Runs one op on this handle's fd, counted so close waits for it. */
  async #op<T>(syscall: string, build: (fd: number) => OpSpec<T>): Promise<T> {
    if (this.#fd === -1 || this.#closing) throw closedError(syscall);
    this.#inflight++;
    try {
      return await this.#ring.submit(build(this.#fd));
    } finally {
      if (--this.#inflight === 0) this.#drained?.();
    }
  }

  /** A READ or WRITE counted like #op's, settled by its RwAt (see there). */
  #rw<T>(opcode: number, buffer: ArrayBufferView, offset: number, length: number, position: number | bigint, out: unknown): Promise<T> {
    if (this.#fd === -1 || this.#closing) return Promise.reject(closedError(opcode === Opcode.READ ? 'read' : 'write'));
    this.#inflight++;
    try {
      return this.#ring.submit(new RwAt(this, opcode, this.#fd, buffer, offset, length, position, out)) as Promise<T>;
    } catch (err) {
      this[kSettled]();
      return Promise.reject(err);
    }
  }

  /** @internal An op counted in #inflight is done. */
  [kSettled](): void {
    if (--this.#inflight === 0) this.#drained?.();
  }

  /** Runs a Node fd call (for what io_uring has no op for), counted the same way. */
  async #node<T>(syscall: string, fn: (fd: number) => Promise<T>): Promise<T> {
    if (this.#fd === -1 || this.#closing) throw closedError(syscall);
    this.#inflight++;
    try {
      return await fn(this.#fd);
    } finally {
      if (--this.#inflight === 0) this.#drained?.();
    }
  }

  read(bufferOrParams?: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): Promise<{ bytesRead: number; buffer: ArrayBufferView }> {
    try {
      FileHandle.#check(this);
      return this.#read(bufferOrParams, offsetOrOptions, length, position);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #read(bufferOrParams?: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): Promise<{ bytesRead: number; buffer: ArrayBufferView }> {
    let buffer = bufferOrParams as ArrayBufferView;
    let offset = offsetOrOptions;
    if (!ArrayBuffer.isView(buffer)) {
      if (bufferOrParams !== undefined && bufferOrParams !== null && typeof bufferOrParams !== 'object') {
        throw invalidArgType('options', 'Object', bufferOrParams);
      }
      const p = (bufferOrParams ?? kEmpty) as { buffer?: ArrayBufferView; offset?: number; length?: number; position?: unknown };
      buffer = p.buffer ?? Buffer.alloc(16384);
      offset = p.offset ?? 0;
      length = p.length ?? buffer.byteLength - (offset as number);
      position = p.position ?? null;
      validate.validateBuffer(buffer);
    }
    if (offset !== null && typeof offset === 'object') ({ offset, length, position } = fromOptions(offset, buffer));
    if (offset == null) offset = 0;
    else validate.validateInteger(offset, 'offset', 0);
    length ??= buffer.byteLength - (offset as number);
    if (length === 0) return Promise.resolve({ bytesRead: 0, buffer });
    if (buffer.byteLength === 0) throw invalidArgValue('buffer', buffer, 'is empty and cannot be written');
    validateOffsetLengthRead(offset as number, length as number, buffer.byteLength);
    const pos = readPosition(position, length as number);
    return this.#rw(Opcode.READ, buffer, offset as number, length as number, pos, buffer);
  }

  async readv(buffers: ArrayBufferView[], position?: number | null): Promise<{ bytesRead: number; buffers: ArrayBufferView[] }> {
    FileHandle.#check(this);
    if (!Array.isArray(buffers)) throw invalidArgType('buffers', 'ArrayBufferView[]', buffers);
    const pos = typeof position === 'number' ? position : -1;
    const bytesRead = await this.#op('readv', (fd) => op.readv(fd, buffers, pos));
    return { bytesRead, buffers };
  }

  write(buffer: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): Promise<{ bytesWritten: number; buffer: unknown }> {
    try {
      FileHandle.#check(this);
      return this.#write(buffer, offsetOrOptions, length, position);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #write(buffer: unknown, offsetOrOptions?: unknown, length?: unknown, position?: unknown): Promise<{ bytesWritten: number; buffer: unknown }> {
    if ((buffer as ArrayBufferView | undefined)?.byteLength === 0) return Promise.resolve({ bytesWritten: 0, buffer });
    let bytes: ArrayBufferView;
    let at = 0;
    let count: number;
    let pos: number | bigint = -1;
    if (ArrayBuffer.isView(buffer)) {
      let offset = offsetOrOptions;
      if (offset !== null && typeof offset === 'object') ({ offset, length, position } = fromOptions(offset, buffer));
      if (offset == null) offset = 0;
      else validate.validateInteger(offset, 'offset', 0);
      if (typeof length !== 'number') length = buffer.byteLength - (offset as number);
      if (typeof position !== 'number' && typeof position !== 'bigint') position = null;
      if ((offset as number) > buffer.byteLength) throw outOfRange('offset', `<= ${buffer.byteLength}`, offset);
      if ((length as number) > buffer.byteLength - (offset as number)) throw outOfRange('length', `<= ${buffer.byteLength - (offset as number)}`, length);
      validate.validateInteger(length, 'length', 0, 2 ** 31 - 1);
      bytes = buffer;
      at = offset as number;
      count = length as number;
      pos = position == null ? -1 : (position as number | bigint);
    } else {
      if (typeof buffer !== 'string') throw invalidArgType('buffer', ['string', 'Buffer', 'TypedArray', 'DataView'], buffer);
      // write(string, position, encoding)
      if (typeof length === 'string' && length.toLowerCase() === 'hex' && buffer.length % 2 !== 0) {
        throw invalidArgValue('encoding', length, `is invalid for data of length ${buffer.length}`);
      }
      // An unknown encoding is utf8 to Node's binding.
      const encoding = (typeof length === 'string' && Buffer.isEncoding(length) ? length : 'utf8') as BufferEncoding;
      bytes = Buffer.from(buffer, encoding);
      count = bytes.byteLength;
      pos = typeof offsetOrOptions === 'number' ? offsetOrOptions : -1;
    }
    return this.#rw(Opcode.WRITE, bytes, at, count!, pos, buffer);
  }

  async writev(buffers: ArrayBufferView[], position?: number | null): Promise<{ bytesWritten: number; buffers: ArrayBufferView[] }> {
    FileHandle.#check(this);
    if (!Array.isArray(buffers)) throw invalidArgType('buffers', 'ArrayBufferView[]', buffers);
    if (buffers.length === 0) return { bytesWritten: 0, buffers };
    const pos = typeof position === 'number' ? position : -1;
    const bytesWritten = await this.#op('writev', (fd) => op.writev(fd, buffers, pos));
    return { bytesWritten, buffers };
  }

  async stat(options?: { bigint?: boolean }): Promise<fs.Stats | fs.BigIntStats> {
    FileHandle.#check(this);
    const st = await this.#op('fstat', (fd) => op.statx('', { dirfd: fd, flags: uapi.AT_EMPTY_PATH, syscall: 'fstat' }));
    return toStats(st, options?.bigint === true);
  }

  async sync(): Promise<void> {
    FileHandle.#check(this);
    await this.#op('fsync', (fd) => op.fsync(fd));
  }

  async datasync(): Promise<void> {
    FileHandle.#check(this);
    await this.#op('fdatasync', (fd) => op.fsync(fd, { datasync: true }));
  }

  async truncate(len = 0): Promise<void> {
    FileHandle.#check(this);
    validate.validateInteger(len, 'len');
    const n = Math.max(0, len);
    if (kernelHas('FTRUNCATE')) await this.#op('ftruncate', (fd) => op.ftruncate(fd, n));
    else await this.#node('ftruncate', (fd) => promisify(fs.ftruncate)(fd, n));
  }

  async chmod(mode: fs.Mode): Promise<void> {
    FileHandle.#check(this);
    await this.#node('fchmod', (fd) => promisify(fs.fchmod)(fd, mode));
  }

  async chown(uid: number, gid: number): Promise<void> {
    FileHandle.#check(this);
    await this.#node('fchown', (fd) => promisify(fs.fchown)(fd, uid, gid));
  }

  async utimes(atime: fs.TimeLike, mtime: fs.TimeLike): Promise<void> {
    FileHandle.#check(this);
    await this.#node('futimes', (fd) => promisify(fs.futimes)(fd, atime, mtime));
  }

  /** Reads from the current position to the end. */
  async readFile(options?: { encoding?: BufferEncoding | null; signal?: AbortSignal } | BufferEncoding | null): Promise<string | Buffer> {
    FileHandle.#check(this);
    if (this.#fd === -1 || this.#closing) throw closedError('readFile');
    const opts = typeof options === 'string' ? { encoding: options } : options ?? {};
    throwIfAborted(opts.signal);
    const { readAll } = await import('./readfile');
    this.#inflight++;
    try {
      const data = await readAll(this.#ring, this.#fd, opts.signal);
      return opts.encoding ? data.toString(opts.encoding) : data;
    } finally {
      if (--this.#inflight === 0) this.#drained?.();
    }
  }

  /**
   * Node's writeFile on a handle: bytes, a string, or an iterable or async
   * iterable (a stream too) of them, written from the current position. With
   * a signal, in Node's chunks and with its checks between them.
   */
  async writeFile(data: unknown, options?: { encoding?: BufferEncoding | null; signal?: AbortSignal } | BufferEncoding | null): Promise<void> {
    FileHandle.#check(this);
    if (this.#fd === -1 || this.#closing) throw closedError('writeFile');
    const o = typeof options === 'string' ? { encoding: options } : options ?? kEmpty as { encoding?: BufferEncoding | null; signal?: AbortSignal };
    const encoding = o.encoding ?? 'utf8';
    if (!ArrayBuffer.isView(data) && !isCustomIterable(data)) {
      if (typeof data !== 'string') throw invalidArgType('data', ['string', 'Buffer', 'TypedArray', 'DataView'], data);
      data = Buffer.from(data, encoding);
    }
    const signal = o.signal;
    validate.validateAbortSignal(signal);
    throwIfAborted(signal);
    if (isCustomIterable(data)) {
      for await (const item of data) {
        throwIfAborted(signal);
        const view = ArrayBuffer.isView(item) ? item : Buffer.from(item as string, encoding);
        let bytes = asU8(view, 0, view.byteLength);
        while (bytes.byteLength > 0) {
          bytes = bytes.subarray(await this.#writeChunk(bytes, signal));
          throwIfAborted(signal);
        }
      }
      return;
    }
    const view = data as ArrayBufferView;
    let bytes = asU8(view, 0, view.byteLength);
    while (bytes.byteLength > 0) {
      throwIfAborted(signal);
      bytes = bytes.subarray(await this.#writeChunk(bytes, signal));
    }
  }

  /** One WRITE at the current position: all of `bytes`, or with a signal Node's chunk, after which the loop turns (as after each of Node's writes). */
  async #writeChunk(bytes: Uint8Array, signal: AbortSignal | undefined): Promise<number> {
    const chunk = signal ? bytes.subarray(0, WRITE_CHUNK) : bytes;
    const n = await this.#op('write', (fd) => op.write(fd, chunk, -1));
    if (signal) await nextTurn();
    return n;
  }

  async appendFile(data: unknown, options?: { encoding?: BufferEncoding | null; signal?: AbortSignal } | BufferEncoding | null): Promise<void> {
    FileHandle.#check(this);
    return this.writeFile(data, options);
  }

  createReadStream(options: { start?: number; end?: number; highWaterMark?: number; encoding?: BufferEncoding; autoClose?: boolean } = {}): fs.ReadStream {
    return fs.createReadStream('', { ...options, fd: this.#fd, fs: this.#streamFs(options.autoClose) } as never);
  }

  createWriteStream(options: { start?: number; encoding?: BufferEncoding; autoClose?: boolean } = {}): fs.WriteStream {
    return fs.createWriteStream('', { ...options, fd: this.#fd, fs: this.#streamFs(options.autoClose) } as never);
  }

  /** The stream's fs: Node's fd calls, and a close that closes this handle. */
  #streamFs(autoClose = true) {
    return {
      open: fs.open,
      read: fs.read,
      write: fs.write,
      writev: fs.writev,
      close: (_fd: number, cb: (err?: Error | null) => void) => {
        if (!autoClose) return cb(null);
        this.close().then(() => cb(null), cb);
      },
    };
  }

  readLines(options?: { start?: number; end?: number; encoding?: BufferEncoding }): Interface {
    return createInterface({ input: this.createReadStream(options), crlfDelay: Infinity });
  }

  readableWebStream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      type: 'bytes',
      pull: async (controller: ReadableByteStreamController) => {
        const buf = Buffer.alloc(65536);
        const { bytesRead } = await this.read(buf, 0, buf.length, null);
        if (bytesRead === 0) {
          controller.close();
          return;
        }
        controller.enqueue(new Uint8Array(buf.buffer, buf.byteOffset, bytesRead));
      },
    } as never);
  }

  /** Closes the fd once every op in flight on it has completed. Closing twice resolves. */
  close = (): Promise<void> => {
    if (this.#fd === -1) return Promise.resolve();
    this.#closing ??= (async () => {
      // (A closed ring rejected its ops without completing them: nothing more will come.)
      if (this.#inflight > 0 && !this.#ring.closed) await new Promise<void>((resolve) => (this.#drained = resolve));
      const fd = this.#fd;
      try {
        await this.#ring.submit(op.close(fd));
      } catch (err) {
        this.#closing = undefined;
        throw err;
      }
      this.#fd = -1;
      collected.unregister(this);
      this.emit('close');
    })();
    return this.#closing;
  };

  async [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
