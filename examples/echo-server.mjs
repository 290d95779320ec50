#!/usr/bin/env node
// An echo server on @uring/net: multishot accept, multishot receive into a provided buffer ring, and
// conn.pipe(conn) (as node:net's socket.pipe(socket)): each chunk is sent back from the kernel's receive
// buffer, with no copy and no promise per chunk; receiving pauses while the peer does not read.
//   node examples/echo-server.mjs --port 7000 [--host 127.0.0.1]
import { parseArgs } from 'node:util';
import { listen } from '@uring/net';

const { values } = parseArgs({ options: { port: { type: 'string', default: '7000' }, host: { type: 'string', default: '127.0.0.1' } } });
const server = await listen({ port: Number(values.port), host: values.host });
const { address, port } = server.address();
console.log(`echo server listening on ${address}:${port}`);
process.once('SIGINT', () => server.close().then(() => process.exit(0)));
process.once('SIGTERM', () => server.close().then(() => process.exit(0)));

for await (const conn of server) {
  conn
    .pipe(conn) // resolves at the peer's EOF, once everything is echoed; rejects if the peer resets
    .catch(() => {})
    .finally(() => conn.close());
}
