/** Socket errors in Node's formats (net's exceptionWithHostPort and uvExceptionWithHostPort). */
import { errnoInfo } from '@uring/core';

export interface NetError extends Error {
  code: string;
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
}

function build(res: number, syscall: string, message: string, address?: string, port?: number): NetError {
  const [code] = errnoInfo(res);
  const err = new Error(message) as NetError;
  err.errno = -Math.abs(res);
  err.code = code;
  err.syscall = syscall;
  if (address !== undefined) err.address = address;
  if (port !== undefined && port > 0) err.port = port;
  return err;
}

/** `connect ECONNREFUSED 127.0.0.1:80`, `read ECONNRESET`, `write EPIPE`. */
export function netError(res: number, syscall: string, address?: string, port?: number): NetError {
  const [code] = errnoInfo(res);
  let where = '';
  if (address !== undefined) where = port !== undefined && port > 0 ? ` ${address}:${port}` : ` ${address}`;
  return build(res, syscall, `${syscall} ${code}${where}`, address, port);
}

/** `listen EADDRINUSE: address already in use 127.0.0.1:8080`. */
export function listenError(res: number, address: string, port?: number): NetError {
  const [code, description] = errnoInfo(res);
  const where = port !== undefined && port > 0 ? `${address}:${port}` : address;
  return build(res, 'listen', `listen ${code}: ${description} ${where}`, address, port);
}

/** Node's ERR_SOCKET_CLOSED. */
export function socketClosed(): Error & { code: string } {
  const err = new Error('Socket is closed') as Error & { code: string };
  err.code = 'ERR_SOCKET_CLOSED';
  return err;
}
