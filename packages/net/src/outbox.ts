/**
 * A connection's outgoing side. Sends, gathered sends and the shutdown run
 * one at a time in call order, so a short send never interleaves with the
 * next one. A send is a SEND (a gathered one a SENDMSG) whose CQEs come to one
 * sink the outbox keeps; a short send goes on from where it stopped, so a
 * caller only ever hears of every byte sent or of an error.
 *
 * Since only one send is in the kernel at a time, its SQE is written from one
 * spec per connection, refilled for each send, and a gathered send's msghdr
 * and iovecs live in one small buffer per connection whose address is looked
 * up once: a send allocates nothing here but the caller's promise (an echo
 * server sends as often as it receives; node:http gathers a header and a body).
 * MSG_WAITALL has the kernel finish a short stream send itself (Linux 5.19+).
 */
import { constants } from 'node:os';
import { addressOf, completeDefault, op, Opcode, sqe, sys, type CqeSink, type LiveOp, type OpSpec, type Ring } from '@uring/core';

const { ECANCELED } = constants.errno;
const SEND_FLAGS = op.MSG_NOSIGNAL | op.MSG_WAITALL;
/** A gathered send of more chunks than this builds its msghdr for the one send (op.sendmsg). */
const GATHER_MAX = 8;
const MSGHDR_SIZE = 56;
const IOVEC_SIZE = 16;

export interface OutboxOwner {
  readonly ring: Ring;
  readonly fd: number;
  readonly closed: boolean;
  /** The error a failed op gives the caller (ERR_SOCKET_CLOSED once closed, else Node's error for `syscall`). */
  failure(errno: number, syscall: string): Error;
}

/** Who hears how a send ended: resolve with the byte count, or reject. */
export type Settle = { resolve(n: number): void; reject(e: unknown): void };
type Payload = Uint8Array | Uint8Array[];
/** A send waiting its turn (`bytes` null: `length` bytes at address `at`), or a job (the shutdown). */
type Waiting = { settle: Settle; bytes: Payload | null; at: number; length: number; zeroCopy: boolean; job: (() => Promise<number>) | null };

