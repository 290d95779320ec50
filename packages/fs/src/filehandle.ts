/**
 * FileHandle on the ring. It is a subclass of Node's own FileHandle, built on
 * Node's native handle for our fd, so everything that accepts Node's accepts
 * it: `instanceof`, fs.createReadStream({ fd }), node:fs/promises.readFile(fh),
 * a postMessage transfer list, and Node's state (fd, refs, close) is the one
 * state. read/write/readv/writev/stat/sync/datasync/truncate/readFile/
 * writeFile/close take the ring for plain arguments; any other input goes to
 * Node's own method (super), so odd arguments get Node's exact answer, and the
 * methods io_uring has nothing for (chmod, streams, readLines, ...) are Node's.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import node from 'node:fs/promises';
import { addressOf, completeDefault, op, Opcode, sqe, sys, systemError, uapi, type OpSpec, type Ring } from '@uring/core';
import { nextTurn, pendingSignal, throwIfAborted, toStats } from './compat';
import { readAll } from './readfile';
import { kernelHas } from './ring';

/** Node's FileHandle class, its native handle's class, and the symbols of its state (found by their descriptions). */
interface NodeParts {
  FileHandle: new (handle: unknown) => object;
  Native: new (fd: number) => { releaseFD(): void };
  kFd: symbol;
  kRefs: symbol;
  kClosePromise: symbol;
  kHandle: symbol;
  kRef: symbol;
  kUnref: symbol;
}

let parts: NodeParts | undefined;
let adopting: Promise<NodeParts | undefined> | undefined;

/**
 * Makes our FileHandle a subclass of Node's, which is reachable only as the
 * constructor of a handle Node opened: done once, on the first open. Resolves
 * undefined where that cannot be had (then open is Node's own).
 */
export function adoptNodeFileHandle(): NodeParts | Promise<NodeParts | undefined> {
  if (parts !== undefined) return parts;
  adopting ??= (async () => {
    try {
      const h = await node.open('/dev/null', 'r');
      const sym = (o: object, d: string) => {
        const s = Object.getOwnPropertySymbols(o).find((x) => x.description === d);
        if (s === undefined) throw new Error(`no ${d}`);
        return s;
      };
      const proto = Object.getPrototypeOf(h) as object;
      const kHandle = sym(h, 'kHandle');
      const p: NodeParts = {
        FileHandle: h.constructor as NodeParts['FileHandle'],
        Native: (h as unknown as Record<symbol, object>)[kHandle]!.constructor as NodeParts['Native'],
        kFd: sym(h, 'kFd'),
        kRefs: sym(h, 'kRefs'),
        kClosePromise: sym(h, 'kClosePromise'),
        kHandle,
        kRef: sym(proto, 'kRef'),
        kUnref: sym(proto, 'kUnref'),
      };
      await h.close();
      if (typeof Object.getOwnPropertyDescriptor(p.Native.prototype, 'releaseFD')?.value !== 'function') return undefined;
      Object.setPrototypeOf(FileHandle.prototype, p.FileHandle.prototype);
      Object.setPrototypeOf(FileHandle, p.FileHandle);
      // Our ops count in Node's refs (as Node's own calls do), and the last one out closes on the ring.
      Object.defineProperty(FileHandle.prototype, p.kUnref, {
        configurable: true,
        writable: true,
        value(this: FileHandle) {
          this[kUnref]();
        },
      });
      parts = p;
      return p;
    } catch {
      return undefined;
    }
  })();
  return adopting;
}

