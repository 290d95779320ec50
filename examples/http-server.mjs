#!/usr/bin/env node
// A static file server: sockets from @uring/net, files from @uring/fs, HTTP parsing by node:http.
//   node examples/http-server.mjs --port 8080 --root DIR
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import fs from '@uring/fs/promises';
import { listen, toDuplex } from '@uring/net';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' }, root: { type: 'string', default: '.' } } });
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

const server = await listen({ port: Number(values.port), host: values.host });
console.log(`serving ${root} on http://${values.host}:${server.address().port}/`);
process.once('SIGINT', () => server.close().then(() => process.exit(0)));
process.once('SIGTERM', () => server.close().then(() => process.exit(0)));
server.connections$.subscribe((conn) => app.emit('connection', toDuplex(conn)));
