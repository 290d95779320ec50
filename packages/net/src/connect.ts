/** connect(): SOCKET then CONNECT on the ring, with a kernel deadline (a linked timeout) when `timeout` is given. */
import { AF_UNIX, AbortError, defaultRing, invalidArgType, op, run, type Ring } from '@uring/core';
import { resolve } from './address';
import { Connection } from './connection';
import { netError } from './errors';

export interface ConnectOptions {
  host?: string;
  port?: number;
  /** A Unix socket path instead of host/port. */
  path?: string;
  /** A deadline in ms for the connect, enforced in the kernel; rejects ETIMEDOUT. */
  timeout?: number;
  signal?: AbortSignal;
  /** TCP_NODELAY (default true). */
  noDelay?: boolean;
  ring?: Ring;
}

/** Connects; rejects like Node: `connect ECONNREFUSED 127.0.0.1:1` with code, errno, syscall, address, port. */
export async function connect(options: ConnectOptions): Promise<Connection> {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'Object', options);
  const ring = options.ring ?? defaultRing();
  const ep = await resolve(options, 'localhost');
  if (options.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
  const fd = await ring.submit(op.socket(ep.domain, op.SOCK_STREAM | op.SOCK_CLOEXEC));
  try {
    await run(op.connect(fd, ep.sockaddr), { ring, signal: options.signal, timeout: options.timeout });
  } catch (err) {
    await ring.submit(op.close(fd)).catch(() => {});
    const e = err as Error & { errno?: number };
    if (e.name === 'AbortError' || typeof e.errno !== 'number') throw err;
    throw netError(e.errno, 'connect', ep.address, ep.domain === AF_UNIX ? undefined : ep.port);
  }
  const conn = new Connection(fd, ring);
  if (ep.domain !== AF_UNIX && options.noDelay !== false) conn.setNoDelay(true);
  return conn;
}
