/**
 * A connected socket: data as an Observable<Buffer> and an async iterable
 * (with backpressure), fed by one multishot RECV into the shared provided
 * buffer ring; send() as a promise; shutdown() half-closes; close() cancels
 * what is pending in the kernel and closes the fd.
 */
import { BufferRing, observableClass, op, sockopt, type OpHandle, type Ring, type SocketAddress } from '@uring/core';
import type { Observable } from 'rxjs';
import { receiveBuffers } from './buffers';
import { netError, socketClosed } from './errors';

const ENOBUFS = 105;
const ECANCELED = 125;
/** The iterator pauses receiving above this many buffered bytes, and resumes below half of it. */
const HIGH_WATER = 256 * 1024;

type Sink = { data(chunk: Buffer): void; end(): void; error(err: Error): void };

export class Connection implements AsyncIterable<Buffer> {
  readonly fd: number;
  readonly ring: Ring;
  #closed = false;
  #recv: OpHandle | undefined;
  #paused = false;
  #sink: Sink | undefined;
  #ended = false;
  #error: Error | undefined;
  #remote: SocketAddress | undefined;

  constructor(fd: number, ring: Ring) {
    this.fd = fd;
    this.ring = ring;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get remoteAddress(): string | undefined {
    return this.#peer()?.address;
  }

  get remotePort(): number | undefined {
    return this.#peer()?.port;
  }

  get remoteFamily(): string | undefined {
    return this.#peer()?.family;
  }

  get localAddress(): string | undefined {
    return this.#closed ? undefined : sockopt.sockname(this.fd).address;
  }

  get localPort(): number | undefined {
    return this.#closed ? undefined : sockopt.sockname(this.fd).port;
  }

  #peer(): SocketAddress | undefined {
    if (this.#remote || this.#closed) return this.#remote;
    try {
      return (this.#remote = sockopt.peername(this.fd));
    } catch {
      return undefined;
    }
  }

  setNoDelay(noDelay = true): this {
    if (!this.#closed && this.remoteFamily !== 'unix') sockopt.setsockoptInt(this.fd, sockopt.IPPROTO_TCP, sockopt.TCP_NODELAY, noDelay ? 1 : 0);
    return this;
  }

  setKeepAlive(enable = true): this {
    if (!this.#closed) sockopt.setsockoptInt(this.fd, sockopt.SOL_SOCKET, sockopt.SO_KEEPALIVE, enable ? 1 : 0);
    return this;
  }

  /**
   * Sends every byte, in order with earlier sends; resolves with the count.
   * With nothing queued it goes straight to the ring (one spec, one promise);
   * otherwise it waits its turn, so a short send never interleaves with the next.
   * `zeroCopy` uses SEND_ZC (the buffer is the kernel's until the notification).
   */
  send(data: string | ArrayBufferView, options?: { zeroCopy?: boolean }): Promise<number> {
    if (this.#closed) return Promise.reject(socketClosed());
    const bytes = typeof data === 'string' ? Buffer.from(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const zc = options?.zeroCopy === true;
    return this.#inTurn(() => this.#sendBytes(bytes, zc));
  }

  /** sendmsg(2): the buffers gathered into one message (SENDMSG), in order with send(). Resolves with the bytes sent. */
  sendmsg(buffers: readonly ArrayBufferView[]): Promise<number> {
    if (this.#closed) return Promise.reject(socketClosed());
    return this.#inTurn(() => this.ring.submit(op.sendmsg(this.fd, buffers)).catch((err: { errno?: number }) => this.#failed(err, 'sendmsg')));
  }

  /** Sends, sendmsgs and the shutdown after them, one at a time in call order. */
  #sendQueue: { job: () => Promise<number>; resolve(n: number): void; reject(e: unknown): void }[] | undefined;

  #inTurn(job: () => Promise<number>): Promise<number> {
    if (this.#sendQueue === undefined) {
      this.#sendQueue = [];
      return this.#run(job);
    }
    return new Promise((resolve, reject) => this.#sendQueue!.push({ job, resolve, reject }));
  }

  async #run(job: () => Promise<number>): Promise<number> {
    try {
      return await job();
    } finally {
      const next = this.#sendQueue?.shift();
      if (next) this.#run(next.job).then(next.resolve, next.reject);
      else this.#sendQueue = undefined;
    }
  }

  async #sendBytes(bytes: Uint8Array, zc: boolean): Promise<number> {
    let sent = 0;
    while (sent < bytes.length) {
      if (this.#closed) throw socketClosed();
      const part = sent === 0 ? bytes : bytes.subarray(sent);
      sent += await this.ring.submit(op.send(this.fd, part, 0, { zeroCopy: zc })).catch((err: { errno?: number }) => this.#failed(err, 'write'));
    }
    return sent;
  }

  /** A ring error as the caller sees it: a closed socket, or Node's error for `syscall`. */
  #failed(err: { errno?: number }, syscall: string): never {
    if (this.#closed || err.errno === -ECANCELED) throw socketClosed();
    throw netError(err.errno ?? -5, syscall);
  }

  /**
   * recvmsg(2) into `buffers` (RECVMSG), for callers that read a message
   * themselves instead of consuming data$ or the iterator (not both at once).
   */
  async recvmsg(buffers: readonly ArrayBufferView[]): Promise<{ bytes: number; flags: number }> {
    if (this.#closed) throw socketClosed();
    if (this.#sink) throw Object.assign(new Error('this connection already has a data consumer'), { code: 'ERR_URING_BUSY' });
    const r = await this.ring.submit(op.recvmsg(this.fd, buffers)).catch((err: { errno?: number }) => this.#failed(err, 'recvmsg'));
    return { bytes: r.bytes, flags: r.flags };
  }

  /** Half-closes: the peer sees EOF; receiving goes on. */
  async shutdown(): Promise<void> {
    if (this.#closed) throw socketClosed();
    await this.#inTurn(() =>
      this.ring.submit(op.shutdown(this.fd, op.SHUT_WR)).catch((err: { errno: number }) => {
        throw netError(err.errno, 'shutdown');
      }),
    );
  }

  /** Cancels pending receives and sends in the kernel, then closes the fd. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#recv) await this.ring.submit(op.cancelFd(this.fd, { all: true })).catch(() => {});
    await this.ring.submit(op.close(this.fd)).catch(() => {});
    if (!this.#ended && !this.#error) this.#finish();
  }

  /** Incoming data. One consumer at a time; completes at EOF, errors on a reset. */
  get data$(): Observable<Buffer> {
    return new (observableClass())<Buffer>((subscriber) => {
      this.#attach({ data: (c) => subscriber.next(c), end: () => subscriber.complete(), error: (e) => subscriber.error(e) });
      return () => this.#detach();
    });
  }

  /** `for await (const chunk of conn)`: receiving pauses while the consumer lags. */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    const queue: Buffer[] = [];
    let queued = 0;
    let waiter: { resolve: (r: IteratorResult<Buffer>) => void; reject: (e: Error) => void } | undefined;
    let done = false;
    let failure: Error | undefined;
    const wake = () => {
      if (!waiter) return;
      const w = waiter;
      if (queue.length > 0) {
        waiter = undefined;
        const chunk = queue.shift()!;
        queued -= chunk.length;
        w.resolve({ value: chunk, done: false });
      } else if (failure) {
        waiter = undefined;
        w.reject(failure);
      } else if (done) {
        waiter = undefined;
        w.resolve({ value: undefined, done: true });
      }
    };
    this.#attach({
      data: (chunk) => {
        queue.push(chunk);
        queued += chunk.length;
        if (queued > HIGH_WATER) this.#pause();
        wake();
      },
      end: () => {
        done = true;
        wake();
      },
      error: (err) => {
        failure = err;
        wake();
      },
    });
    return {
      next: () =>
        new Promise<IteratorResult<Buffer>>((resolve, reject) => {
          waiter = { resolve, reject };
          wake();
          if (queued < HIGH_WATER / 2) this.#resume();
        }),
      return: async () => {
        this.#detach();
        return { value: undefined, done: true };
      },
    };
  }

  #attach(sink: Sink): void {
    if (this.#sink) throw Object.assign(new Error('this connection already has a data consumer'), { code: 'ERR_URING_BUSY' });
    this.#sink = sink;
    if (this.#error) return sink.error(this.#error);
    if (this.#ended || this.#closed) return sink.end();
    this.#paused = false;
    this.#arm();
  }

  #detach(): void {
    this.#sink = undefined;
    this.#pause();
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    // A cancelled multishot receive delivers what it already took before its final CQE: nothing is lost.
    this.#recv?.cancel();
  }

  #resume(): void {
    if (!this.#paused || !this.#sink) return;
    this.#paused = false;
    if (!this.#recv) this.#arm();
  }

  #arm(): void {
    if (this.#recv || this.#closed || this.#ended || this.#paused) return;
    const br = receiveBuffers(this.ring);
    this.#recv = this.ring.start(op.recvMultishot(this.fd, br.groupId), (res, flags, more) => {
      if (res > 0) {
        const bid = BufferRing.bufferId(flags);
        const chunk = Buffer.from(br.buffer(bid, res));
        br.recycle(bid);
        this.#sink?.data(chunk);
      } else if (res === 0) {
        this.#ended = true;
      } else if (res !== -ENOBUFS && res !== -ECANCELED) {
        this.#error = netError(res, 'read');
      }
      if (more) return;
      this.#recv = undefined;
      if (this.#ended || this.#error) return this.#finish();
      if (this.#closed) return;
      this.#arm(); // the kernel ended it (ENOBUFS, or cancelled to pause): go on unless paused
    });
  }

  #finish(): void {
    const sink = this.#sink;
    if (!sink) return;
    if (this.#error) sink.error(this.#error);
    else sink.end();
  }
}
