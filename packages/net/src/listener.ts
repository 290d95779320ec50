/**
 * Node's own servers on ring sockets: withRing(server) makes server.listen()
 * bind a ring listener (multishot ACCEPT) instead of a libuv handle, and hand
 * each connection to the server as a Socket, as net.Server's accept callback
 * does. Everything above (node:http's parser, timeouts and connection
 * tracking, node:tls for https, http2, ws, express, fastify) is Node's own.
 */
import type net from 'node:net';
import { invalidArgType } from '@uring/core';
import type { Connection } from './connection';
import { acceptOptions, adopt, count, full, track, uncount, type ListenHandle } from './node';
import { listen, type ListenOptions, type Server as RingServer } from './server';
import { Socket } from './socket';

export type RingListenOptions = Omit<ListenOptions, 'signal'> & { signal?: AbortSignal };

type Callback = () => void;

/**
 * Makes `server` (an http.Server, https.Server, http2 server, tls.Server or
 * net.Server) listen on ring sockets: its listen() takes the same arguments
 * as net.Server#listen (port, host, backlog, path, and `reusePort`), then
 * 'listening', address(), close(), closeIdleConnections(), ref()/unref() and
 * the server's timeouts work as usual. Returns `server`.
 *
 *   withRing(http.createServer(app)).listen(8080);
 */
export function withRing<T extends net.Server>(server: T, defaults: Pick<ListenOptions, 'ring' | 'reusePort'> = {}): T {
  (server as net.Server).listen = function listenOnRing(...args: unknown[]) {
    if (server.listening || starting.has(server)) throw alreadyListening();
    const [options, callback] = listenArgs(args);
    if (callback) server.once('listening', callback);
    void start(server, { ...defaults, ...options });
    return server;
  } as net.Server['listen'];
  return server;
}

/** net.Server#listen's argument forms: (options, cb), (port, host?, backlog?, cb), (path, backlog?, cb), (cb). */
function listenArgs(args: unknown[]): [RingListenOptions, Callback | undefined] {
  const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as Callback) : undefined;
  const [first, second, third] = args;
  if (first !== null && typeof first === 'object') return [first as RingListenOptions, callback];
  if (typeof first === 'string' && !/^\d+$/.test(first)) return [{ path: first, backlog: typeof second === 'number' ? second : undefined }, callback];
  if (first !== undefined && typeof first !== 'number' && typeof first !== 'string') throw invalidArgType('port', 'number', first);
  const host = typeof second === 'string' ? second : undefined;
  const backlog = typeof second === 'number' ? second : typeof third === 'number' ? third : undefined;
  return [{ port: first === undefined ? 0 : Number(first), host, backlog }, callback];
}

/** Servers whose listen() is under way (net.Server#listen refuses a second call then too). */
const starting = new WeakSet<net.Server>();

function alreadyListening(): Error {
  return Object.assign(new Error('Listen method has been called more than once without closing.'), { code: 'ERR_SERVER_ALREADY_LISTEN' });
}

async function start(server: net.Server, options: RingListenOptions): Promise<void> {
  let ring: RingServer;
  starting.add(server);
  try {
    ring = await listenDualStack(options);
  } catch (err) {
    server.emit('error', err);
    return;
  } finally {
    starting.delete(server);
  }
  const stop = ring.serve((conn) => accept(server, conn));
  const handle: ListenHandle = {
    close() {
      stop();
      // Counted as a connection until the fd is closed, so 'close' comes after it.
      const done = track(server);
      void ring.close().then(done);
    },
    ref: () => void ring.ref(),
    unref: () => void ring.unref(),
  };
  if (options.path === undefined) {
    handle.getsockname = (out) => {
      Object.assign(out, ring.address());
      return 0;
    };
  }
  adopt(server, handle, options.path);
  options.signal?.addEventListener('abort', () => server.close(), { once: true });
  server.emit('listening');
}

/** Without a host, Node listens on '::' (both families) where IPv6 works, else on '0.0.0.0'. */
async function listenDualStack(options: RingListenOptions): Promise<RingServer> {
  if (options.path !== undefined || options.host !== undefined) return listen(options);
  try {
    return await listen({ ...options, host: '::' });
  } catch (err) {
    if ((err as { code?: string }).code !== 'EAFNOSUPPORT' && (err as { code?: string }).code !== 'EADDRNOTAVAIL') throw err;
    return listen({ ...options, host: '0.0.0.0' });
  }
}

/** A socket's 'close' listener: one function for all of them (no closure per connection). */
function untrack(this: Socket): void {
  uncount(this._server as net.Server);
}

/** What net.Server does with an accepted handle: options from the server, counted, then 'connection'. */
function accept(server: net.Server, conn: Connection): void {
  if (full(server)) {
    void conn.close();
    server.emit('drop', { localAddress: conn.localAddress, localPort: conn.localPort, remoteAddress: conn.remoteAddress, remotePort: conn.remotePort, remoteFamily: conn.remoteFamily });
    return;
  }
  const o = acceptOptions(server);
  const socket = new Socket(conn, o);
  if (o.noDelay) socket.setNoDelay(true);
  if (o.keepAlive) socket.setKeepAlive(true, o.keepAliveInitialDelayMs);
  socket.server = socket._server = server;
  count(server);
  socket.on('close', untrack); // (emitted once)
  server.emit('connection', socket);
}
