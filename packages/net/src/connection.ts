/**
 * A connected socket: data as an Observable<Buffer> and an async iterable
 * (with backpressure), fed by one multishot RECV into the shared provided
 * buffer ring; send() as a promise; shutdown() half-closes; close() cancels
 * what is pending in the kernel and closes the fd.
 */
import { BufferRing, invalidArgType, observableClass, op, Opcode, sockopt, sqe, uapi, type CqeSink, type OpHandle, type OpSpec, type Ring, type SocketAddress } from '@uring/core';
import type { Observable } from 'rxjs';
import { HIGH_WATER, receiveBuffers, type Group, type ReceiveBuffers } from './buffers';
import { netError, socketClosed } from './errors';
import { Outbox, type Settle } from './outbox';
import { Pipe } from './pipe';
import { constants } from 'node:os';

const { ENOBUFS, ECANCELED, EINVAL } = constants.errno;
const TCP_KEEPIDLE = 4;
const UNREF = { ref: false } as const;
/**
 * Whether the kernel ends a multishot recv at a byte limit (Linux 6.17+).
 * With it, a backpressured consumer's receive takes at most 4 x HIGH_WATER per
 * arming, instead of draining the whole socket backlog into the shared
 * buffers before a pause's cancel lands. Off after the first EINVAL.
 */
let recvLimit = true;

function bytesOf(data: ArrayBufferView, i?: number): Uint8Array {
  if (!ArrayBuffer.isView(data)) throw invalidArgType(i === undefined ? 'data' : `buffers[${i}]`, ['Buffer', 'TypedArray', 'DataView'], data);
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A connection's multishot RECV, refilled at each arming (one is in the kernel
 * at a time): what op.recvMultishot builds, kept per connection so that an
 * arming allocates nothing but the ring's own bookkeeping.
 */