/** Node's plain-argument checks for the fast paths; anything else goes to Node's method. */
const isPos = (p: unknown): p is number => Number.isSafeInteger(p) && (p as number) >= 0;
const noPos = (p: unknown) => p === undefined || p === null;
const isViews = (b: unknown): b is ArrayBufferView[] => Array.isArray(b) && b.length > 0 && b.every((x) => ArrayBuffer.isView(x));
const isSignal = (s: unknown) => s === undefined || s instanceof AbortSignal;
/** A readFile/writeFile options argument the ring path takes: nothing, an encoding, or { encoding, signal } (flag and mode mean nothing on a handle). */
function plainOptions(options: unknown, fallback: BufferEncoding | null): { encoding: BufferEncoding | null; signal?: AbortSignal } | undefined {
  if (options === undefined || options === null) return { encoding: fallback };
  if (typeof options === 'string') return Buffer.isEncoding(options) ? { encoding: options } : undefined;
  if (typeof options !== 'object') return undefined;
  const o = options as { encoding?: unknown; signal?: unknown; flush?: unknown; buffer?: unknown };
  // (`buffer`: readFile into the caller's buffer, Node 26: Node's own on every line.)
  if (o.flush !== undefined || o.buffer !== undefined || !isSignal(o.signal)) return undefined;
  if (o.encoding !== undefined && o.encoding !== null && !(typeof o.encoding === 'string' && Buffer.isEncoding(o.encoding))) return undefined;
  return { encoding: (o.encoding as BufferEncoding | null | undefined) ?? fallback, signal: o.signal as AbortSignal | undefined };
}

/** Node's writeFile writes in chunks of this size, checking its signal between them. */
const WRITE_CHUNK = 512 * 1024;

const asU8 = (b: ArrayBufferView, offset: number, length: number) => new Uint8Array(b.buffer, b.byteOffset + offset, length);

/**
 * Node's results have no prototype. Made with Object.create(null) and two
 * stores, not a `{ __proto__: null, ... }` literal, which V8 builds through
 * its slow define path: ~200 ns against ~60 per object on Node 24 and 26 (the
 * same object: two plain data properties in that order, no prototype).
 */
function readResult(bytesRead: number, buffer: unknown): never {
  const r = Object.create(null);
  r.bytesRead = bytesRead;
  r.buffer = buffer;
  return r as never;
}
function writeResult(bytesWritten: number, buffer: unknown): never {
  const r = Object.create(null);
  r.bytesWritten = bytesWritten;
  r.buffer = buffer;
  return r as never;
}
function readvResult(bytesRead: number, buffers: unknown): never {
  const r = Object.create(null);
  r.bytesRead = bytesRead;
  r.buffers = buffers;
  return r as never;
}
function writevResult(bytesWritten: number, buffers: unknown): never {
  const r = Object.create(null);
  r.bytesWritten = bytesWritten;
  r.buffers = buffers;
  return r as never;
}

/** The handle's hook for the end of one of its ops (module-private). */
const kUnref = Symbol('unref');
/** The handle's hook for the end of a write at the file position (module-private, see #cursorStart). */
const kCursorDone = Symbol('cursorDone');
const SEEK_SET = 0;
const SEEK_CUR = 1;

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
    readonly position: number,
    /** What the result's `buffer` is: the caller's buffer or string. */
    readonly out: unknown,
    /** For a WRITE at the file position: where it starts (-1: unknown); undefined for any other op. */
    readonly start?: number,
  ) {}
  get syscall(): string {
    return this.opcode === Opcode.READ ? 'read' : 'write';
  }
  prep(v: DataView, o: number): void {
    sqe.prepRw(v, o, this.opcode, this.fd, addressOf(this.keep) + this.offset, this.length, this.position);
  }
  complete(res: number): { bytesRead: number; buffer: unknown } | { bytesWritten: number; buffer: unknown } {
    if (this.start !== undefined) this.handle[kCursorDone](this.fd, this.start, res, this.length);
    this.handle[kUnref]();
    if (res < 0) throw systemError(res, this.syscall);
    return this.opcode === Opcode.READ ? readResult(res, this.out) : writeResult(res, this.out);
  }
  discard(res: number): void {
    if (this.start !== undefined) this.handle[kCursorDone](this.fd, this.start, res, this.length);
    this.handle[kUnref]();
  }
}

type State = Record<symbol, unknown> & { emit(event: string): boolean };

