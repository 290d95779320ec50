// Runs the same calls on node:fs/promises and @uring/fs/promises in sibling temp folders and
// compares results, errors and the resulting file trees.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import node from 'node:fs/promises';
import * as uringNs from '@uring/fs/promises';

export const uring = uringNs;
export { node };

export function sandbox() {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'uring-fs-diff-'));
  const roots = { node: path.join(base, 'n'), uring: path.join(base, 'u') };
  fs.mkdirSync(roots.node);
  fs.mkdirSync(roots.uring);
  return { base, roots, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) };
}

/** A comparable picture of a value: root paths replaced, Stats reduced to their data, Buffers to hex. */
export function normalize(value, root) {
  const fix = (s) => (typeof s === 'string' ? s.split(root).join('<root>') : s);
  if (value instanceof Error) {
    const out = { name: value.name, message: fix(value.message) };
    for (const k of ['code', 'errno', 'syscall', 'path', 'dest']) if (value[k] !== undefined) out[k] = fix(value[k]);
    return { error: out };
  }
  if (Buffer.isBuffer(value)) return { buffer: value.toString('hex') };
  if (value instanceof fs.Stats || value?.constructor?.name === 'BigIntStats') {
    const o = { class: value.constructor.name };
    for (const k of Object.keys(value)) if (!/^(atime|ctime|mtime|birthtime)|^(dev|ino)$/.test(k)) o[k] = typeof value[k] === 'bigint' ? `${value[k]}n` : value[k];
    for (const m of ['isFile', 'isDirectory', 'isSymbolicLink', 'isFIFO', 'isSocket', 'isBlockDevice', 'isCharacterDevice']) o[m] = value[m]();
    return o;
  }
  if (typeof value === 'string') return fix(value);
  if (Array.isArray(value)) return value.map((v) => normalize(v, root));
  if (value && typeof value === 'object' && 'bytesRead' in value) return { bytesRead: value.bytesRead, buffer: normalize(Buffer.from(value.buffer.buffer, value.buffer.byteOffset, value.buffer.byteLength), root) };
  if (value && typeof value === 'object' && 'bytesWritten' in value) return { bytesWritten: value.bytesWritten };
  return value;
}

/** The tree under root: relative path -> type, mode, content. */
export function tree(root) {
  const out = {};
  const walk = (dir) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      const rel = path.relative(root, p);
      if (st.isSymbolicLink()) out[rel] = { link: fs.readlinkSync(p).split(root).join('<root>') };
      else if (st.isDirectory()) {
        out[rel] = { dir: true, mode: st.mode };
        walk(p);
      } else out[rel] = { mode: st.mode, nlink: st.nlink, data: fs.readFileSync(p).toString('hex') };
    }
  };
  walk(root);
  return out;
}

/** Runs `call(impl, root)` on both; returns [nodeOutcome, uringOutcome], normalized. */
export async function both(roots, call) {
  const run = async (impl, root) => {
    try {
      return normalize(await call(impl, root), root);
    } catch (err) {
      return normalize(err, root);
    }
  };
  return [await run(node, roots.node), await run(uring, roots.uring)];
}
