/**
 * Fixed-size scratch slots carved from large ArrayBuffers, reused from op to
 * op: memory the kernel reads or writes (a statx struct, a path) without a
 * fresh allocation, and its garbage, per op. A slot is taken when its op is
 * prepared and given back once its final CQE has been read.
 */
import { addressOf } from './ops/common';
import { cPath, pathString } from './validate';

export class Slots {
  readonly size: number;
  readonly #perSlab: number;
  readonly #free: number[] = [];
  readonly #bytes: Buffer[] = [];
  readonly #views: DataView[] = [];
  readonly #bases: number[] = [];

  constructor(size: number, perSlab = 64) {
    this.size = size;
    this.#perSlab = perSlab;
  }

  take(): number {
    if (this.#free.length === 0) this.#grow();
    return this.#free.pop()!;
  }

  give(slot: number): void {
    this.#free.push(slot);
  }

  /** The slab a slot lives in, and the slot's byte offset there. */
  bytes(slot: number): Buffer {
    return this.#bytes[(slot / this.#perSlab) | 0]!;
  }

  view(slot: number): DataView {
    return this.#views[(slot / this.#perSlab) | 0]!;
  }

  offset(slot: number): number {
    return (slot % this.#perSlab) * this.size;
  }

  address(slot: number): number {
    return this.#bases[(slot / this.#perSlab) | 0]! + this.offset(slot);
  }

  #grow(): void {
    const slab = Buffer.alloc(this.size * this.#perSlab);
    const first = this.#bytes.length * this.#perSlab;
    this.#bytes.push(slab);
    this.#views.push(new DataView(slab.buffer, slab.byteOffset, slab.byteLength));
    this.#bases.push(addressOf(slab));
    for (let i = this.#perSlab - 1; i >= 0; i--) this.#free.push(first + i);
  }
}

/** Room for a path in a slot (with its NUL); longer paths get a Buffer of their own. */
const PATH_SLOT = 256;
const pathSlots = new Slots(PATH_SLOT);

/**
 * A path argument as the kernel reads it. A short string (the common case) is
 * written into a reusable slot when its op is prepared and the slot is given
 * back at the final CQE; anything else becomes a NUL-terminated Buffer kept
 * with the op. Checked at construction, with cPath's errors.
 */
export class KernelPath {
  /** The path as error messages show it. */
  readonly text: string;
  /** The NUL-terminated bytes, when the path does not go into a slot. */
  readonly buffer: Buffer | undefined;
  #slot = -1;
  /** Ops in flight that use the slot: a spec submitted again before its CQE shares it (same bytes). */
  #uses = 0;

  constructor(path: unknown, name = 'path') {
    if (typeof path === 'string' && path.indexOf('\u0000') === -1 && (path.length * 3 < PATH_SLOT || Buffer.byteLength(path) < PATH_SLOT)) {
      this.buffer = undefined;
      this.text = path;
    } else {
      this.buffer = cPath(path, name);
      this.text = pathString(path as string | Buffer | URL);
    }
  }

  /** At prep: the address of the bytes. Pair with release() at the final CQE. */
  address(): number {
    if (this.buffer !== undefined) return addressOf(this.buffer);
    if (this.#uses++ === 0) {
      const s = (this.#slot = pathSlots.take());
      const bytes = pathSlots.bytes(s);
      const at = pathSlots.offset(s);
      bytes[at + bytes.write(this.text, at, PATH_SLOT - 1, 'utf8')] = 0;
    }
    return pathSlots.address(this.#slot);
  }

  release(): void {
    if (this.#uses === 0 || --this.#uses > 0) return;
    pathSlots.give(this.#slot);
    this.#slot = -1;
  }
}
