/**
 * The ESM face of @uring/fs/promises (the CommonJS build, promises.ts, is the
 * one module behind it, so there is one ring): every name of the running
 * Node's fs/promises (`export *` from it, so `glob` on 22, `mkdtempDisposable`
 * on 24, ...), with ours in place of those we define.
 */
export * from 'node:fs/promises';
export {
  access, appendFile, chmod, chown, constants, copyFile, cp, lchmod, lchown, link, lstat, lutimes, mkdir, mkdtemp, open, opendir,
  readdir, readFile, readlink, realpath, rename, rm, rmdir, stat, statfs, symlink, truncate, unlink, utimes, watch, writeFile,
} from './promises.js';
export { default } from './promises-module.js';
