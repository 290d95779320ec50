/**
 * @uring/fs: node:fs/promises on io_uring.
 *
 *   import fs from '@uring/fs/promises';   // same exports as node:fs/promises
 *   import { promises, isNative, implementation } from '@uring/fs';
 */
import * as promises from './promises';
export { promises };
import { isNative } from './ring';
export { isNative };
export { FileHandle } from './filehandle';
import { implementation } from './implementation';
export { implementation };

/** Whether a call takes the ring ('io_uring') or Node's own implementation ('node'), here and now. */
export function mode(call: keyof typeof implementation): 'io_uring' | 'node' {
  return isNative() ? implementation[call]! : 'node';
}
export { withOptions, batch, type CallOptions } from './scoped';
