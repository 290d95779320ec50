/**
 * The ESM half of @uring/fs/register (see register.ts): a resolve hook that
 * sends what resolves to node:fs/promises to our ESM entry, except from our
 * own files.
 */
let target = '';
let roots: string[] = [];

let source = '';

export async function initialize(data: { target: string; roots: string[]; source: string }): Promise<void> {
  ({ target, roots, source } = data);
}

/** node:fs/promises itself, however it was resolved (another hook may have done it first), is ours for an import. */
export async function load(url: string, context: { conditions?: readonly string[] }, next: (url: string, context: unknown) => Promise<unknown>): Promise<unknown> {
  if (url === 'node:fs/promises' && !context.conditions?.includes('require')) return { format: 'module', source, shortCircuit: true };
  return next(url, context);
}

type Next = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string }>;

/** The hooks after ours answer first, so a mock of 'fs/promises' (its own URL) stays the mock. */
export async function resolve(specifier: string, context: { parentURL?: string }, next: Next): Promise<unknown> {
  const resolved = await next(specifier, context);
  if (resolved.url === 'node:fs/promises' && !roots.some((r) => context.parentURL?.startsWith(r))) {
    return { url: target, format: 'module', shortCircuit: true };
  }
  return resolved;
}
