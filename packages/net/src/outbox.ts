/**
 * A connection's outgoing side. Sends, gathered sends and the shutdown run
 * one at a time in call order, so a short send never interleaves with the
 * next one. A send is a SEND (a gathered one a SENDMSG) whose CQEs come to one
 * sink the outbox keeps; a short send goes on from where it stopped, so a
 * caller only ever hears of every byte sent or of an error. All a send
 * allocates is its spec (and the promise, for the promise form): an echo
 * server sends as often as it receives.
 */
import { constants } from 'node:os';
import { completeDefault, op, type CqeSink, type OpSpec, type Ring } from '@uring/core';

const { ECANCELED } = constants.errno;

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
type Waiting = { settle: Settle; bytes: Payload | null; zeroCopy: boolean; job: (() => Promise<number>) | null };

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

export class Outbox {
  readonly #owner: OutboxOwner;
  readonly #waiting: Waiting[] = [];
  #busy = false;
  // The send in flight.
  #bytes: Payload | null = null;
  #length = 0;
  #sent = 0;
  #zeroCopy = false;
  #spec: OpSpec<number> | null = null;
  #settle: Settle | null = null;

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
    if (this.#busy) this.#waiting.push({ settle, bytes, zeroCopy, job: null });
    else this.#startSend(bytes, zeroCopy, settle);
  }

  /** Runs `job` (the shutdown) when everything before it is sent. */
  run(job: () => Promise<number>): Promise<number> {
    if (this.#busy) return new Promise((resolve, reject) => this.#waiting.push({ settle: { resolve, reject }, bytes: null, zeroCopy: false, job }));
    this.#busy = true;
    const promise = job();
    promise.then(this.#next, this.#next);
    return promise;
  }

  #startSend(bytes: Payload, zeroCopy: boolean, settle: Settle): void {
    this.#busy = true;
    this.#bytes = bytes;
    this.#length = lengthOf(bytes);
    this.#sent = 0;
    this.#zeroCopy = zeroCopy;
    this.#settle = settle;
    this.#sendRest();
  }

  #sendRest(): void {
    const o = this.#owner;
    if (this.#sent === this.#length) return this.#finish(undefined);
    if (o.closed) return this.#finish(o.failure(-ECANCELED, 'write'));
    const left = this.#sent === 0 ? this.#bytes! : rest(this.#bytes!, this.#sent);
    const zc = { zeroCopy: this.#zeroCopy };
    try {
      this.#spec = Array.isArray(left) ? (left.length === 1 ? op.send(o.fd, left[0]!, 0, zc) : op.sendmsg(o.fd, left, undefined, 0, zc)) : op.send(o.fd, left, 0, zc);
      o.ring.start(this.#spec, this.#onCqe);
    } catch (err) {
      this.#finish(err);
    }
  }

  readonly #onCqe: CqeSink = (res, flags, more) => {
    const spec = this.#spec!;
    if (more) return spec.more?.(res, flags); // SEND_ZC: the count comes first, the buffer is free at the last CQE
    let n: number;
    try {
      n = completeDefault(spec, res, flags);
    } catch (err) {
      return this.#finish(this.#owner.failure((err as { errno: number }).errno, Array.isArray(this.#bytes) ? 'writev' : 'write'));
    }
    this.#sent += n;
    this.#sendRest();
  };

  #finish(err: unknown): void {
    const settle = this.#settle!;
    const sent = this.#sent;
    this.#bytes = null;
    this.#spec = null;
    this.#settle = null;
    if (err === undefined) settle.resolve(sent);
    else settle.reject(err);
    this.#next();
  }

  /** Starts the next waiting send or job, if any. */
  readonly #next = (): void => {
    this.#busy = false;
    const w = this.#waiting.shift();
    if (w === undefined) return;
    if (w.bytes !== null) return this.#startSend(w.bytes, w.zeroCopy, w.settle);
    this.run(w.job!).then(w.settle.resolve, w.settle.reject);
  };
}
