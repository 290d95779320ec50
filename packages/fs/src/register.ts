/**
 * @uring/fs/register: adopt @uring/fs/promises without editing code.
 *
 *   node --import @uring/fs/register app.mjs     (or --require @uring/fs/register app.js)
 *
 * From then on `require('fs/promises')`, `require('node:fs/promises')`,
 * `require('fs').promises`, `process.getBuiltinModule('fs/promises')` and ESM
 * `import ... from 'fs/promises'` / `'node:fs/promises'` / `import { promises } from 'fs'`
 * give @uring/fs/promises, in the program and in its dependencies alike. Our
 * own files (this package and @uring/core) keep Node's module, which the
 * calls without a ring path and the fallback use. Worker threads inherit the
 * flag (Node passes execArgv on; an `eval: true` worker runs its code before
 * an --import has loaded, so give it --require); child processes get it when
 * URING_FS_REGISTER_CHILDREN=1, which adds it to their NODE_OPTIONS.
 */
import fs from 'node:fs';
import node from 'node:fs/promises';
import Module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { moduleHooks } from './node';

type Loader = { _load(request: string, parent: { filename?: string } | undefined, isMain: boolean): unknown };

/** The folders whose files keep Node's own fs/promises: this package and the core (real paths, as Node loads them). */
const roots = [path.resolve(__dirname, '..'), path.resolve(path.dirname(require.resolve('@uring/core')), '..')].map((r) => r + path.sep);
const isOurs = (file: string | undefined) => file !== undefined && roots.some((r) => file.startsWith(r));
const SPECIFIERS = new Set(['fs/promises', 'node:fs/promises']);

let ours: unknown;
let loading = false;
/** @uring/fs/promises, loaded on first use (Node's own while it loads). */
function impl(): unknown {
  if (ours !== undefined) return ours;
  if (loading) return node;
  loading = true;
  try {
    ours = require('./promises-module');
  } finally {
    loading = false;
  }
  return ours;
}

function install(): void {
  const loader = Module as unknown as Loader;
  const load = loader._load;
  loader._load = function (this: unknown, request: string, parent: { filename?: string } | undefined, _isMain: boolean) {
    if (SPECIFIERS.has(request) && !isOurs(parent?.filename)) return impl();
    // eslint-disable-next-line prefer-rest-params
    return load.apply(this, arguments as unknown as Parameters<Loader['_load']>);
  };

  const getBuiltin = moduleHooks.getBuiltinModule;
  if (typeof getBuiltin === 'function') {
    (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule = function getBuiltinModule(id: string) {
      return SPECIFIERS.has(id) ? impl() : getBuiltin.call(process, id);
    };
  }

  // Our own files never read fs.promises (they import node:fs/promises), so the getter can always answer ours.
  const own = Object.getOwnPropertyDescriptor(fs, 'promises');
  // A getter like Node's own (named `get`, no setter), so code that inspects the property sees the same shape.
  Object.defineProperty(fs, 'promises', {
    configurable: true,
    enumerable: own?.enumerable ?? true,
    get() {
      return impl();
    },
  });
  // ESM's `import { promises } from 'fs'` reads a copy of the exports: bring it up to date.
  Module.syncBuiltinESMExports();

  // ESM imports: in-thread hooks from Node 24 on (see moduleHooks in node.ts), else hooks on the loader thread.
  const target = pathToFileURL(path.join(__dirname, 'promises.mjs')).href;
  const rootURLs = roots.map((r) => pathToFileURL(r).href);
  // A module that is ours, for the load hook: other hooks (a test runner's mocks) may resolve 'fs/promises' to
  // node:fs/promises before ours sees the specifier; loading that URL still gives ours (to our own ESM too: the same values).
  const names = Object.keys(node).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
  const source = `import { createRequire } from 'node:module';\nconst m = createRequire(${JSON.stringify(__filename)})('./promises-module.js');\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`;
  const registerHooks = moduleHooks.registerHooks;
  if (typeof registerHooks === 'function') {
    registerHooks({
      resolve(specifier, context, next) {
        // The hooks after ours answer first, so a mock of 'fs/promises' (its own URL) stays the mock.
        // (require() is the Module._load patch's: it gives the CommonJS object, not the ESM namespace.)
        const resolved = next(specifier, context) as { url: string };
        if (resolved.url === 'node:fs/promises' && !context.conditions?.includes('require') && !rootURLs.some((r) => context.parentURL?.startsWith(r))) {
          return { url: target, format: 'module', shortCircuit: true };
        }
        return resolved;
      },
      load(url, context, next) {
        if (url === 'node:fs/promises' && !context.conditions?.includes('require')) return { format: 'module', source, shortCircuit: true };
        return next(url, context);
      },
    });
  } else {
    moduleHooks.register?.(pathToFileURL(path.join(__dirname, 'register-hooks.mjs')), { data: { target, roots: rootURLs, source } });
  }

  if (process.env.URING_FS_REGISTER_CHILDREN === '1') {
    const flag = `--require=${__filename}`;
    const options = process.env.NODE_OPTIONS ?? '';
    if (!options.includes(flag)) process.env.NODE_OPTIONS = options ? `${options} ${flag}` : flag;
  }
}

// Once per thread, however many times it is required or imported.
const installed = Symbol.for('@uring/fs/register');
if (!(globalThis as Record<symbol, unknown>)[installed]) {
  (globalThis as Record<symbol, unknown>)[installed] = true;
  install();
}
