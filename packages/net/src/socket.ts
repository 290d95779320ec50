/**
 * A Connection as the socket Node's own modules expect of a net.Socket: a
 * stream.Duplex fed by the connection's multishot RECV (each chunk pushed as
 * it arrives, or in a later loop turn past admission.ts's per-turn count;
 * receiving paused while the stream's buffer is full), writing
 * through SEND, and a corked batch (node:http's header and body) as one
 * SENDMSG. setNoDelay, setKeepAlive, setTimeout with 'timeout', address(),
 * the local/remote getters, bytesRead/bytesWritten, ref/unref and
 * destroySoon behave as net.Socket's, so node:http, https (node:tls wraps it),
 * http2 and ws run on it.
 */
import { Duplex } from 'node:stream';
import { invalidArgType, outOfRange } from '@uring/core';
import { admit, wait, type Waiting } from './admission';
import type { Connection, Sink } from './connection';
import type { Settle } from './outbox';

const ENOTCONN = 'ENOTCONN';

export interface SocketOptions {
  /** Keep the writable side open after the peer's EOF (net.Socket's option; default false). */
  allowHalfOpen?: boolean;
  /** Both sides' highWaterMark (net.Server's highWaterMark option). */
  highWaterMark?: number;
}

type WriteCallback = (err?: Error | null) => void;
type Chunk = { chunk: Buffer };

export class Socket extends Duplex {
  readonly connection: Connection;
  /** Bytes received so far. */
  bytesRead = 0;
  readonly connecting = false;
  readonly pending = false;
  /** The server that accepted it, as net sets it. */
  server: unknown = null;
  _server: unknown = null;
  #written = 0;
  #timeout = 0;
  /**
   * The idle timer, kept across setTimeout calls of one duration: node:http
   * sets the keep-alive timeout after each response and 0 at the next request,
   * so it is refreshed rather than made again; after setTimeout(0) it stays,
   * inert (#onTimeout checks), until it runs out or is refreshed.
   */
  #timer: NodeJS.Timeout | undefined;
  #timerMs = 0;
  #consuming = false;
  /** The stream's read buffer is full: receiving waits for the next _read. */
  #full = false;
  #writeCb: WriteCallback | undefined;

  constructor(conn: Connection, options: SocketOptions = {}) {
    const hwm = options.highWaterMark;
    super({ allowHalfOpen: options.allowHalfOpen ?? false, readableHighWaterMark: hwm, writableHighWaterMark: hwm });
    this.connection = conn;
    this.read(0); // receive from the start, as net.Socket does: a reset is seen even before anyone reads
  }

  // ---- receiving ----------------------------------------------------------

  /** One object per socket with the methods, not a closure each: the Sink the connection feeds and the Settle a write reports to. */
  static readonly #Ends = class Ends implements Sink, Settle, Waiting {
    readonly #s: Socket;

    constructor(s: Socket) {
      this.#s = s;
    }

    /** What was received and waits for a later turn (see admission.ts): chunks, then null for the EOF or the error. */
    #held: (Buffer | Error | null)[] | undefined;
    #heldBytes = 0;

