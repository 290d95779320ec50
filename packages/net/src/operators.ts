import { observableClass } from '@uring/core';
/** RxJS operators for byte streams: lines, length-prefixed frames, fixed-size chunks. */
import type { OperatorFunction } from 'rxjs/internal/types';

/** Splits a byte stream into frames with `cut(pending) -> [frame, rest] | undefined`. */
function framer<T>(cut: (pending: Buffer) => [T, Buffer] | undefined, flush?: (rest: Buffer) => T | undefined): OperatorFunction<Buffer, T> {
  return (source) =>
    new (observableClass())<T>((subscriber) => {
      let pending: Buffer = Buffer.alloc(0);
      return source.subscribe({
        next(chunk) {
          pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
          for (let r = cut(pending); r; r = cut(pending)) {
            subscriber.next(r[0]);
            pending = r[1];
          }
        },
        error: (e) => subscriber.error(e),
        complete() {
          const last = pending.length && flush ? flush(pending) : undefined;
          if (last !== undefined) subscriber.next(last);
          subscriber.complete();
        },
      });
    });
}

/** Text lines (without the newline; a final unterminated line is emitted at the end). */
export function lines(encoding: BufferEncoding = 'utf8'): OperatorFunction<Buffer, string> {
  return framer(
    (b) => {
      const i = b.indexOf(10);
      if (i < 0) return undefined;
      const end = i > 0 && b[i - 1] === 13 ? i - 1 : i;
      return [b.toString(encoding, 0, end), b.subarray(i + 1)];
    },
    (rest) => rest.toString(encoding),
  );
}

/** Frames prefixed by a big-endian u32 length. */
export function lengthPrefixed(): OperatorFunction<Buffer, Buffer> {
  return framer((b) => {
    if (b.length < 4) return undefined;
    const n = b.readUInt32BE(0);
    if (b.length < 4 + n) return undefined;
    return [b.subarray(4, 4 + n), b.subarray(4 + n)];
  });
}

/** Chunks of exactly `size` bytes (the last may be shorter). */
export function chunks(size: number): OperatorFunction<Buffer, Buffer> {
  return framer(
    (b) => (b.length >= size ? [b.subarray(0, size), b.subarray(size)] : undefined),
    (rest) => rest,
  );
}

/** Prefixes a frame with its big-endian u32 length (the inverse of lengthPrefixed). */
export function frame(payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(payload.length, 0);
  return Buffer.concat([head, payload]);
}
