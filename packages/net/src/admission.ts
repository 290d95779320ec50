/**
 * How much received data the Node sockets (toDuplex) hand to their streams in one loop turn: at most
 * PER_TURN deliveries, the rest wait, in order, for the next turn.
 *
 * Why: a multishot RECV takes every connection's request out of the kernel as soon as it arrives, and
 * each delivery runs the application (node:http parses it and makes its request and response). At
 * 1,000 keep-alive connections that put all 1,000 requests in the process at once, each alive ~200 ms
 * (through the readFile and send of the others before it): they survived scavenges, the V8 heap after a
 * mark-compact was ~1.7x node:http's and the GC's threads did twice its marking. node:http on libuv
 * reads a socket only when epoll reports it and serves its request within the turn, the others waiting
 * in the kernel (~0 requests in the process between turns). Waiting here costs a chunk that is already
 * a copy and a place in a queue, not a request's objects.
 */

/** What waits to deliver: flush() hands on all it holds. */
export interface Waiting {
  flush(): void;
}

/** Deliveries per turn (64: at 1,000 connections 32-64 measured alike, 16 a little dearer). */
const PER_TURN = 64;

/**
 * Deliveries since the count last started over: in the check phase after the PER_TURN / 2-th (a
 * setImmediate), or when the waiting are let through. Not at every turn: an Immediate a turn costs, and
 * a delivery that waits for one splits the lockstep of a few connections' requests (at 10 connections,
 * one in 64 waiting took 10% more CPU per request); below PER_TURN / 2 a turn, no delivery waits.
 */
let used = 0;
/** A setImmediate starts the count over and lets the waiting through. */
let scheduled = false;
const waiting: (Waiting | undefined)[] = [];
let head = 0;

/** May a delivery happen now? Counted if so. Not while others wait: they go first, in order. */
export function admit(): boolean {
  if (head !== waiting.length || used >= PER_TURN) return false;
  if (++used === PER_TURN / 2) schedule();
  return true;
}

/** `w` delivers in a later turn, after those waiting before it. */
export function wait(w: Waiting): void {
  waiting.push(w);
  schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(turn);
}

function turn(): void {
  scheduled = false;
  used = 0;
  while (head !== waiting.length && used < PER_TURN) {
    const w = waiting[head]!;
    waiting[head++] = undefined;
    used++;
    w.flush();
  }
  if (head !== waiting.length) schedule();
  else waiting.length = head = 0;
}
