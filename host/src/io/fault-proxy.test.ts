// The fault proxy over real local TCP sockets: a stand-in target server sends a known stream,
// a stand-in host server receives it. The host must get exactly what the fault model makes of
// the stream, commands must reach the target unchanged, and the host side must close after the
// target side does.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { applyFaults, prng } from '../core/faults.js';
import { startFaultProxy } from './fault-proxy.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

function listen(onSocket: (s: Socket) => void): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer(onSocket);
    servers.push(srv);
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as AddressInfo).port));
  });
}

describe('fault proxy', () => {
  it('hands the host exactly the model output, passes commands through, closes after the target', async () => {
    const r = prng(3);
    const stream = Buffer.alloc(300_000);
    for (let i = 0; i < stream.length; i++) stream[i] = r() & 0xff;
    const model = { kind: 'burst' as const, rate: 1e-3, seed: 12 };
    const expected = applyFaults(stream, model);

    const fromHost: Buffer[] = [];
    const targetPort = await listen((s) => {
      s.on('data', (c: Buffer) => {
        fromHost.push(c);
        // the target starts sending once the host's command arrived
        if (Buffer.concat(fromHost).toString() === 'START') {
          for (let at = 0; at < stream.length; at += 4096) s.write(stream.subarray(at, at + 4096));
          s.end();
        }
      });
      s.on('error', () => {});
    });
    const received: Buffer[] = [];
    let hostSide!: Socket;
    const hostDone = new Promise<void>((resolve) => {
      void listen((s) => {
        hostSide = s;
        s.on('data', (c: Buffer) => received.push(c));
        s.on('end', () => resolve());
        s.on('error', () => {});
      }).then((port) => {
        void startFaultProxy({
          target: { host: '127.0.0.1', port: targetPort },
          host: { host: '127.0.0.1', port },
          model,
          lingerMs: 50,
        }).then((proxy) => {
          hostSide.write('START');
          void proxy.closed.then(() => {
            expect(proxy.cleanBytes()).toBe(stream.length);
            expect(proxy.faults.map((f) => [f.pos, f.len])).toEqual(expected.faults.map((f) => [f.pos, f.len]));
          });
        });
      });
    });
    await hostDone;
    expect(Buffer.concat(fromHost).toString()).toBe('START');
    const got = Buffer.concat(received);
    expect(got.length).toBe(expected.output.length);
    expect(got.equals(Buffer.from(expected.output))).toBe(true);
  });

  it('reports a listener that never comes up', async () => {
    const port = await listen(() => {});
    servers[0].close();
    await expect(
      startFaultProxy({
        target: { host: '127.0.0.1', port },
        host: { host: '127.0.0.1', port },
        model: { kind: 'drop', rate: 0, seed: 1 },
        connectTimeoutMs: 300,
      }),
    ).rejects.toThrow(/cannot connect to 127\.0\.0\.1/);
  });
});
