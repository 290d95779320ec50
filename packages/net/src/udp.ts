/** UDP on the ring: bind, send(data, port, host), datagrams as an Observable (RECVMSG). */
import { AF_INET, AF_INET6, SOCKADDR_STORAGE, decodeSockaddr, defaultRing, encodeSockaddr, ipFamily, observableClass, op, sockopt, type Ring, type SocketAddress } from '@uring/core';
import type { Observable } from 'rxjs';
import { netError, socketClosed } from './errors';

export interface Datagram {
  data: Buffer;
  from: SocketAddress;
}

export class UdpSocket {
  readonly fd: number;
  readonly ring: Ring;
  #closed = false;

  constructor(fd: number, ring: Ring) {
    this.fd = fd;
    this.ring = ring;
  }

  address(): SocketAddress {
    return sockopt.sockname(this.fd);
  }

  async send(data: string | ArrayBufferView, port: number, host = '127.0.0.1'): Promise<number> {
    if (this.#closed) throw socketClosed();
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return this.ring.submit(op.sendmsg(this.fd, [bytes], encodeSockaddr({ host, port }))).catch((e: { errno: number }) => {
      throw netError(e.errno, 'send', host, port);
    });
  }

  /** Datagrams as they arrive (up to `maxSize` bytes each); unsubscribing cancels the receive. */
  messages$(maxSize = 65536): Observable<Datagram> {
    return new (observableClass())<Datagram>((subscriber) => {
      let handle: { cancel(): void } | undefined;
      const arm = () => {
        const buf = Buffer.alloc(maxSize);
        const name = new Uint8Array(SOCKADDR_STORAGE);
        const spec = op.recvmsg(this.fd, [buf], name);
        handle = this.ring.start(spec, (res) => {
          handle = undefined;
          if (subscriber.closed) return;
          if (res < 0) {
            if (this.#closed) return subscriber.complete();
            return subscriber.error(netError(res, 'recvmsg'));
          }
          const r = spec.complete!(res, 0);
          subscriber.next({ data: buf.subarray(0, r.bytes), from: decodeSockaddr(name, r.nameLength) });
          arm();
        });
      };
      arm();
      return () => handle?.cancel();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.ring.submit(op.cancelFd(this.fd, { all: true })).catch(() => {});
    await this.ring.submit(op.close(this.fd)).catch(() => {});
  }
}

/** A UDP socket bound to host:port (port 0: any). */
export async function bindUdp(options: { port?: number; host?: string; ring?: Ring } = {}): Promise<UdpSocket> {
  const ring = options.ring ?? defaultRing();
  const host = options.host ?? '0.0.0.0';
  const fd = await ring.submit(op.socket(ipFamily(host) === 6 ? AF_INET6 : AF_INET, op.SOCK_DGRAM | op.SOCK_CLOEXEC));
  try {
    sockopt.bind(fd, encodeSockaddr({ host, port: options.port ?? 0 }));
  } catch (err) {
    await ring.submit(op.close(fd)).catch(() => {});
    throw netError((err as { errno: number }).errno, 'bind', host, options.port ?? 0);
  }
  return new UdpSocket(fd, ring);
}
