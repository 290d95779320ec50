/**
 * Fixed-size scratch slots carved from large ArrayBuffers, reused from op to
 * op: memory the kernel reads or writes (a statx struct, a path) without a
 * fresh allocation, and its garbage, per op. A slot is taken when its op is
 * prepared and given back once its final CQE has been read.
 */
import { addressOf } from './ops/common';

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
