/** A Connection as a Node stream.Duplex, so existing stream code (http, pipeline, ...) works on it. */
import { Duplex } from 'node:stream';
import type { Connection } from './connection';

export function toDuplex(conn: Connection): Duplex {
  const it = conn[Symbol.asyncIterator]();
  let reading = false;
  const duplex = new Duplex({
    read() {
      if (reading) return;
      reading = true;
      it.next().then(
        (r) => {
          reading = false;
          if (r.done) duplex.push(null);
          else if (duplex.push(r.value)) duplex._read(0);
        },
        (err: Error) => duplex.destroy(err),
      );
    },
    write(chunk: Buffer, _enc, cb) {
      conn.send(chunk).then(() => cb(), cb);
    },
    final(cb) {
      conn.shutdown().then(() => cb(), cb);
    },
    destroy(err, cb) {
      void it.return?.();
      conn.close().then(() => cb(err), () => cb(err));
    },
  });
  // What http.Server and friends read from a net.Socket.
  Object.assign(duplex, {
    remoteAddress: conn.remoteAddress,
    remotePort: conn.remotePort,
    remoteFamily: conn.remoteFamily,
    setNoDelay: () => duplex,
    setKeepAlive: () => duplex,
    setTimeout: () => duplex,
    ref: () => duplex,
    unref: () => duplex,
  });
  return duplex;
}
