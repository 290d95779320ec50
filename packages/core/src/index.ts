/**
 * @uring/core: the Linux io_uring ring from TypeScript.
 *
 *   import { op, run, Ring } from '@uring/core';
 *   const n = await run(op.read(fd, buf, 0));          // one op, as a promise
 *   const ring = new Ring({ entries: 1024 });          // or a ring of your own
 */
export * as op from './ops';
export * from './promises';
export { Ring, defaultRing, isAvailable, unavailableError, type OpHandle } from './ring';
export type { LiveOp } from './table';
export type { RingOptions } from './setup';
export type { OpSpec, SubmitOptions, CqeSink } from './op';
export { completeDefault, sqeFlagsOf } from './op';
export { probe, type Probe } from './probe';
export { AbortError, systemError, uringError, invalidArgType, invalidArgValue, outOfRange, errnoInfo, codedError, type SystemError } from './errors';
export * as uapi from './uapi';
export { Opcode, IOSQE, type OpcodeName } from './uapi';
export * as sqe from './sqe';
export * as validate from './validate';
export { sys } from './sys';
export { closeAtThreadExit } from './thread';
export { addressOf } from './ops/common';
export { Observable as observableClass } from './rx';
export { chain, hardChain, runChain, observeChain, Chain, type ChainError, type ChainOptions, type StepResult } from './chain';
export { observe } from './observe';
export { FileTable, BufferTable } from './register';
export { BufferRing } from './pbuf';
export { encodeSockaddr, decodeSockaddr, ipFamily, AF_INET, AF_INET6, AF_UNIX, SOCKADDR_STORAGE, type SocketAddress } from './sockaddr';
export * as sockopt from './sockopt';