    data(chunk: Buffer): void {
      if (this.#held === undefined && admit()) return this.#push(chunk);
      this.#hold(chunk);
      this.#heldBytes += chunk.length;
    }

    end(): void {
      if (this.#held !== undefined) return this.#hold(null);
      if (!this.#s.destroyed) this.#s.push(null);
    }

    error(err: Error): void {
      if (this.#held !== undefined) return this.#hold(err);
      this.#s.destroy(err);
    }

    lagging(): boolean {
      return this.#s.#full || this.#heldBytes > this.#s.readableHighWaterMark;
    }

    #hold(item: Buffer | Error | null): void {
      if (this.#held === undefined) {
        this.#held = [item];
        wait(this);
      } else this.#held.push(item);
    }

    /** This socket's turn: what it holds goes to the stream, in order. */
    flush(): void {
      const held = this.#held!;
      const s = this.#s;
      this.#held = undefined;
      this.#heldBytes = 0;
      for (const item of held) {
        if (s.destroyed) return;
        if (item === null) s.push(null);
        else if (item instanceof Error) s.destroy(item);
        else this.#push(item);
      }
      // Receiving paused while this held too much: it goes on unless the stream itself is full.
      if (!s.#full && !s.destroyed) s.connection.resume();
    }

    #push(chunk: Buffer): void {
      const s = this.#s;
      s.bytesRead += chunk.length;
      s.#touch();
      try {
        if (!s.push(chunk)) s.#full = true;
      } catch (err) {
        // A throwing 'data' listener is the application's uncaught exception, as on net.Socket; the ring's loop goes on.
        process.nextTick(() => {
          throw err;
        });
      }
    }

    resolve(n: number): void {
      const s = this.#s;
      s.#written += n;
      s.#touch();
      const cb = s.#writeCb!;
      s.#writeCb = undefined;
      cb();
    }

    reject(err: unknown): void {
      const s = this.#s;
      const cb = s.#writeCb!;
      s.#writeCb = undefined;
      cb(err as Error);
    }
  };

  /** The connection's consumer and the settle of the one write in flight (a Writable has at most one): see Ends. */
  readonly #ends = new Socket.#Ends(this);

  override _read(): void {
    if (!this.#consuming) {
      this.#consuming = true;
      this.connection.consume(this.#ends);
    } else if (this.#full) {
      this.#full = false;
      this.connection.resume();
    }
  }

  // ---- sending ------------------------------------------------------------

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: WriteCallback): void {
    this.#writeCb = cb;
    this.#touch();
    this.connection.write(chunk, this.#ends);
  }

  /** A corked batch (http's header and body, ws's frames) goes out as one SENDMSG: Nagle never holds a second segment. */
  override _writev(chunks: Chunk[], cb: WriteCallback): void {
    this.#writeCb = cb;
    this.#touch();
    // No copy: the outbox describes the chunks to the kernel in its per-connection iovecs.
    const data = chunks.length === 1 ? chunks[0]!.chunk : chunks.map((c) => c.chunk);
    this.connection.write(data, this.#ends);
  }

  override _final(cb: WriteCallback): void {
    // After the peer's EOF the close sends our FIN: no shutdown needed.
    if (this.readableEnded || this.connection.closed) return cb();
    this.connection.shutdown().then(
      () => cb(),
      (err: { code?: string }) => cb(err.code === ENOTCONN ? null : (err as Error)),
    );
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.connection.close().then(
      () => cb(err),
      () => cb(err),
    );
  }

  /** Ends the writable side, then destroys once everything is sent (net.Socket#destroySoon). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', this.destroy);
  }

  // ---- net.Socket's controls ------------------------------------------------

  /** TCP_NODELAY: what node:http and ws ask for, so a response's last segment is not held for the peer's ACK. */
  setNoDelay(noDelay = true): this {
    if (!this.connection.closed) this.connection.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable = false, initialDelay = 0): this {
    if (!this.connection.closed) this.connection.setKeepAlive(enable, initialDelay);
    return this;
  }

  /** Emits 'timeout' after `ms` without a read or write (0 turns it off), as net.Socket does. */
  setTimeout(ms: number, callback?: () => void): this {
    if (typeof ms !== 'number') throw invalidArgType('msecs', 'number', ms);
    if (!(ms >= 0) || !Number.isFinite(ms)) throw outOfRange('msecs', 'a non-negative finite number', ms);
    if (callback !== undefined && typeof callback !== 'function') throw invalidArgType('callback', 'Function', callback);
    this.#timeout = ms;
    if (ms === 0) {
      if (callback) this.removeListener('timeout', callback);
      return this;
    }
    if (callback) this.once('timeout', callback);
    if (this.destroyed) return this;
    if (this.#timer !== undefined && this.#timerMs === ms) this.#timer.refresh();
    else {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(Socket.#onTimeout, ms, this).unref();
      this.#timerMs = ms;
    }
    return this;
  }

  static #onTimeout(s: Socket): void {
    if (s.#timeout !== 0) s.emit('timeout');
  }

  /** Activity: the idle timer starts over. */
  #touch(): void {
    if (this.#timeout !== 0) this.#timer?.refresh();
  }

  /** The timeout set by setTimeout (undefined when none), as net.Socket#timeout. */
  get timeout(): number | undefined {
    return this.#timeout || undefined;
  }

  /** Restarts the idle timer (what node:http calls on parser activity). */
  _unrefTimer(): void {
    this.#touch();
  }

  ref(): this {
    this.connection.ref();
    return this;
  }

  unref(): this {
    this.connection.unref();
    return this;
  }

  address(): { address: string; family: string; port: number } | Record<string, never> {
    const c = this.connection;
    const address = c.localAddress;
    return address === undefined ? {} : { address, family: c.localFamily!, port: c.localPort! };
  }

  get remoteAddress(): string | undefined {
    return this.connection.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.connection.remotePort;
  }

  get remoteFamily(): string | undefined {
    return this.connection.remoteFamily;
  }

  get localAddress(): string | undefined {
    return this.connection.localAddress;
  }

  get localPort(): number | undefined {
    return this.connection.localPort;
  }

  get localFamily(): string | undefined {
    return this.connection.localFamily;
  }

  /** Bytes sent, plus those still queued (as net.Socket counts them). */
  get bytesWritten(): number {
    return this.#written + this.writableLength;
  }

  get bufferSize(): number {
    return this.writableLength;
  }

  get readyState(): string {
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }

  /** Closes at once (net.Socket sends an RST here; we close). */
  resetAndDestroy(): this {
    return this.destroy();
  }
}

/** A Connection as a Node stream: the net.Socket-like Socket above. */
export function toDuplex(conn: Connection, options?: SocketOptions): Socket {
  return new Socket(conn, options);
}
