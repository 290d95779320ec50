/** IORING_REGISTER_PROBE: which opcodes this kernel supports, asked once per ring. */
import type { Ring } from './ring';
import { IO_URING_OP_SUPPORTED, Opcode, opcodeName, PROBE_HEADER_SIZE, PROBE_OP_SIZE, Register, type OpcodeName } from './uapi';

export interface Probe {
  /** The highest opcode the kernel knows. */
  readonly lastOp: number;
  /** Whether the kernel supports an opcode, by number or name ('READ', 'SEND_ZC', ...). */
  supports(op: number | OpcodeName): boolean;
  /** Names of every supported opcode this library knows. */
  readonly supported: readonly OpcodeName[];
}

const cache = new WeakMap<Ring, Probe>();
const MAX_OPS = 256;

export function probe(ring: Ring): Probe {
  const cached = cache.get(ring);
  if (cached) return cached;
  const buf = new Uint8Array(PROBE_HEADER_SIZE + MAX_OPS * PROBE_OP_SIZE);
  ring.register(Register.PROBE, buf, MAX_OPS);
  const lastOp = buf[0]!;
  const opsLen = buf[1]!;
  const ok = new Set<number>();
  for (let i = 0; i < opsLen; i++) {
    const at = PROBE_HEADER_SIZE + i * PROBE_OP_SIZE;
    if (buf[at + 2]! & IO_URING_OP_SUPPORTED) ok.add(buf[at]!);
  }
  const result: Probe = {
    lastOp,
    supports: (op) => ok.has(typeof op === 'number' ? op : Opcode[op]),
    supported: opcodeName.filter((name) => ok.has(Opcode[name])),
  };
  cache.set(ring, result);
  return result;
}
