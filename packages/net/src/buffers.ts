/**
 * The provided buffers every connection's multishot receive picks from, per
 * io_uring ring. A received chunk is copied out (the consumer owns it) or, for
 * consumers of Connection#views(), lent: a view of the kernel's buffer that
 * goes back when the consumer steps on.
 *
 * The pool follows the number of armed receives: a base group of 128 x 64 KiB
 * (what a few fast streams want), and, when receives run out of buffers
 * (ENOBUFS) with more connections than that, a group of many smaller buffers
 * (2 per receive, 4 KiB each, at most 32 MiB) that becomes the one new
 * receives use; a group nobody uses any more is unregistered and freed, and
 * the pool goes back to the base group when the connections are gone. A
 * receive that met ENOBUFS is armed again once this turn's completions have
 * given their buffers back (not at once, which would only meet ENOBUFS again:
 * a storm of SQEs and CQEs at 1,000 connections).
 */
import { BufferRing, type Ring } from '@uring/core';

/** A consumer (an iterator, a pipe) that holds this many received bytes lags: receiving pauses, and resumes below half of it. */
export const HIGH_WATER = 256 * 1024;
const BASE_GROUP = 0x4e54; // 'NT'
const BASE = { entries: 128, size: 65536 };
const MAX_BYTES = 32 << 20;
/** A grown group's buffers: a request or a message fits in 4 KiB (1,000 connections take 8 MiB, 4,096 and more the 32 MiB cap). */
const GROWN_SIZE = 4096;
/** Buffers of a group never lent: a consumer that holds its views cannot stop the other connections from receiving (they get copies). */
const RESERVE = 16;
const pools = new WeakMap<Ring, ReceiveBuffers>();

/** A receive that met ENOBUFS, armed again by rearm(). */
export type Rearm = { rearm(): void };

export function receiveBuffers(ring: Ring): ReceiveBuffers {
  let rb = pools.get(ring);
  if (!rb) {
    rb = new ReceiveBuffers(ring);
    pools.set(ring, rb);
  }
  return rb;
}

/** One registered buffer group and who uses it. */
export class Group {
  readonly ring: BufferRing;
  /** Receives armed on it. */
  armed = 0;
  /** Buffers lent out as views. */
  lent = 0;

  constructor(ring: BufferRing) {
    this.ring = ring;
  }

  /** Bytes [0, length) of buffer `bid` as a Buffer of their own; the buffer goes back at once. */
  copy(bid: number, length: number): Buffer {
    const r = this.ring;
    // allocUnsafe takes small chunks from Node's pool; copying straight from the ring's memory makes no view per chunk.
    const chunk = Buffer.allocUnsafe(length);
    r.memory.copy(chunk, 0, bid * r.size, bid * r.size + length);
    r.recycle(bid);
    return chunk;
  }
}

function nextPow2(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

export class ReceiveBuffers {
  readonly #ring: Ring;
  readonly #base: Group;
  /** Where new receives are armed. */
  #current: Group;
  /** Every registered group by group id (the base, the current, and old ones still in use). */
  readonly #groups = new Map<number, Group>();
  #nextId = BASE_GROUP + 1;
  #receives = 0;
  readonly #starved: Rearm[] = [];
  #rearmQueued = false;

  constructor(ring: Ring) {
    this.#ring = ring;
    this.#base = this.#current = this.#add(BASE_GROUP, BASE.entries, BASE.size);
  }

  /** The group a receive is armed on now; give it back with release() at the receive's final CQE. */
  acquire(): Group {
    const g = this.#current;
    g.armed++;
    this.#receives++;
    return g;
  }

  release(g: Group): void {
    g.armed--;
    this.#receives--;
    this.#retire(g);
    // Far fewer receives than buffers (the connections went away): new ones go back to the base group.
    if (this.#current !== this.#base && this.#demand() * 16 < this.#current.ring.entries) this.#switchTo(this.#base);
  }

  /**
   * A receive ended with ENOBUFS: grows the pool if the receives outnumber
   * its buffers, and arms `rearm` again once this turn's completions have
   * given their buffers back.
   */
  starved(rearm: Rearm): void {
    this.#starved.push(rearm);
    const want = nextPow2(2 * this.#demand());
    if (want > this.#current.ring.entries) {
      const entries = Math.min(want, MAX_BYTES / GROWN_SIZE);
      if (entries > this.#current.ring.entries) this.#switchTo(this.#add(this.#freeId(), entries, GROWN_SIZE));
    }
    if (!this.#rearmQueued) {
      this.#rearmQueued = true;
      setImmediate(this.#rearm);
    }
  }

  /** Receives armed or waiting to be. */
  #demand(): number {
    return this.#receives + this.#starved.length;
  }

  #switchTo(g: Group): void {
    const old = this.#current;
    this.#current = g;
    this.#retire(old);
  }

  readonly #rearm = (): void => {
    this.#rearmQueued = false;
    const waiting = this.#starved.splice(0);
    for (const r of waiting) r.rearm();
  };

  /** Lends buffer `bid` of `g` (its view is `g.ring.buffer(bid, length)`) until giveBack(token); -1 when all but the reserve are lent already. */
  lend(g: Group, bid: number): number {
    if (g.lent >= g.ring.entries - RESERVE) return -1;
    g.lent++;
    return g.ring.groupId * 65536 + bid;
  }

  giveBack(token: number): void {
    const id = token >>> 16;
    // Most chunks come from the current group: no Map lookup for them (one per chunk an echo sends on).
    const g = id === this.#current.ring.groupId ? this.#current : this.#groups.get(id)!;
    g.lent--;
    g.ring.recycle(token & 0xffff);
    this.#retire(g);
  }

  /** Frees a group that is no longer current and that nothing uses. */
  #retire(g: Group): void {
    if (g === this.#current || g === this.#base || g.armed > 0 || g.lent > 0) return;
    this.#groups.delete(g.ring.groupId);
    g.ring.close();
  }

  #add(id: number, entries: number, size: number): Group {
    const g = new Group(new BufferRing(this.#ring, { groupId: id, entries, size }));
    this.#groups.set(id, g);
    return g;
  }

  #freeId(): number {
    while (this.#groups.has(this.#nextId)) this.#nextId = this.#nextId >= 0xffff ? BASE_GROUP + 1 : this.#nextId + 1;
    return this.#nextId;
  }
}
