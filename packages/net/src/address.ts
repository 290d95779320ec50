/** Host names to addresses (dns.lookup, as node:net does), and sockaddrs for the kernel. */
import { AF_INET, AF_INET6, AF_UNIX, encodeSockaddr, invalidArgType, ipFamily, outOfRange } from '@uring/core';

export interface Endpoint {
  domain: number;
  sockaddr: Buffer;
  address: string;
  port: number;
}

export function validatePort(port: unknown, name = 'options.port'): number {
  if (typeof port === 'string' && /^\d+$/.test(port)) port = Number(port);
  if (typeof port !== 'number') throw invalidArgType(name, 'number', port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    const err = outOfRange(name, '>= 0 and <= 65535', port);
    (err as { code: string }).code = 'ERR_SOCKET_BAD_PORT';
    err.message = `${name} should be >= 0 and < 65536. Received ${typeof port === 'number' ? port : String(port)}.`;
    throw err;
  }
  return port;
}

export async function resolve(target: { host?: string; port?: number; path?: string }, defaultHost: string): Promise<Endpoint> {
  if (target.path !== undefined) {
    if (typeof target.path !== 'string') throw invalidArgType('options.path', 'string', target.path);
    return { domain: AF_UNIX, sockaddr: encodeSockaddr({ path: target.path }), address: target.path, port: 0 };
  }
  const port = validatePort(target.port ?? 0);
  let host = target.host ?? defaultHost;
  if (typeof host !== 'string') throw invalidArgType('options.host', 'string', host);
  if (!ipFamily(host)) host = (await (await import('node:dns/promises')).lookup(host)).address;
  return { domain: ipFamily(host) === 6 ? AF_INET6 : AF_INET, sockaddr: encodeSockaddr({ host, port }), address: host, port };
}
