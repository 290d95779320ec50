/**
 * The CommonJS face of @uring/fs/promises: one plain object with exactly the
 * own keys of the running Node's fs/promises, in its order and with its
 * property attributes (no `default`, no `__esModule`, which mocks that copy
 * every key, and transpiled `__importDefault`, would otherwise see). Ours
 * where we define a call, Node's own for the rest (glob from Node 22,
 * mkdtempDisposable from 24, whatever comes next). promises.mts is the ESM face.
 */
import node from 'node:fs/promises';
import { nodeLine } from './node';
import * as calls from './promises';

type Module = typeof calls & Omit<typeof node, keyof typeof calls>;

const ours = calls as unknown as Record<string, unknown>;
const theirs = node as unknown as Record<string, unknown>;
const fsPromises = Object.fromEntries(nodeLine.exportNames.map((name) => [name, name in ours ? ours[name] : theirs[name]])) as unknown as Module;

export = fsPromises;
