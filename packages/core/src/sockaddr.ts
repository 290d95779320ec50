/** struct sockaddr_in / sockaddr_in6 / sockaddr_un, to and from JS. No DNS here: hosts are IP literals. */
import { invalidArgValue, outOfRange } from './errors';

export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
/** Room for any address the kernel may return (sizeof(struct sockaddr_storage)). */
export const SOCKADDR_STORAGE = 128;

export interface SocketAddress {
  family: 'IPv4' | 'IPv6' | 'unix';
  address: string;
  port: number;
}

function ipv6Bytes(address: string): Buffer {
  // Expand '::' and an embedded IPv4 tail into 8 groups.
  let [head, tail] = address.split('::') as [string, string | undefined];
  const toGroups = (s: string | undefined) => {
    if (!s) return [] as number[];
    const parts = s.split(':');
    const out: number[] = [];
    for (const p of parts) {
      if (p.includes('.')) {
        const b = p.split('.').map(Number);
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      } else out.push(parseInt(p, 16));
    }
    return out;
  };
  const h = toGroups(head);
  const t = toGroups(tail);
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  const buf = Buffer.alloc(16);
  groups.forEach((g, i) => buf.writeUInt16BE(g, i * 2));
  return buf;
}

/** Encodes an IP literal and port, or a Unix socket path (`{ path }`). */
export function encodeSockaddr(target: { host: string; port: number } | { path: string }): Buffer {
  if ('path' in target) {
    const p = Buffer.from(target.path);
    if (p.length >= 108) throw invalidArgValue('path', target.path, 'is too long for a Unix socket');
    const buf = Buffer.alloc(2 + p.length + 1);
    buf.writeUInt16LE(AF_UNIX, 0);
    p.copy(buf, 2);
    return buf;
  }
  const { host, port } = target;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw outOfRange('port', '>= 0 and <= 65535', port);
  const family = ipFamily(host.replace(/^\[|\]$/g, '').split('%')[0]!);
  if (family === 4) {
    const buf = Buffer.alloc(16);
    buf.writeUInt16LE(AF_INET, 0);
    buf.writeUInt16BE(port, 2);
    host.split('.').forEach((b, i) => buf.writeUInt8(Number(b), 4 + i));
    return buf;
  }
  if (family === 6) {
    const buf = Buffer.alloc(28);
    buf.writeUInt16LE(AF_INET6, 0);
    buf.writeUInt16BE(port, 2);
    ipv6Bytes(host.replace(/^\[|\]$/g, '').split('%')[0]!).copy(buf, 8);
    return buf;
  }
  throw invalidArgValue('host', host, 'must be an IP address');
}

/** Decodes what the kernel wrote into a sockaddr buffer. */
export function decodeSockaddr(buf: Uint8Array, length = buf.length): SocketAddress {
  const b = Buffer.from(buf.buffer, buf.byteOffset, length);
  const family = b.readUInt16LE(0);
  if (family === AF_INET) return { family: 'IPv4', address: [...b.subarray(4, 8)].join('.'), port: b.readUInt16BE(2) };
  if (family === AF_INET6) {
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(8 + i * 2).toString(16));
    // Compress the longest run of zero groups, as inet_ntop does.
    let best = -1;
    let bestLen = 0;
    for (let i = 0; i < 8; ) {
      if (groups[i] !== '0') { i++; continue; }
      let j = i;
      while (j < 8 && groups[j] === '0') j++;
      if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
      i = j;
    }
    let address = groups.join(':');
    if (best >= 0) address = `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
    if (address.startsWith('::ffff:') && bestLen === 5 && best === 0) address = `::ffff:${[...b.subarray(20, 24)].join('.')}`;
    return { family: 'IPv6', address, port: b.readUInt16BE(2) };
  }
  if (family === AF_UNIX) {
    const end = b.indexOf(0, 2);
    return { family: 'unix', address: b.toString('utf8', 2, end < 0 ? length : end), port: 0 };
  }
  return { family: 'IPv4', address: '', port: 0 };
}

/** 4, 6, or 0 for a string that is no IP address (node:net's isIP; node:net loads on first use: ~2 MB a process may not need). */
export function ipFamily(host: string): number {
  return (require('node:net') as typeof import('node:net')).isIP(host);
}
