/**
 * @uring/net: TCP, Unix and UDP sockets on io_uring, as RxJS observables and async iterables.
 *
 *   const server = await listen({ port: 0, host: '127.0.0.1' });
 *   for await (const conn of server) for await (const chunk of conn) await conn.send(chunk);
 */
export { listen, Server, type ListenOptions } from './server';
export { connect, type ConnectOptions } from './connect';
export { Connection } from './connection';
export { Socket, toDuplex, type SocketOptions } from './socket';
export { withRing, type RingListenOptions } from './listener';
export { lines, lengthPrefixed, chunks, frame } from './operators';
export { bindUdp, UdpSocket, type Datagram } from './udp';
export { netError, type NetError } from './errors';