class RecvSpec implements OpSpec<number> {
  readonly opcode = Opcode.RECV;
  readonly syscall = 'recv';
  readonly sqeFlags = uapi.IOSQE_BUFFER_SELECT;
  readonly #fd: number;
  group = 0;
  /** The multishot's byte limit (sqe->optlen), 0 for none. */
  limit = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  prep(v: DataView, o: number): void {
    sqe.prepRw(v, o, Opcode.RECV, this.#fd, 0, 0, 0);
    sqe.setIoprio(v, o, uapi.IORING_RECV_MULTISHOT);
    sqe.setBufIndex(v, o, this.group);
    if (this.limit) sqe.setSpliceFdIn(v, o, this.limit);
  }
}

/**
 * A data consumer. With `lender`, chunks may be lent views (`token` >= 0) that it gives back to the
 * lender; with `lent` too, a lent chunk comes as its address and length instead (no view made).
 */
export type Sink = {
  data(chunk: Buffer, token: number): void;
  lent?(at: number, length: number, token: number): void;
  end(): void;
  error(err: Error): void;
  lagging?(): boolean;
  lender?: ReceiveBuffers;
};

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
  #local: SocketAddress | undefined;
  /** Whether the pending receive keeps the process alive (ref/unref). */
  #ref = true;
  readonly #outbox = new Outbox(this);
  /** The receive's SQE and the group it was armed on (see #arm). */
  #recvSpec: RecvSpec | undefined;
  #group: Group | undefined;

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
    return this.#sock()?.address;
  }

  get localPort(): number | undefined {
    return this.#sock()?.port;
  }

  get localFamily(): string | undefined {
    return this.#sock()?.family;
  }

  #sock(): SocketAddress | undefined {
    if (this.#local || this.#closed) return this.#local;
    try {
      return (this.#local = sockopt.sockname(this.fd));
    } catch {
      return undefined;
    }
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

  /** SO_KEEPALIVE, and with `initialDelay` (ms, as net.Socket takes it) TCP_KEEPIDLE in seconds. */
  setKeepAlive(enable = true, initialDelay = 0): this {
    if (this.#closed) return this;
    sockopt.setsockoptInt(this.fd, sockopt.SOL_SOCKET, sockopt.SO_KEEPALIVE, enable ? 1 : 0);
    const idle = Math.floor(initialDelay / 1000);
    if (enable && idle > 0 && this.remoteFamily !== 'unix') sockopt.setsockoptInt(this.fd, sockopt.IPPROTO_TCP, TCP_KEEPIDLE, idle);
    return this;
  }

  /** Whether a pending receive keeps the process alive (like a timer's ref/unref); sends always do. */
  ref(): this {
    return this.#setRef(true);
  }

  unref(): this {
    return this.#setRef(false);
  }

  #setRef(ref: boolean): this {
    this.#ref = ref;
    if (this.#recv) this.ring.setRef(this.#recv.userData, ref);
    return this;
  }

  /**
   * Sends every byte, in order with earlier sends; resolves with the count.
   * `zeroCopy` uses SEND_ZC (the buffer is the kernel's until the notification).
   */
  send(data: string | ArrayBufferView, options?: { zeroCopy?: boolean }): Promise<number> {
    if (this.#closed) return Promise.reject(socketClosed());
    try {
      return this.#outbox.send(typeof data === 'string' ? Buffer.from(data) : bytesOf(data), options?.zeroCopy === true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** sendmsg(2): the buffers gathered into one message (SENDMSG), in order with send(); a short send goes on with the rest. Resolves with the bytes sent. */
  sendmsg(buffers: readonly ArrayBufferView[]): Promise<number> {
    if (this.#closed) return Promise.reject(socketClosed());
    try {
      return this.#outbox.send(buffers.map(bytesOf), false);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** @internal send() (a vector: one SENDMSG) reporting to `settle`, not a promise: what the Node socket writes through. */
  write(data: Uint8Array | Uint8Array[], settle: Settle): void {
    if (this.#closed) return settle.reject(socketClosed());
    this.#outbox.write(data, false, settle);
  }

  /** @internal write() of `length` bytes at address `at`, alive until `settle` hears (a lent receive buffer). */
  writeAt(at: number, length: number, settle: Settle): void {
    if (this.#closed) return settle.reject(socketClosed());
    this.#outbox.writeAt(at, length, settle);
  }

  /** @internal The error a failed op gives its caller: ERR_SOCKET_CLOSED once closed, else Node's error for `syscall`. */
  failure(errno: number, syscall: string): Error {
    return this.#closed || errno === -ECANCELED ? socketClosed() : netError(errno, syscall);
  }

  /**
   * recvmsg(2) into `buffers` (RECVMSG), for callers that read a message
   * themselves instead of consuming data$ or the iterator (not both at once).
   */
  async recvmsg(buffers: readonly ArrayBufferView[]): Promise<{ bytes: number; flags: number }> {
    if (this.#closed) throw socketClosed();
    if (this.#sink) throw Object.assign(new Error('this connection already has a data consumer'), { code: 'ERR_URING_BUSY' });
    const r = await this.ring.submit(op.recvmsg(this.fd, buffers)).catch((err: { errno: number }) => Promise.reject(this.failure(err.errno, 'recvmsg')));
    return { bytes: r.bytes, flags: r.flags };
  }

  /** Half-closes: the peer sees EOF; receiving goes on. */
  async shutdown(): Promise<void> {
    if (this.#closed) throw socketClosed();
    await this.#outbox.run(() =>
      this.ring.submit(op.shutdown(this.fd, op.SHUT_WR)).catch((err: { errno: number }) => {
        throw netError(err.errno, 'shutdown');
      }),
    );
  }

  /** Cancels pending receives and sends in the kernel, then closes the fd. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // One submission: cancel whatever is pending on the fd (a receive, a send the peer never takes), then close it.
    await this.ring.submitLinked([op.cancelFd(this.fd, { all: true }), op.close(this.fd)], true).catch(() => {});
    if (!this.#ended && !this.#error) this.#finish();
  }

  /** Incoming data. One consumer at a time; completes at EOF, errors on a reset. */
  get data$(): Observable<Buffer> {
    return new (observableClass())<Buffer>((subscriber) => {
      this.#attach({ data: (c) => subscriber.next(c), end: () => subscriber.complete(), error: (e) => subscriber.error(e) });
      return () => this.#detach();
    });
  }

  /**
   * @internal Feeds every chunk (a copy), the EOF and a receive error to
   * `sink`, as data$ does; receiving stops after a chunk when `sink.lagging()`
   * says so, until resume(). What the Node socket (toDuplex) reads through.
   */
  consume(sink: Sink): void {
    this.#attach(sink);
  }

  /** @internal Receiving again after the consumer lagged. */
  resume(): void {
    this.#resume();
  }

  /** @internal The consumer is gone (a pipe failed): receiving stops; what still arrives goes back to the ring. */
  stopConsuming(): void {
    this.#detach();
  }

  /**
   * Sends everything received here to `dest` (this connection itself for an
   * echo), like node:net's `socket.pipe(dest)`: no copy and no promise per
   * chunk (each is a lent view of the receive buffer until its send is done),
   * and receiving pauses while the destination lags. Resolves at EOF once all
   * of it is sent, after half-closing `dest` (`end: false` leaves it open);
   * rejects with the first receive or send error. Takes the place of data$
   * and the iterators (one consumer at a time).
   */
  pipe(dest: Connection, options?: { end?: boolean }): Promise<void> {
    if (!(dest instanceof Connection)) return Promise.reject(invalidArgType('dest', ['Connection'], dest));
    const pipe = new Pipe(this, dest, options?.end !== false, receiveBuffers(this.ring));
    try {
      this.#attach(pipe);
    } catch (err) {
      return Promise.reject(err);
    }
    return pipe.done;
  }

  /** `for await (const chunk of conn)`: receiving pauses while the consumer lags. */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    const chunks = new Chunks(this, undefined);
    this.#attach(chunks);
    return chunks;
  }

  /**
   * Like iterating the connection, without copying: each chunk is a view of
   * the kernel's receive buffer, valid until the loop asks for the next chunk
   * (or ends). Copy what you keep (`Buffer.from(chunk)`); sending it and
   * awaiting the send before the next step is safe. An echo or a proxy moves
   * bytes this way with no allocation per chunk.
   */
  views(): AsyncIterable<Buffer> {
    const chunks = new Chunks(this, receiveBuffers(this.ring));
    this.#attach(chunks);
    return { [Symbol.asyncIterator]: () => chunks };
  }

  /** Past HIGH_WATER buffered bytes: the iterator's consumer lags. */
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

  #arm(): void {
    if (this.#recv || this.#closed || this.#ended || this.#paused) return;
    const g = receiveBuffers(this.ring).acquire();
    const spec = (this.#recvSpec ??= new RecvSpec(this.fd));
    spec.group = g.ring.groupId;
    spec.limit = recvLimit && this.#sink?.lagging ? 4 * HIGH_WATER : 0;
    this.#group = g;
    this.#recv = this.ring.start(spec, this.#onRecv, this.#ref ? undefined : UNREF);
  }

  /** The receive's CQEs (one function per connection, made once). */
  readonly #onRecv: CqeSink = (res, flags, more) => {
    const g = this.#group!;
    let starved = false;
    if (res > 0) {
      const bid = BufferRing.bufferId(flags);
      const sink = this.#sink;
      if (sink === undefined) g.ring.recycle(bid);
      else {
        const token = sink.lender === undefined ? -1 : sink.lender.lend(g, bid);
        if (token < 0) sink.data(g.copy(bid, res), token);
        else if (sink.lent !== undefined) sink.lent(g.ring.address(bid), res, token);
        else sink.data(g.ring.buffer(bid, res), token);
        if (sink.lagging?.()) this.#pause();
      }
    } else if (res === 0) {
      this.#ended = true;
    } else if (res === -EINVAL && this.#recvSpec!.limit) {
      recvLimit = false; // a kernel before 6.17: arm again without a limit
    } else if (res === -ENOBUFS) {
      starved = true;
    } else if (res !== -ECANCELED) {
      this.#error = netError(res, 'read');
    }
    if (more) return;
    this.#recv = this.#group = undefined;
    const rb = receiveBuffers(this.ring);
    rb.release(g);
    if (this.#ended || this.#error) return this.#finish();
    if (this.#closed) return;
    // The buffers ran out: armed again once this turn's completions gave theirs back.
    if (starved) return rb.starved(this);
    this.#arm(); // the kernel ended it (the limit, or cancelled to pause): go on unless paused
  };

  /** @internal Armed again after ENOBUFS (ReceiveBuffers#starved). */
  rearm(): void {
    this.#arm();
  }

  #finish(): void {
    const sink = this.#sink;
    if (!sink) return;
    if (this.#error) sink.error(this.#error);
    else sink.end();
  }
}

type Resolve = (r: IteratorResult<Buffer>) => void;
type Reject = (e: Error) => void;
/** One promise executor for every next(): it parks resolve/reject for next() to keep (no closure per chunk). */
let parkedResolve: Resolve | undefined;
let parkedReject: Reject | undefined;
function park(resolve: Resolve, reject: Reject): void {
  parkedResolve = resolve;
  parkedReject = reject;
}

/** The async iterator over a connection's chunks: a queue, and the consumer's pending next(). */
class Chunks implements Sink, AsyncIterator<Buffer> {
  readonly #queue: Buffer[] = [];
  /** The buffer id of each queued chunk that is a lent view, else -1. */
  readonly #bids: number[] = [];
  /** The lent buffer the consumer holds now (until its next step), else -1. */
  #held = -1;
  #queued = 0;
  /** The consumer's pending next(), if any. */
  #resolve: Resolve | undefined;
  #reject: Reject | undefined;
  #done = false;
  #failure: Error | undefined;
  readonly #conn: Connection;
  readonly lender: ReceiveBuffers | undefined;

  constructor(conn: Connection, lender: ReceiveBuffers | undefined) {
    this.#conn = conn;
    this.lender = lender;
  }

  data(chunk: Buffer, bid: number): void {
    const resolve = this.#resolve;
    if (resolve !== undefined && this.#queue.length === 0) {
      // The consumer waits and nothing is queued (a ping-pong's every chunk): hand it over directly.
      this.#held = bid;
      this.#resolve = this.#reject = undefined;
      return resolve({ value: chunk, done: false });
    }
    this.#queue.push(chunk);
    this.#bids.push(bid);
    this.#queued += chunk.length;
    this.#wake();
  }

  end(): void {
    this.#done = true;
    this.#wake();
  }

  error(err: Error): void {
    this.#failure = err;
    this.#wake();
  }

  lagging(): boolean {
    return this.#queued > HIGH_WATER;
  }

  next(): Promise<IteratorResult<Buffer>> {
    this.#giveBackHeld();
    const promise = new Promise<IteratorResult<Buffer>>(park);
    this.#resolve = parkedResolve;
    this.#reject = parkedReject;
    this.#wake();
    if (this.#queued < HIGH_WATER / 2) this.#conn.resume();
    return promise;
  }

  async return(): Promise<IteratorResult<Buffer>> {
    this.#done = true;
    this.#conn.stopConsuming();
    this.#giveBackHeld();
    for (const bid of this.#bids) if (bid >= 0) this.lender!.giveBack(bid);
    this.#queue.length = this.#bids.length = this.#queued = 0;
    return { value: undefined, done: true };
  }

  #wake(): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    if (this.#queue.length > 0) {
      const chunk = this.#queue.shift()!;
      this.#held = this.#bids.shift()!;
      this.#queued -= chunk.length;
      this.#resolve = this.#reject = undefined;
      resolve({ value: chunk, done: false });
    } else if (this.#failure) {
      const reject = this.#reject!;
      this.#resolve = this.#reject = undefined;
      reject(this.#failure);
    } else if (this.#done) {
      this.#resolve = this.#reject = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  #giveBackHeld(): void {
    if (this.#held < 0) return;
    this.lender!.giveBack(this.#held);
    this.#held = -1;
  }
}
