/**
 * A ring and the thread it lives on. A worker's ring is closed when the worker
 * exits: at its 'exit' event (process.exit(), an uncaught exception, the end of
 * its work) like ring.close(), cancelling what is in flight and waiting for the
 * kernel to let go; and, since worker.terminate() runs no more JS, its fd is
 * also closed natively when the worker's environment is torn down.
 */
import { sys } from './sys';

interface Closable {
  close(): void;
}

/** This thread's open rings and their fds (only in a worker: a process's exit frees everything of the main thread). */
const open = new Map<Closable, readonly number[]>();
let hooked = false;
let mainThread: boolean | undefined;

function inWorker(): boolean {
  return !(mainThread ??= sys().isMainThread());
}

function closeAll(): void {
  for (const ring of [...open.keys()]) ring.close();
}

/** Called by a new ring with the fds it owns (the ring fd, and its eventfd if it has one). */
export function adopt(ring: Closable, fds: readonly number[]): void {
  if (!inWorker()) return;
  const n = sys();
  open.set(ring, fds);
  for (const fd of fds) n.closeAtTeardown(fd, true);
  if (!hooked) {
    hooked = true;
    process.on('exit', closeAll);
  }
}

/** Called by a ring that is closing, before its fds are closed (so the teardown hook never closes a reused fd number). */
export function release(ring: Closable): void {
  const fds = open.get(ring);
  if (fds === undefined) return;
  open.delete(ring);
  for (const fd of fds) sys().closeAtTeardown(fd, false);
}

/**
 * In a worker, has Node close `fd` when the worker ends, even by worker.terminate() (which runs no
 * JS); `false` undoes it, and must come before you close the fd yourself (its number may be reused).
 * Nothing on the main thread, whose fds go with the process.
 */
export function closeAtThreadExit(fd: number, on = true): void {
  if (inWorker()) sys().closeAtTeardown(fd, on);
}
