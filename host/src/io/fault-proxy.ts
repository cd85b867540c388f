// A seeded lossy link between a target and the host, for fault-injection tests (issue 3 §3).
// It connects to the target's TCP byte stream (QEMU `-chardev socket,server=on`) and to the
// host's side (e.g. `socat PTY,link=... TCP-LISTEN:...`, which gives the host a real pty),
// passes target -> host bytes through the pure fault model (core/faults.ts) and host -> target
// bytes (commands) unchanged. The clean and the faulted bytes can be recorded, so a test knows
// exactly what was sent and what was done to it.
import { connect, type Socket } from 'node:net';
import { FaultModel, type Fault, type FaultConfig } from '../core/faults.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface FaultProxyOptions {
  /** the target's stream (QEMU's UART chardev, listening) */
  target: Endpoint;
  /** the host's side (listening) */
  host: Endpoint;
  model: FaultConfig;
  /** every clean target byte, in order, before the faults */
  onClean?(chunk: Uint8Array): void;
  /** every byte handed to the host, after the faults */
  onFaulted?(chunk: Uint8Array): void;
  /** keep the host side open this long after the target closed, so its reader drains (ms, default 1000) */
  lingerMs?: number;
  /** give up connecting after this long (ms, default 10000) */
  connectTimeoutMs?: number;
}

export interface FaultProxy {
  /** faults applied so far (clean offsets, see core/faults.ts) */
  readonly faults: Fault[];
  cleanBytes(): number;
  faultedBytes(): number;
  /** resolves when both sides are closed */
  readonly closed: Promise<void>;
  close(): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Connects, retrying while the listener is not up yet (QEMU and socat take a moment to start). */
async function connectRetry(ep: Endpoint, deadline: number): Promise<Socket> {
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = connect(ep.port, ep.host);
        s.once('connect', () => {
          s.off('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      });
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`cannot connect to ${ep.host}:${ep.port}: ${(err as Error).message}`);
      await sleep(50);
    }
  }
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const deadline = Date.now() + (opts.connectTimeoutMs ?? 10_000);
  // The host side first: QEMU (wait=on) starts the guest as soon as the target side connects.
  const hostSock = await connectRetry(opts.host, deadline);
  let targetSock: Socket;
  try {
    targetSock = await connectRetry(opts.target, deadline);
  } catch (err) {
    hostSock.destroy();
    throw err;
  }
  hostSock.setNoDelay(true);
  targetSock.setNoDelay(true);
  const model = new FaultModel(opts.model);

  let hostClosed!: () => void;
  let targetClosed!: () => void;
  const closed = Promise.all([
    new Promise<void>((r) => (hostClosed = r)),
    new Promise<void>((r) => (targetClosed = r)),
  ]).then(() => undefined);

  targetSock.on('data', (chunk: Buffer) => {
    opts.onClean?.(chunk);
    const out = model.apply(chunk);
    if (out.length === 0) return;
    opts.onFaulted?.(out);
    // back-pressure: a slow host reader slows the target, as a real UART link would
    if (!hostSock.write(out)) {
      targetSock.pause();
      hostSock.once('drain', () => targetSock.resume());
    }
  });
  hostSock.on('data', (chunk: Buffer) => {
    if (!targetSock.destroyed) targetSock.write(chunk);
  });
  targetSock.on('error', () => {});
  hostSock.on('error', () => {});
  targetSock.on('close', () => {
    model.end();
    targetClosed();
    setTimeout(() => hostSock.end(), opts.lingerMs ?? 1000);
  });
  hostSock.on('close', () => {
    hostClosed();
    if (!targetSock.destroyed) targetSock.destroy();
  });

  return {
    faults: model.faults,
    cleanBytes: () => model.bytesIn,
    faultedBytes: () => model.bytesOut,
    closed,
    close() {
      targetSock.destroy();
      hostSock.destroy();
    },
  };
}
