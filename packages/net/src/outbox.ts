/**
 * A connection's outgoing side. Sends, sendmsgs and the shutdown run one at a
 * time in call order, so a short send never interleaves with the next one.
 * A send is a SEND whose CQEs come to one sink the outbox keeps; a short send
 * goes on from where it stopped. All a send allocates is its spec and the
 * promise it returns: an echo server sends as often as it receives.
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

type Settle = { resolve(n: number): void; reject(e: unknown): void };
type Waiting = Settle & { bytes: Uint8Array | null; zeroCopy: boolean; job: (() => Promise<number>) | null };

/** One promise executor for every send: it parks resolve/reject for the caller to pick up at once. */
const captured: Settle = { resolve: () => {}, reject: () => {} };
function capture(resolve: (n: number) => void, reject: (e: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

export class Outbox {
  readonly #owner: OutboxOwner;
  readonly #waiting: Waiting[] = [];
  #busy = false;
  // The send in flight.
  #bytes: Uint8Array | null = null;
  #sent = 0;
  #zeroCopy = false;
  #spec: OpSpec<number> | null = null;
  #settle: Settle | null = null;

  constructor(owner: OutboxOwner) {
    this.#owner = owner;
  }

  /** Sends every byte; resolves with the count. */
  send(bytes: Uint8Array, zeroCopy: boolean): Promise<number> {
    if (this.#busy) return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject, bytes, zeroCopy, job: null }));
    const promise = new Promise<number>(capture);
    this.#startSend(bytes, zeroCopy, { resolve: captured.resolve, reject: captured.reject });
    return promise;
  }

  /** Runs `job` (a sendmsg, the shutdown) when everything before it is sent. */
  run(job: () => Promise<number>): Promise<number> {
    if (this.#busy) return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject, bytes: null, zeroCopy: false, job }));
    this.#busy = true;
    const promise = job();
    promise.then(this.#next, this.#next);
    return promise;
  }

  #startSend(bytes: Uint8Array, zeroCopy: boolean, settle: Settle): void {
    this.#busy = true;
    this.#bytes = bytes;
    this.#sent = 0;
    this.#zeroCopy = zeroCopy;
    this.#settle = settle;
    this.#sendRest();
  }

  #sendRest(): void {
    const o = this.#owner;
    const bytes = this.#bytes!;
    if (this.#sent === bytes.length) return this.#finish(undefined);
    if (o.closed) return this.#finish(o.failure(-ECANCELED, 'write'));
    try {
      this.#spec = op.send(o.fd, this.#sent === 0 ? bytes : bytes.subarray(this.#sent), 0, { zeroCopy: this.#zeroCopy });
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
      return this.#finish(this.#owner.failure((err as { errno: number }).errno, 'write'));
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
    if (w.bytes !== null) return this.#startSend(w.bytes, w.zeroCopy, w);
    this.run(w.job!).then(w.resolve, w.reject);
  };
}
