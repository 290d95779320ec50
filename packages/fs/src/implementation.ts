import { nodeLine } from './node';

/** Which path each fs/promises export takes where io_uring is available (the package README has the same table); what newer Node lines add is Node's. */
export const implementation: Readonly<Record<string, 'io_uring' | 'node'>> = Object.freeze({
  ...Object.fromEntries(nodeLine.exportNames.filter((name) => name !== 'constants').map((name) => [name, 'node' as const])),
  open: 'io_uring', stat: 'io_uring', lstat: 'io_uring', rename: 'io_uring', link: 'io_uring', symlink: 'io_uring',
  unlink: 'io_uring', rmdir: 'io_uring', mkdir: 'io_uring', truncate: 'io_uring', readFile: 'io_uring', writeFile: 'io_uring',
  appendFile: 'io_uring', copyFile: 'io_uring', access: 'node', cp: 'node', opendir: 'node', rm: 'node', readdir: 'node',
  readlink: 'node', statfs: 'node', chmod: 'node', lchmod: 'node', lchown: 'node', chown: 'node', utimes: 'node', lutimes: 'node',
  realpath: 'node', mkdtemp: 'node', watch: 'node',
});

