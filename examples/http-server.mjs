#!/usr/bin/env node
// A static file server: node:http, listening on ring sockets (@uring/net's withRing), files from @uring/fs.
//   node examples/http-server.mjs --port 8080 --root DIR [--reuse-port] [--node-sockets]
// --node-sockets serves the same app on node:http's own sockets (what bench/net compares against).
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import fs from '@uring/fs/promises';
import { withRing } from '@uring/net';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    root: { type: 'string', default: '.' },
    'reuse-port': { type: 'boolean', default: false },
    'node-sockets': { type: 'boolean', default: false },
  },
});
const root = path.resolve(values.root);

const app = http.createServer(async (req, res) => {
  const file = path.join(root, path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  if (!file.startsWith(root)) return res.writeHead(403).end('forbidden\n');
  try {
    const data = await fs.readFile(file);
    res.writeHead(200, { 'content-length': data.length, 'content-type': 'application/octet-stream' }).end(data);
  } catch (err) {
    res.writeHead(err.code === 'ENOENT' ? 404 : err.code === 'EISDIR' ? 403 : 500).end(`${err.code}\n`);
  }
});

const server = values['node-sockets'] ? app : withRing(app);
server.listen({ port: Number(values.port), host: values.host, reusePort: values['reuse-port'] }, () => {
  console.log(`serving ${root} on http://${values.host}:${server.address().port}/`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
