/**
 * Connection#pipe: everything received on one connection sent on another (or
 * back on itself: an echo), as node:net's `socket.pipe(dest)` does it, with
 * no promise, no copy and no view per chunk: each chunk is a lent receive
 * buffer, handed to the destination's outbox as its address and length and
 * given back when its send has completed. Receiving pauses while more than HIGH_WATER bytes
 * wait to be sent (and resumes below half of it), so a peer that does not
 * read stops the other from being read.
 */
import { HIGH_WATER, type ReceiveBuffers } from './buffers';
import type { Connection, Sink } from './connection';
import type { Settle } from './outbox';

export class Pipe implements Sink, Settle {
  readonly lender: ReceiveBuffers;
  readonly done: Promise<void>;
  readonly #source: Connection;
  readonly #dest: Connection;
  readonly #end: boolean;
  /**
   * Lender tokens of the chunks handed over, [#head, #tail) oldest first (-1: a copy); their sends
   * complete in this order. Indices go back to 0 when it empties, the array keeps its room (no
   * allocation per chunk).
   */
  readonly #tokens: number[] = [];
  #head = 0;
  #tail = 0;
  #pending = 0;
  #eof = false;
  #settled = false;
  #resolve!: () => void;
  #reject!: (err: Error) => void;

  constructor(source: Connection, dest: Connection, end: boolean, lender: ReceiveBuffers) {
    this.#source = source;
    this.#dest = dest;
    this.#end = end;
    this.lender = lender;
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  // ---- the source's side (Sink) ---------------------------------------------

  /** A copy (the lender had none to lend). */
  data(chunk: Buffer, token: number): void {
    if (this.#took(chunk.length, token)) this.#dest.write(chunk, this);
  }

  /** A lent receive buffer, sent on from where it is. */
  lent(at: number, length: number, token: number): void {
    if (this.#took(length, token)) this.#dest.writeAt(at, length, this);
  }

  /** Whether a chunk is to be sent on (its token kept until its send completes), else it goes back. */
  #took(length: number, token: number): boolean {
    if (this.#settled) {
      if (token >= 0) this.lender.giveBack(token);
      return false;
    }
    this.#tokens[this.#tail++] = token;
    this.#pending += length;
    return true;
  }

  lagging(): boolean {
    return this.#pending > HIGH_WATER;
  }

  end(): void {
    this.#eof = true;
    this.#maybeDone();
  }

  error(err: Error): void {
    this.#fail(err);
  }

  // ---- the destination's side (Settle): one call per chunk handed over, in order -----

  resolve(sent: number): void {
    this.#sent(sent);
    if (this.#pending < HIGH_WATER / 2) this.#source.resume(); // (nothing to do unless it had paused)
    this.#maybeDone();
  }

  reject(err: unknown): void {
    this.#sent(0);
    this.#fail(err as Error);
  }

  #sent(bytes: number): void {
    const token = this.#tokens[this.#head++]!;
    if (token >= 0) this.lender.giveBack(token);
    this.#pending -= bytes;
    if (this.#head === this.#tail) this.#head = this.#tail = 0;
  }

  #maybeDone(): void {
    if (!this.#eof || this.#settled || this.#head !== this.#tail) return;
    this.#settled = true;
    if (!this.#end || this.#dest.closed) return this.#resolve();
    // Everything is sent: the destination's peer sees EOF, as dest.end() does after a Node pipe.
    this.#dest.shutdown().then(this.#resolve, this.#resolve);
  }

  #fail(err: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#source.stopConsuming();
    this.#reject(err);
  }
}