/** One promise executor for every send: it parks resolve/reject for the caller to pick up at once. */
const captured: Settle = { resolve: () => {}, reject: () => {} };
function capture(resolve: (n: number) => void, reject: (e: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

function lengthOf(p: Payload): number {
  if (!Array.isArray(p)) return p.length;
  let n = 0;
  for (const b of p) n += b.length;
  return n;
}

/** What of `p` is left after its first `sent` bytes. */
function rest(p: Payload, sent: number): Payload {
  if (!Array.isArray(p)) return p.subarray(sent);
  let i = 0;
  while (sent >= p[i]!.length) sent -= p[i++]!.length;
  const left = p.slice(i);
  left[0] = left[0]!.subarray(sent);
  return left;
}

/** The connection's SEND or SENDMSG SQE, refilled for each send (the outbox keeps the bytes alive meanwhile). */
class SendSpec implements OpSpec<number> {
  opcode: number = Opcode.SEND;
  syscall = 'write';
  readonly #fd: number;
  addr = 0;
  len = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  prep(v: DataView, o: number): void {
    sqe.prepRw(v, o, this.opcode, this.#fd, this.addr, this.len, 0);
    sqe.setOpFlags(v, o, SEND_FLAGS);
  }
}

export class Outbox {
  readonly #owner: OutboxOwner;
  /** Sends and jobs waiting their turn (made at the first that waits). */
  #waiting: Waiting[] | null = null;
  #busy = false;
  // The send in flight.
  #bytes: Payload | null = null;
  /** Where the bytes are when #bytes is null (writeAt). */
  #at = 0;
  #length = 0;
  #sent = 0;
  #zeroCopy = false;
  /** The SEND_ZC spec in flight (zero-copy sends are built per send: they complete twice). */
  #zcSpec: OpSpec<number> | null = null;
  #settle: Settle | null = null;
  #spec: SendSpec | null = null;
  /** That spec's live op, started again for each send (no live op and handle made per send). */
  #live: LiveOp | null = null;
  /** msghdr then GATHER_MAX iovecs, and its address. */
  #gather: DataView | null = null;
  #gatherAt = 0;

  constructor(owner: OutboxOwner) {
    this.#owner = owner;
  }

  /** Sends every byte (a vector as one SENDMSG); resolves with the count. */
  send(bytes: Payload, zeroCopy: boolean): Promise<number> {
    const promise = new Promise<number>(capture);
    this.write(bytes, zeroCopy, { resolve: captured.resolve, reject: captured.reject });
    return promise;
  }

  /** send() that reports to `settle` instead of a promise. */
  write(bytes: Payload, zeroCopy: boolean, settle: Settle): void {
    const length = lengthOf(bytes);
    if (this.#busy) (this.#waiting ??= []).push({ settle, bytes, at: 0, length, zeroCopy, job: null });
    else this.#startSend(bytes, 0, length, zeroCopy, settle);
  }

  /**
   * write() of `length` bytes at address `at`, memory the caller keeps alive until `settle` hears:
   * a lent receive buffer that pipe() sends on, with no view of it made.
   */
  writeAt(at: number, length: number, settle: Settle): void {
    if (this.#busy) (this.#waiting ??= []).push({ settle, bytes: null, at, length, zeroCopy: false, job: null });
    else this.#startSend(null, at, length, false, settle);
  }

  /** Runs `job` (the shutdown) when everything before it is sent. */
  run(job: () => Promise<number>): Promise<number> {
    if (this.#busy) return new Promise((resolve, reject) => (this.#waiting ??= []).push({ settle: { resolve, reject }, bytes: null, at: 0, length: 0, zeroCopy: false, job }));
    this.#busy = true;
    const promise = job();
    const next = (): void => this.#next();
    promise.then(next, next);
    return promise;
  }

  #startSend(bytes: Payload | null, at: number, length: number, zeroCopy: boolean, settle: Settle): void {
    this.#busy = true;
    this.#bytes = bytes;
    this.#at = at;
    this.#length = length;
    this.#sent = 0;
    this.#zeroCopy = zeroCopy;
    this.#settle = settle;
    this.#sendRest();
  }

  #sendRest(): void {
    const o = this.#owner;
    if (this.#sent === this.#length) return this.#finish(undefined);
    if (o.closed) return this.#finish(o.failure(-ECANCELED, 'write'));
    const bytes = this.#bytes;
    try {
      const spec = (this.#spec ??= new SendSpec(o.fd));
      if (bytes === null) {
        spec.opcode = Opcode.SEND;
        spec.addr = this.#at + this.#sent;
        spec.len = this.#length - this.#sent;
        o.ring.restart((this.#live ??= o.ring.liveOp(spec, this.#onCqe)));
        return;
      }
      const left = this.#sent === 0 ? bytes : rest(bytes, this.#sent);
      if (this.#zeroCopy) {
        const zc = { zeroCopy: true };
        this.#zcSpec = Array.isArray(left) ? op.sendmsg(o.fd, left, undefined, SEND_FLAGS, zc) : op.send(o.fd, left, SEND_FLAGS, zc);
        o.ring.start(this.#zcSpec, this.#onCqe);
        return;
      }
      if (!Array.isArray(left) || left.length === 1) {
        const b = Array.isArray(left) ? left[0]! : left;
        spec.opcode = Opcode.SEND;
        spec.addr = addressOf(b);
        spec.len = b.byteLength;
      } else if (left.length <= GATHER_MAX) {
        spec.opcode = Opcode.SENDMSG;
        spec.addr = this.#fillGather(left);
        spec.len = 1;
      } else {
        o.ring.start(op.sendmsg(o.fd, left, undefined, SEND_FLAGS), this.#onCqe);
        return;
      }
      o.ring.restart((this.#live ??= o.ring.liveOp(spec, this.#onCqe)));
    } catch (err) {
      this.#finish(err);
    }
  }

  /** Writes the msghdr and iovecs for `chunks` into this connection's gather buffer; returns the msghdr's address. */
  #fillGather(chunks: Uint8Array[]): number {
    let v = this.#gather;
    if (v === null) {
      const mem = Buffer.alloc(MSGHDR_SIZE + GATHER_MAX * IOVEC_SIZE);
      this.#gatherAt = Number(sys().address(mem));
      v = this.#gather = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
      sqe.setU64(v, 16, this.#gatherAt + MSGHDR_SIZE); // msg_iov; msg_name and msg_control stay null
    }
    sqe.setU64(v, 24, chunks.length); // msg_iovlen
    for (let i = 0; i < chunks.length; i++) {
      const b = chunks[i]!;
      sqe.setU64(v, MSGHDR_SIZE + i * IOVEC_SIZE, addressOf(b));
      sqe.setU64(v, MSGHDR_SIZE + i * IOVEC_SIZE + 8, b.byteLength);
    }
    return this.#gatherAt;
  }

  readonly #onCqe: CqeSink = (res, flags, more) => {
    const zc = this.#zcSpec;
    if (zc !== null) {
      if (more) return zc.more?.(res, flags); // SEND_ZC: the count comes first, the buffer is free at the last CQE
      try {
        res = completeDefault(zc, res, flags);
      } catch (err) {
        res = (err as { errno: number }).errno;
      }
      this.#zcSpec = null;
    }
    if (res < 0) return this.#finish(this.#owner.failure(res, Array.isArray(this.#bytes) ? 'writev' : 'write'));
    this.#sent += res;
    this.#sendRest();
  };

  #finish(err: unknown): void {
    const settle = this.#settle!;
    const sent = this.#sent;
    this.#bytes = null;
    this.#zcSpec = null;
    this.#settle = null;
    if (err === undefined) settle.resolve(sent);
    else settle.reject(err);
    this.#next();
  }

  /** Starts the next waiting send or job, if any. */
  #next(): void {
    this.#busy = false;
    const w = this.#waiting?.shift();
    if (w === undefined) return;
    if (w.job === null) return this.#startSend(w.bytes, w.at, w.length, w.zeroCopy, w.settle);
    this.run(w.job).then(w.settle.resolve, w.settle.reject);
  }
}
