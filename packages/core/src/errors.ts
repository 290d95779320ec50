/**
 * Errors as Node makes them: system errors with `errno` (negative), `code`,
 * `syscall`, `path`, `dest` and Node's message format; validation errors with
 * Node's codes and messages; our own errors with stable `ERR_URING_*` codes.
 */
import { getSystemErrorMap, inspect } from 'node:util';

let errorMap: Map<number, [string, string]> | undefined;

/** Name and description of a (negative or positive) errno, as libuv spells them. */
export function errnoInfo(errno: number): [code: string, description: string] {
  errorMap ??= getSystemErrorMap();
  return errorMap.get(-Math.abs(errno)) ?? [`Unknown system error ${-Math.abs(errno)}`, 'unknown error'];
}

export interface SystemError extends Error {
  errno: number;
  code: string;
  syscall: string;
  path?: string;
  dest?: string;
}

/**
 * A system error from a negative kernel result, formatted like Node's:
 * `ENOENT: no such file or directory, open '/x' -> '/y'`.
 */
export function systemError(res: number, syscall: string, path?: string, dest?: string): SystemError {
  const errno = -Math.abs(res);
  const [code, description] = errnoInfo(errno);
  let message = `${code}: ${description}, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const err = new Error(message) as SystemError;
  err.errno = errno;
  err.code = code;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  if (dest !== undefined) err.dest = dest;
  return err;
}

/** Node's AbortError: `code: 'ABORT_ERR'`, `name: 'AbortError'`, the signal's reason as `cause`. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** An Error with a `code`, its stack headed `Name [CODE]: message` as Node's internal errors are. */
export function codedError<E extends Error>(
  Base: new (message: string) => E,
  code: string,
  message: string,
): E & { code: string } {
  const err = new Base(message) as E & { code: string };
  Object.defineProperty(err, 'code', { value: code, enumerable: true, writable: true, configurable: true });
  if (err.stack) err.stack = err.stack.replace(/^(\w+)/, `$1 [${code}]`);
  return err;
}

/** Errors of this library itself. */
export function uringError(code: `ERR_URING_${string}`, message: string, cause?: unknown): Error & { code: string } {
  const err = codedError(Error, code, message);
  if (cause !== undefined) (err as Error).cause = cause;
  return err;
}

/** An op the ring's close cancelled (or found still in flight). */
export function closedError(): Error {
  return uringError('ERR_URING_CLOSED', 'the ring was closed while this op was in flight');
}

const kTypes = ['string', 'function', 'number', 'object', 'Function', 'Object', 'boolean', 'bigint', 'symbol'];
const classRe = /^([A-Z][a-z0-9]*)+$/;

/** How Node names a received value in validation messages (`determineSpecificType`). */
export function describeReceived(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  switch (typeof value) {
    case 'bigint':
      return `type bigint (${value}n)`;
    case 'number':
      if (value === 0) return 1 / value === -Infinity ? 'type number (-0)' : 'type number (0)';
      return `type number (${value})`;
    case 'boolean':
      return `type boolean (${value})`;
    case 'symbol':
      return `type symbol (${String(value)})`;
    case 'function':
      return `function ${(value as { name: string }).name}`;
    case 'object': {
      const ctor = (value as { constructor?: { name?: string } }).constructor;
      if (ctor && 'name' in ctor) return `an instance of ${ctor.name}`;
      return inspect(value, { depth: -1 });
    }
    case 'string': {
      let s = value as string;
      if (s.length > 28) s = `${s.slice(0, 25)}...`;
      return s.includes("'") ? `type string (${JSON.stringify(s)})` : `type string ('${s}')`;
    }
    default:
      return `type ${typeof value} (${inspect(value, { colors: false })})`;
  }
}

function joinOr(words: string[], prefix: string): string {
  if (words.length > 2) return `${prefix}${words.slice(0, -1).join(', ')}, or ${words[words.length - 1]}`;
  return `${prefix}${words.join(' or ')}`;
}

/** Node's ERR_INVALID_ARG_TYPE, with its exact message. */
export function invalidArgType(name: string, expected: string | string[], actual: unknown): TypeError & { code: string } {
  const list = Array.isArray(expected) ? expected : [expected];
  let msg = 'The ';
  if (name.endsWith(' argument')) msg += `${name} `;
  else msg += `"${name}" ${name.includes('.') ? 'property' : 'argument'} `;
  msg += 'must be ';
  const types: string[] = [];
  const instances: string[] = [];
  const other: string[] = [];
  for (const v of list) {
    if (kTypes.includes(v)) types.push(v.toLowerCase());
    else if (classRe.test(v)) instances.push(v);
    else other.push(v);
  }
  if (instances.length > 0) {
    const pos = types.indexOf('object');
    if (pos !== -1) {
      types.splice(pos, 1);
      instances.push('Object');
    }
  }
  if (types.length > 0) {
    msg += types.length > 2 ? joinOr(types, 'one of type ') : types.length === 2 ? `one of type ${types[0]} or ${types[1]}` : `of type ${types[0]}`;
    if (instances.length > 0 || other.length > 0) msg += ' or ';
  }
  if (instances.length > 0) {
    msg += joinOr(instances, 'an instance of ');
    if (other.length > 0) msg += ' or ';
  }
  if (other.length > 0) {
    if (other.length > 2) msg += `one of ${other.slice(0, -1).join(', ')}, or ${other[other.length - 1]}`;
    else if (other.length === 2) msg += `one of ${other[0]} or ${other[1]}`;
    else msg += other[0]!.toLowerCase() === other[0] ? other[0] : `an ${other[0]}`;
  }
  msg += `. Received ${describeReceived(actual)}`;
  return codedError(TypeError, 'ERR_INVALID_ARG_TYPE', msg);
}

/** Node's ERR_INVALID_ARG_VALUE. */
export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): TypeError & { code: string } {
  let inspected = inspect(value);
  if (inspected.length > 128) inspected = `${inspected.slice(0, 128)}...`;
  const type = name.includes('.') ? 'property' : 'argument';
  return codedError(TypeError, 'ERR_INVALID_ARG_VALUE', `The ${type} '${name}' ${reason}. Received ${inspected}`);
}

function addNumericalSeparator(val: string): string {
  let res = '';
  let i = val.length;
  const start = val[0] === '-' ? 1 : 0;
  for (; i >= start + 4; i -= 3) res = `_${val.slice(i - 3, i)}${res}`;
  return `${val.slice(0, i)}${res}`;
}

/** Node's ERR_OUT_OF_RANGE. */
export function outOfRange(name: string, range: string, received: unknown): RangeError & { code: string } {
  let shown: string;
  if (Number.isInteger(received) && Math.abs(received as number) > 2 ** 32) shown = addNumericalSeparator(String(received));
  else if (typeof received === 'bigint') {
    shown = String(received);
    if (received > 2n ** 32n || received < -(2n ** 32n)) shown = addNumericalSeparator(shown);
    shown += 'n';
  } else shown = inspect(received);
  return codedError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${shown}`);
}
