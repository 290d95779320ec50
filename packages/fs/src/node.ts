/**
 * What differs by Node line, for @uring/fs: one place, probed where it can be
 * (the core has its own, core/src/node.ts). Everything else in the package
 * asks this table instead of looking at the version.
 */
import fs from 'node:fs';
import node from 'node:fs/promises';
import Module from 'node:module';

const major = Number(process.versions.node.split('.')[0]);

/**
 * The function Node's own stat calls build Stats with. From Node 22 on,
 * `fs.Stats` is a wrapper that warns (DEP0180) and calls it; the prototype's
 * constructor is the function itself, on every line.
 */
const Stats = fs.Stats.prototype.constructor as new (...args: number[]) => fs.Stats;
const BigIntStats = fs.statSync('/', { bigint: true }).constructor as new (...args: bigint[]) => fs.BigIntStats;

export const nodeLine = {
  major,
  Stats,
  BigIntStats,
  /**
   * Node 26's Stats take each time as (seconds, nanoseconds), and keep the
   * nanoseconds for the `*Instant` getters; earlier lines take milliseconds.
   * (Date getters are lazy from 22 on; the constructor takes care of that.)
   */
  statsTakeTimeSpec: Stats.length === 18,
  /** Node 26 names the path in readFile's read errors (`EISDIR: ..., read '<path>'`, with `path`). */
  readFileReadErrorHasPath: major >= 26,
  /**
   * The exports of the running Node's fs/promises, in its order. Calls we have
   * no ring path for and that older lines lack (`glob` from 22, `mkdtempDisposable`
   * from 24) are taken from it as they are, so the list is always the running Node's.
   */
  exportNames: Object.keys(node),
} as const;

/** A signal that aborts when any of `signals` does: AbortSignal.any, which Node 20 has from 20.3 on. */
export const anySignal: (signals: AbortSignal[]) => AbortSignal =
  typeof AbortSignal.any === 'function'
    ? (signals) => AbortSignal.any(signals)
    : (signals) => {
        const c = new AbortController();
        const first = signals.find((s) => s.aborted);
        if (first) c.abort(first.reason);
        else for (const s of signals) s.addEventListener('abort', () => c.abort(s.reason), { once: true });
        return c.signal;
      };

type Resolve = (specifier: string, context: { parentURL?: string; conditions?: readonly string[] }, next: (specifier: string, context: unknown) => unknown) => unknown;
type Load = (url: string, context: { conditions?: readonly string[] }, next: (url: string, context: unknown) => unknown) => unknown;
/** For @uring/fs/register: what the running Node offers to take over module loading. */
export const moduleHooks = {
  /** process.getBuiltinModule (Node 20.16, 22.3 on). */
  getBuiltinModule: (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule,
  /**
   * module.registerHooks, in-thread hooks, used from Node 24 on (module.register is deprecated from 26). Node 22
   * has them from 22.15, but there they deadlock a loader-thread hook that waits for the main thread (tap's mocks).
   */
  registerHooks: major >= 24 ? (Module as { registerHooks?: (hooks: { resolve: Resolve; load: Load }) => void }).registerHooks : undefined,
  /** module.register, hooks on the loader thread (Node 20.6 on). */
  register: (Module as { register?: (url: string | URL, options: { data: unknown }) => void }).register,
};
