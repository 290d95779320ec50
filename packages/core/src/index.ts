/**
 * @uring/core: the Linux io_uring ring from TypeScript.
 *
 *   import { op, run, Ring } from '@uring/core';
 *   const n = await run(op.read(fd, buf, 0));          // one op, as a promise
 *   const ring = new Ring({ entries: 1024 });          // or a ring of your own
 *
 * Every export is written `export import x = m.x`, which tsc's CommonJS output
 * makes a plain data property (`exports.x = m.x`), where `export { x } from`
 * and `export *` make a getter per name (a LoadIC and a call at each use from
 * another package). Node's cjs-module-lexer reads these names for `import`.
 * Nothing exported is reassigned after load, so no live binding is lost.
 */
import * as promises from './promises';
import * as ring from './ring';
import * as opSpec from './op';
import * as probes from './probe';
import * as errors from './errors';
import * as uapi from './uapi';
import * as sqe from './sqe';
import * as validate from './validate';
import * as syscalls from './sys';
import * as thread from './thread';
import * as common from './ops/common';
import * as rx from './rx';
import * as chains from './chain';
import * as observes from './observe';
import * as register from './register';
import * as pbuf from './pbuf';
import * as sockaddr from './sockaddr';
import * as sockopt from './sockopt';

export * as op from './ops';
export { uapi, sqe, validate, sockopt };
export type { CallOptions } from './promises';
export type { OpHandle } from './ring';
export type { LiveOp } from './table';
export type { RingOptions } from './setup';
export type { OpSpec, SubmitOptions, CqeSink } from './op';
export type { Probe } from './probe';
export type { SystemError } from './errors';
export type { OpcodeName } from './uapi';
export type { ChainError, ChainOptions, StepResult } from './chain';
export type { SocketAddress } from './sockaddr';

export import run = promises.run;
export import nop = promises.nop;
export import read = promises.read;
export import write = promises.write;
export import readv = promises.readv;
export import writev = promises.writev;
export import readFixed = promises.readFixed;
export import writeFixed = promises.writeFixed;
export import fsync = promises.fsync;
export import syncFileRange = promises.syncFileRange;
export import fallocate = promises.fallocate;
export import fadvise = promises.fadvise;
export import madvise = promises.madvise;
export import ftruncate = promises.ftruncate;
export import openat = promises.openat;
export import openat2 = promises.openat2;
export import close = promises.close;
export import statx = promises.statx;
export import renameat = promises.renameat;
export import unlinkat = promises.unlinkat;
export import mkdirat = promises.mkdirat;
export import symlinkat = promises.symlinkat;
export import linkat = promises.linkat;
export import splice = promises.splice;
export import tee = promises.tee;
export import getxattr = promises.getxattr;
export import fgetxattr = promises.fgetxattr;
export import setxattr = promises.setxattr;
export import fsetxattr = promises.fsetxattr;
export import timeout = promises.timeout;
export import timeoutRemove = promises.timeoutRemove;
export import timeoutUpdate = promises.timeoutUpdate;
export import cancel = promises.cancel;
export import cancelFd = promises.cancelFd;
export import cancelAll = promises.cancelAll;
export import pollAdd = promises.pollAdd;
export import pollRemove = promises.pollRemove;
export import socket = promises.socket;
export import connect = promises.connect;
export import accept = promises.accept;
export import send = promises.send;
export import recv = promises.recv;
export import sendmsg = promises.sendmsg;
export import recvmsg = promises.recvmsg;
export import siocinq = promises.siocinq;
export import siocoutq = promises.siocoutq;
export import getsockopt = promises.getsockopt;
export import setsockopt = promises.setsockopt;
export import shutdown = promises.shutdown;
export import msgRing = promises.msgRing;
export import waitid = promises.waitid;
export import futexWait = promises.futexWait;
export import futexWake = promises.futexWake;
export import futexWaitv = promises.futexWaitv;
export import fixedFdInstall = promises.fixedFdInstall;
export import pipe = promises.pipe;
export import epollWait = promises.epollWait;
export import readvFixed = promises.readvFixed;
export import writevFixed = promises.writevFixed;
export import Ring = ring.Ring;
export import defaultRing = ring.defaultRing;
export import isAvailable = ring.isAvailable;
export import unavailableError = ring.unavailableError;
export import completeDefault = opSpec.completeDefault;
export import sqeFlagsOf = opSpec.sqeFlagsOf;
export import probe = probes.probe;
export import AbortError = errors.AbortError;
export import systemError = errors.systemError;
export import uringError = errors.uringError;
export import invalidArgType = errors.invalidArgType;
export import invalidArgValue = errors.invalidArgValue;
export import outOfRange = errors.outOfRange;
export import errnoInfo = errors.errnoInfo;
export import codedError = errors.codedError;
export import Opcode = uapi.Opcode;
export import IOSQE = uapi.IOSQE;
export import sys = syscalls.sys;
export import closeAtThreadExit = thread.closeAtThreadExit;
export import addressOf = common.addressOf;
export import chain = chains.chain;
export import hardChain = chains.hardChain;
export import runChain = chains.runChain;
export import observeChain = chains.observeChain;
export import Chain = chains.Chain;
export import observe = observes.observe;
export import FileTable = register.FileTable;
export import BufferTable = register.BufferTable;
export import BufferRing = pbuf.BufferRing;
export import encodeSockaddr = sockaddr.encodeSockaddr;
export import decodeSockaddr = sockaddr.decodeSockaddr;
export import ipFamily = sockaddr.ipFamily;
export import AF_INET = sockaddr.AF_INET;
export import AF_INET6 = sockaddr.AF_INET6;
export import AF_UNIX = sockaddr.AF_UNIX;
export import SOCKADDR_STORAGE = sockaddr.SOCKADDR_STORAGE;
export import observableClass = rx.Observable;
