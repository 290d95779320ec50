/**
 * A listening socket whose connections are an Observable and an async
 * iterable, fed by one multishot ACCEPT (re-armed when the kernel ends it).
 * close() cancels the accept in the kernel and closes the socket.
 */
import fs from 'node:fs';
import { defaultRing, observableClass, op, sockopt, type OpHandle, type Ring } from '@uring/core';
// Single modules rather than the 'rxjs' index (which loads every operator); the same classes.
import type { Observable } from 'rxjs';
import { resolve } from './address';
import { Connection } from './connection';
import { listenError } from './errors';

export interface ListenOptions {
  port?: number;
  host?: string;
  /** A Unix socket path instead of host/port. */
  path?: string;
  backlog?: number;
  /** SO_REUSEPORT: several sockets (processes, worker threads) listen on one port; the kernel spreads connections over them. */
  reusePort?: boolean;
  signal?: AbortSignal;
  ring?: Ring;
}

export class Server implements AsyncIterable<Connection> {
  readonly fd: number;
  readonly ring: Ring;
  readonly #path: string | undefined;
  /** Who receives accepted connections (subscribers and iterators): rxjs is loaded only for connections$. */
  readonly #sinks = new Set<{ next(c: Connection): void; complete(): void }>();
  #accept: OpHandle | undefined;
  #closed = false;
  #ref = true;

  constructor(fd: number, ring: Ring, path?: string) {
    this.fd = fd;
    this.ring = ring;
    this.#path = path;
  }

  /** `{ address, family, port }` like net.Server#address(), or the path for a Unix socket. */
  address(): { address: string; family: string; port: number } | string | null {
    if (this.#closed) return null;
    if (this.#path !== undefined) return this.#path;
    const a = sockopt.sockname(this.fd);
    return { address: a.address, family: a.family, port: a.port };
  }

  /** Accepted connections; accepting runs while someone subscribes. */
  get connections$(): Observable<Connection> {
    return new (observableClass())<Connection>((subscriber) => this.#subscribe(subscriber));
  }

  #subscribe(sink: { next(c: Connection): void; complete(): void }): () => void {
    if (this.#closed) {
      sink.complete();
      return () => {};
    }
    this.#sinks.add(sink);
    if (this.#sinks.size === 1) this.#arm();
    return () => {
      if (this.#sinks.delete(sink) && this.#sinks.size === 0) this.#accept?.cancel();
    };
  }

  /** @internal Calls `next` with every accepted connection until the returned function is called (what listeners for Node's servers use: no rxjs). */
  serve(next: (c: Connection) => void): () => void {
    return this.#subscribe({ next, complete() {} });
  }

  /** Whether the pending accept keeps the process alive (as net.Server#ref/unref). */
  ref(): this {
    return this.#setRef(true);
  }

  unref(): this {
    return this.#setRef(false);
  }

  #setRef(ref: boolean): this {
    this.#ref = ref;
    if (this.#accept) this.ring.setRef(this.#accept.userData, ref);
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterator<Connection> {
    const queue: Connection[] = [];
    let waiter: ((r: IteratorResult<Connection>) => void) | undefined;
    let done = false;
    const unsubscribe = this.#subscribe({
      next: (c) => (waiter ? (waiter({ value: c, done: false }), (waiter = undefined)) : queue.push(c)),
      complete: () => {
        done = true;
        waiter?.({ value: undefined, done: true });
      },
    });
    return {
      next: () =>
        new Promise((res) => {
          if (queue.length > 0) return res({ value: queue.shift()!, done: false });
          if (done) return res({ value: undefined, done: true });
          waiter = res;
        }),
      return: async () => {
        unsubscribe();
        return { value: undefined, done: true };
      },
    };
  }

  #arm(): void {
    if (this.#closed || this.#accept) return;
    this.#accept = this.ring.start(op.accept(this.fd, { multishot: true }), (res, _flags, more) => {
      if (res >= 0) {
        const conn = new Connection(res, this.ring);
        if (this.#sinks.size === 0) void conn.close();
        else for (const sink of this.#sinks) sink.next(conn);
      }
      // A failed accept (EMFILE, ECONNABORTED) ends the multishot: re-armed below, so the server keeps serving.
      if (more) return;
      this.#accept = undefined;
      if (this.#sinks.size > 0 && !this.#closed) this.#arm();
    }, this.#ref ? undefined : { ref: false });
  }

  /** Stops accepting (cancelled in the kernel) and closes the listening socket. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.ring.submitLinked([op.cancelFd(this.fd, { all: true }), op.close(this.fd)], true).catch(() => {});
    if (this.#path !== undefined) fs.rmSync(this.#path, { force: true });
    for (const sink of this.#sinks) sink.complete();
    this.#sinks.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Binds and listens (IPv4, IPv6 or a Unix path). Rejects like Node: `listen EADDRINUSE: address already in use 127.0.0.1:80`. */
export async function listen(options: ListenOptions = {}): Promise<Server> {
  const ring = options.ring ?? defaultRing();
  const ep = await resolve(options, '0.0.0.0');
  if (options.signal?.aborted) throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
  const fd = await ring.submit(op.socket(ep.domain, op.SOCK_STREAM | op.SOCK_CLOEXEC));
  try {
    if (options.path === undefined) sockopt.setsockoptInt(fd, sockopt.SOL_SOCKET, sockopt.SO_REUSEADDR, 1);
    if (options.reusePort) sockopt.setsockoptInt(fd, sockopt.SOL_SOCKET, sockopt.SO_REUSEPORT, 1);
    sockopt.bind(fd, ep.sockaddr);
    sockopt.listen(fd, options.backlog ?? 511);
  } catch (err) {
    await ring.submit(op.close(fd)).catch(() => {});
    throw listenError((err as { errno: number }).errno, ep.address, options.path === undefined ? ep.port : undefined);
  }
  const server = new Server(fd, ring, options.path);
  options.signal?.addEventListener('abort', () => void server.close(), { once: true });
  return server;
}
