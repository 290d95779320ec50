#!/usr/bin/env node
// A multi-core HTTP server: N worker threads, each running node:http on ring sockets (its own ring,
// its own event loop), all listening on one port with SO_REUSEPORT, so the kernel spreads the
// connections over them. Answers 'hello'; on SIGINT or SIGTERM it stops and prints how many
// requests each thread served ("served 5120 4896").
//   node examples/http-threads.mjs [--workers N] [--port 8080] [--host 127.0.0.1]
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { withRing } from '@uring/net';

if (!isMainThread) {
  // Counted here rather than named in a response header: a header per response costs each request
  // ~0.3 us of CPU (its checks and its bytes), more than a Node cluster serving the same 'hello' pays.
  let served = 0;
  const server = withRing(
    http.createServer((req, res) => {
      served++;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 5 }).end('hello');
    }),
  );
  server.listen({ port: workerData.port, host: workerData.host, reusePort: true }, () => parentPort.postMessage(server.address().port));
  parentPort.once('message', () => {
    server.close();
    server.closeAllConnections();
    parentPort.postMessage(served);
  });
} else {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: String(os.availableParallelism()) },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const start = (port) =>
    new Promise((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), { workerData: { port, host: values.host } });
      w.once('message', (bound) => resolve({ w, bound }));
      w.once('error', reject);
    });
  // The first worker picks the port (0: any free one), the others join it.
  const first = await start(Number(values.port));
  const rest = await Promise.all(Array.from({ length: Number(values.workers) - 1 }, () => start(first.bound)));
  const workers = [first, ...rest].map(({ w }) => w);
  console.log(`serving on http://${values.host}:${first.bound}/ with ${workers.length} worker threads`);
  const stop = async () => {
    const served = workers.map((w) => new Promise((resolve) => w.once('message', resolve)));
    for (const w of workers) w.postMessage('stop');
    console.log(`served ${(await Promise.all(served)).join(' ')}`);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