/** What the class extends once adopted: Node's FileHandle, whose methods `super` reaches for arguments the ring path leaves to Node. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const Base = EventEmitter as unknown as new (handle: unknown) => EventEmitter & { [method: string]: any };

export class FileHandle extends Base {
  readonly #ring: Ring;
  /** Settles close() when it waited for ops in flight. */
  #closed: { resolve: () => void; reject: (err: unknown) => void } | undefined;
  /** Writes at the file position in flight (see #cursorStart). */
  #cursorWrites = 0;
  /** Whether the fd is O_APPEND (asked once). */
  #append: boolean | undefined;

  /** Call only after adoptNodeFileHandle() resolved (open does). */
  constructor(fd: number, ring: Ring) {
    super(new parts!.Native(fd));
    this.#ring = ring;
  }

  get #s(): State {
    return this as unknown as State;
  }

  /** The fd for an op, counted in Node's refs; -1 when closed or not one of ours (the caller then lets Node's method say so). */
  static #ref(h: FileHandle): number {
    if (!(#ring in h)) return -1;
    const s = h as unknown as State;
    const fd = s[parts!.kFd] as number;
    if (fd !== -1) (s[parts!.kRefs] as number)++;
    return fd;
  }

  /** @internal One of our ops on this handle is done. */
  [kUnref](): void {
    const s = this.#s;
    if (--(s[parts!.kRefs] as number) !== 0) return;
    const closed = this.#closed;
    this.#closed = undefined;
    this.#closeFd().then(closed?.resolve, closed?.reject);
  }

  /** One op on this handle's fd (from #ref), counted until it settles. */
  async #op<T>(spec: OpSpec<T>): Promise<T> {
    try {
      return await this.#ring.submit(spec);
    } finally {
      this[kUnref]();
    }
  }

  read(buffer?: unknown, offset?: unknown, length?: unknown, position?: unknown): Promise<{ bytesRead: number; buffer: ArrayBufferView }> {
    if (ArrayBuffer.isView(buffer) && buffer.byteLength > 0 && (offset === undefined || offset === null || Number.isInteger(offset))) {
      const at = (offset ?? 0) as number;
      const len = length === undefined ? buffer.byteLength - at : length;
      if (at >= 0 && Number.isInteger(len) && (len as number) > 0 && at + (len as number) <= buffer.byteLength && (noPos(position) || isPos(position))) {
        const fd = FileHandle.#ref(this);
        if (fd !== -1) return this.#rw(Opcode.READ, fd, buffer, at, len as number, noPos(position) ? -1 : (position as number), buffer);
      }
    }
    return (super.read as (...a: unknown[]) => Promise<never>)(...arguments);
  }

  /** A READ or WRITE counted in the refs (from #ref), settled by its RwAt (see there). */
  #rw<T>(opcode: number, fd: number, buffer: ArrayBufferView, offset: number, length: number, position: number, out: unknown): Promise<T> {
    const atCursor = opcode === Opcode.WRITE && position === -1;
    const start = atCursor ? this.#cursorStart(fd) : undefined;
    try {
      return this.#ring.submit(new RwAt(this, opcode, fd, buffer, offset, length, position, out, start)) as Promise<T>;
    } catch (err) {
      if (atCursor) this[kCursorDone](fd, -1, -1, 0);
      this[kUnref]();
      return Promise.reject(err);
    }
  }

  /**
   * Where a write at the file position (-1) on `fd` is about to start, or -1
   * when we cannot tell; counts it in flight until kCursorDone. After a short
   * write at -1 to a regular file (the rest, retried in an io-wq worker,
   * failed: a full disk) the kernel leaves the file position where the write
   * started, so the caller's next write would land on the bytes just written,
   * and succeed, where Node's gets ENOSPC. Knowing the start, the completion
   * puts the position after what was written. Unknown while another such
   * write is in flight (the kernel orders those), on a pipe or socket (lseek:
   * ESPIPE) and with O_APPEND (every write goes to the end).
   */
  #cursorStart(fd: number): number {
    if (this.#cursorWrites++ > 0) return -1;
    this.#append ??= (sys().fileStatusFlags(fd) & fs.constants.O_APPEND) !== 0;
    return this.#append ? -1 : sys().lseek(fd, 0, SEEK_CUR);
  }

  /** @internal A write at the file position is done: `written` of `length` bytes (negative: an error) from `start` (-1: unknown). */
  [kCursorDone](fd: number, start: number, written: number, length: number): void {
    this.#cursorWrites--;
    if (start >= 0 && written >= 0 && written < length) sys().lseek(fd, start + written, SEEK_SET);
  }

  /** `spec` (a WRITE or WRITEV of `length` bytes at the file position) with the position put right after a short write (see #cursorStart). */
  #atCursor(fd: number, spec: OpSpec<number>, length: number): OpSpec<number> {
    const start = this.#cursorStart(fd);
    return {
      ...spec,
      complete: (res: number, flags: number) => {
        this[kCursorDone](fd, start, res, length);
        return completeDefault(spec, res, flags);
      },
      discard: (res: number) => {
        this[kCursorDone](fd, start, res, length);
        spec.discard?.(res);
      },
    };
  }

  write(buffer: unknown, offset?: unknown, length?: unknown, position?: unknown): Promise<{ bytesWritten: number; buffer: unknown }> {
    if (ArrayBuffer.isView(buffer)) {
      if (buffer.byteLength > 0 && (offset === undefined || offset === null || Number.isInteger(offset))) {
        const at = (offset ?? 0) as number;
        const len = length === undefined || length === null ? buffer.byteLength - at : length;
        if (at >= 0 && Number.isInteger(len) && (len as number) >= 0 && at + (len as number) <= buffer.byteLength && (noPos(position) || isPos(position))) {
          const fd = FileHandle.#ref(this);
          if (fd !== -1) return this.#rw(Opcode.WRITE, fd, buffer, at, len as number, noPos(position) ? -1 : (position as number), buffer);
        }
      }
    } else if (typeof buffer === 'string' && buffer.length > 0 && (noPos(offset) || isPos(offset)) && (length === undefined || (typeof length === 'string' && Buffer.isEncoding(length) && length !== 'hex'))) {
      // write(string, position, encoding)
      const fd = FileHandle.#ref(this);
      if (fd !== -1) {
        const bytes = Buffer.from(buffer, length as BufferEncoding | undefined);
        return this.#rw(Opcode.WRITE, fd, bytes, 0, bytes.byteLength, noPos(offset) ? -1 : (offset as number), buffer);
      }
    }
    return (super.write as (...a: unknown[]) => Promise<never>)(...arguments);
  }

  readv(buffers: ArrayBufferView[], position?: number | null): Promise<{ bytesRead: number; buffers: ArrayBufferView[] }> {
    if (isViews(buffers) && (noPos(position) || isPos(position))) {
      const fd = FileHandle.#ref(this);
      if (fd !== -1) return this.#op(op.readv(fd, buffers, noPos(position) ? -1 : position!)).then((bytesRead) => readvResult(bytesRead, buffers));
    }
    return (super.readv as (...a: unknown[]) => Promise<never>)(...arguments);
  }

  writev(buffers: ArrayBufferView[], position?: number | null): Promise<{ bytesWritten: number; buffers: ArrayBufferView[] }> {
    if (isViews(buffers) && (noPos(position) || isPos(position))) {
      const fd = FileHandle.#ref(this);
      if (fd !== -1) {
        const spec = noPos(position) ? this.#atCursor(fd, op.writev(fd, buffers, -1), buffers.reduce((n, b) => n + b.byteLength, 0)) : op.writev(fd, buffers, position!);
        return this.#op(spec).then((bytesWritten) => writevResult(bytesWritten, buffers));
      }
    }
    return (super.writev as (...a: unknown[]) => Promise<never>)(...arguments);
  }

  stat(options?: { bigint?: boolean }): Promise<fs.Stats | fs.BigIntStats> {
    // An array goes to Node's (Node 26 rejects it, earlier lines take it).
    if (options === undefined || (typeof options === 'object' && options !== null && !Array.isArray(options) && (options.bigint === undefined || typeof options.bigint === 'boolean'))) {
      const fd = FileHandle.#ref(this);
      if (fd !== -1) return this.#op(op.statx('', { dirfd: fd, flags: uapi.AT_EMPTY_PATH, syscall: 'fstat' })).then((st) => toStats(st, options?.bigint === true));
    }
    return (super.stat as (...a: unknown[]) => Promise<never>)(...arguments);
  }

  sync(): Promise<void> {
    const fd = FileHandle.#ref(this);
    if (fd === -1) return super.sync();
    return this.#op(op.fsync(fd)).then(() => undefined);
  }

  datasync(): Promise<void> {
    const fd = FileHandle.#ref(this);
    if (fd === -1) return super.datasync();
    return this.#op(op.fsync(fd, { datasync: true })).then(() => undefined);
  }

  truncate(len?: number): Promise<void> {
    if ((len === undefined || Number.isSafeInteger(len)) && kernelHas('FTRUNCATE')) {
      const fd = FileHandle.#ref(this);
      if (fd !== -1) return this.#op(op.ftruncate(fd, Math.max(0, len ?? 0))).then(() => undefined);
    }
    return (super.truncate as (...a: unknown[]) => Promise<never>)(...arguments);
  }

  /** Reads from the current position to the end. */
  readFile(options?: unknown): Promise<never> {
    if (pendingSignal(options)) return nextTurn().then(() => this.#readFile(options));
    return this.#readFile(options);
  }

  #readFile(options?: unknown): Promise<never> {
    const o = plainOptions(options, null);
    if (o === undefined) return (super.readFile as (...a: unknown[]) => Promise<never>)(...arguments);
    const fd = FileHandle.#ref(this);
    if (fd === -1) return (super.readFile as (...a: unknown[]) => Promise<never>)(...arguments);
    return (async () => {
      try {
        throwIfAborted(o.signal);
        const data = await readAll(this.#ring, fd, o.signal);
        return (o.encoding ? data.toString(o.encoding) : data) as never;
      } finally {
        this[kUnref]();
      }
    })();
  }

  /**
   * Node's writeFile on a handle for bytes or a string, from the current
   * position; with a signal, in Node's chunks and with its checks between them.
   * An iterable or stream, or any other option, is Node's own.
   */
  writeFile(data: unknown, options?: unknown): Promise<void> {
    if (pendingSignal(options)) return nextTurn().then(() => this.#writeFile(data, options));
    return this.#writeFile(data, options);
  }

  #writeFile(data: unknown, options?: unknown): Promise<void> {
    const o = plainOptions(options, 'utf8');
    if (o === undefined || !(typeof data === 'string' || ArrayBuffer.isView(data))) return (super.writeFile as (...a: unknown[]) => Promise<never>)(...arguments);
    const fd = FileHandle.#ref(this);
    if (fd === -1) return (super.writeFile as (...a: unknown[]) => Promise<never>)(...arguments);
    return (async () => {
      try {
        const signal = o.signal;
        throwIfAborted(signal);
        const view = typeof data === 'string' ? Buffer.from(data, o.encoding ?? 'utf8') : data;
        let bytes = asU8(view, 0, view.byteLength);
        while (bytes.byteLength > 0) {
          throwIfAborted(signal);
          const chunk = signal ? bytes.subarray(0, WRITE_CHUNK) : bytes;
          bytes = bytes.subarray(await this.#ring.submit(this.#atCursor(fd, op.write(fd, chunk, -1), chunk.byteLength)));
          if (signal) await nextTurn();
        }
      } finally {
        this[kUnref]();
      }
    })();
  }

  appendFile(_data: unknown, _options?: unknown): Promise<void> {
    return (this.writeFile as (...a: unknown[]) => Promise<void>)(...arguments);
  }

  /**
   * Node's close, with the CLOSE on the ring: at once when nothing is in
   * flight, else by the last op to finish. Closing twice gives the same promise.
   */
  close = (): Promise<void> => {
    const s = this.#s;
    if (s[parts!.kFd] === -1) return Promise.resolve();
    if (s[parts!.kClosePromise]) return s[parts!.kClosePromise] as Promise<void>;
    const done = (--(s[parts!.kRefs] as number) === 0 ? this.#closeFd() : new Promise<void>((resolve, reject) => (this.#closed = { resolve, reject }))).finally(() => {
      s[parts!.kClosePromise] = undefined;
    });
    s[parts!.kClosePromise] = done;
    this.emit('close');
    return done;
  };

  /** Takes the fd from Node's native handle (so it will not close it again) and closes it on the ring. */
  #closeFd(): Promise<void> {
    const s = this.#s;
    const fd = s[parts!.kFd] as number;
    s[parts!.kFd] = -1;
    (s[parts!.kHandle] as { releaseFD(): void }).releaseFD();
    if (this.#ring.closed) return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
    return this.#ring.submit(op.close(fd)).then(() => undefined);
  }
}
