/**
 * The ESM half of @uring/fs/register (see register.ts): a resolve hook that
 * sends 'fs/promises' and 'node:fs/promises' to our ESM entry, except from
 * our own files.
 */
let target = '';
let roots: string[] = [];

export async function initialize(data: { target: string; roots: string[] }): Promise<void> {
  ({ target, roots } = data);
}

type Next = (specifier: string, context: { parentURL?: string }) => Promise<unknown>;

export async function resolve(specifier: string, context: { parentURL?: string }, next: Next): Promise<unknown> {
  if ((specifier === 'fs/promises' || specifier === 'node:fs/promises') && !roots.some((r) => context.parentURL?.startsWith(r))) {
    return { url: target, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}
