/**
 * What the listener for Node's servers (listener.ts) relies on inside
 * net.Server: the fields net.Server#listen and its accept callback set, which
 * address(), close(), ref()/unref(), getConnections() and node:http's
 * connection tracking read. The same on Node 20, 22, 24 and 26 (lib/net.js);
 * if a line changes them, this file is the one place to follow.
 */
import type net from 'node:net';

/** A listening handle as net.Server calls it: close(), ref(), unref(), and getsockname() for TCP. */
export interface ListenHandle {
  close(): void;
  ref(): void;
  unref(): void;
  getsockname?(out: Record<string, unknown>): number;
}

interface ServerInternals {
  _handle: ListenHandle | null;
  _connections: number;
  _pipeName?: string;
  _emitCloseIfDrained(): void;
  _unref: boolean;
  allowHalfOpen: boolean;
  noDelay: boolean;
  keepAlive: boolean;
  /** Seconds (net.Server divides the option by 1000). */
  keepAliveInitialDelay: number;
  highWaterMark: number;
  maxConnections?: number | null;
}

const internals = (server: net.Server) => server as unknown as ServerInternals;

/** The socket options net.Server gives each accepted socket. */
export function acceptOptions(server: net.Server) {
  const s = internals(server);
  return { allowHalfOpen: s.allowHalfOpen, highWaterMark: s.highWaterMark, noDelay: s.noDelay, keepAlive: s.keepAlive, keepAliveInitialDelayMs: s.keepAliveInitialDelay * 1000 };
}

/** Makes `server` listening, as net.Server#listen does once its handle listens: listening, address(), close() and ref() go to `handle`. */
export function adopt(server: net.Server, handle: ListenHandle, path: string | undefined): void {
  const s = internals(server);
  s._handle = handle;
  if (path !== undefined) s._pipeName = path;
  if (s._unref) handle.unref();
}

/** Whether `server` is full (maxConnections): net drops the connection and emits 'drop'. */
export function full(server: net.Server): boolean {
  const s = internals(server);
  return s.maxConnections != null && s.maxConnections > 0 && s._connections >= s.maxConnections;
}

/** Counts a connection (or the closing listener) as net.Server does, so close() emits 'close' once it is gone. */
export function track(server: net.Server): () => void {
  count(server);
  return () => uncount(server);
}

/** One more connection of `server` (net.Server's accept does this). */
export function count(server: net.Server): void {
  internals(server)._connections++;
}

/** One connection fewer: 'close' once the server is closed and this was the last. */
export function uncount(server: net.Server): void {
  const s = internals(server);
  s._connections--;
  s._emitCloseIfDrained();
}
