// Link fault injection, live part (issue 3 §3): QEMU's UART on a TCP chardev -> the seeded fault
// proxy (host/src/io/fault-proxy.ts) -> socat, which gives the host a real pty -> `tracepipe
// capture --port` reading it with @serialport/stream. The proxy records the clean stream and the
// faults; the oracle (harness.ts) then says what the capture must decode to.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultKind } from '../../host/src/core/faults.js';
import { startFaultProxy, type FaultProxy } from '../../host/src/io/fault-proxy.js';
import { readTraceInput } from '../../host/src/io/input.js';
import { artifactDir, cli, requireBuilt } from '../e2e/helpers.js';
import { freePort, qemuTcp, waitFor } from '../helpers/qemu-tcp.js';
import { decodeFile } from '../stress/decode.js';
import { decodeChunked, eventKey, expect1, frameMap, withEvents } from './harness.js';

const children: ChildProcess[] = [];
let proxy: FaultProxy | undefined;
afterEach(() => {
  proxy?.close();
  proxy = undefined;
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});


describe.each([
  ['e2e_overload', 'flip' as FaultKind, 2e-3, 5],
  ['e2e_overload', 'burst' as FaultKind, 1e-3, 6],
  ['e2e_clean', 'drop' as FaultKind, 1e-4, 7],
])('%s through a %s proxy at %s into a real pty', (app, kind, rate, seed) => {
  it('the capture equals the faulted bytes; nothing invented; link_lost and resync as the oracle says', async () => {
    requireBuilt(app);
    const dir = artifactDir(`live-proxy-${app}-${kind}`);
    const link = join(dir, 'ttyTP');
    const capture = join(dir, 'trace.tpt');
    const [qemuPort, hostPort] = [await freePort(), await freePort()];
    const qemu = qemuTcp(app, qemuPort);
    children.push(qemu.child);
    const qemuExit = qemu.exited;
    const socat = spawn('socat', [`PTY,link=${link},raw,echo=0`, `TCP-LISTEN:${hostPort},bind=127.0.0.1,reuseaddr`], { stdio: 'ignore' });
    children.push(socat);
    await waitFor(() => existsSync(link), 10_000);

    const clean: Buffer[] = [];
    const faulted: Buffer[] = [];
    proxy = await startFaultProxy({
      target: { host: '127.0.0.1', port: qemuPort },
      host: { host: '127.0.0.1', port: hostPort },
      model: { kind, rate, seed },
      onClean: (c) => clean.push(Buffer.from(c)),
      onFaulted: (c) => faulted.push(Buffer.from(c)),
    });
    const r = await cli(['capture', '--port', link, '-o', capture, '--duration', '90'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stopped: port disconnected/);
    expect(await qemuExit).toBe(0);
    await proxy.closed;

    // the pty path is transparent: the capture holds exactly the bytes the proxy sent
    const received: Buffer[] = [];
    await readTraceInput(capture, { data: (b) => received.push(Buffer.from(b)) });
    const cleanStream = Buffer.concat(clean);
    const faultedStream = Buffer.concat(faulted);
    expect(Buffer.concat(received).equals(faultedStream)).toBe(true);
    expect(proxy.faults.length).toBeGreaterThan(0);

    // the clean stream is what the firmware says it sent
    const gt = qemu.semihost().match(/TPGT core=0 generated=(\d+) committed=(\d+) dropped=(\d+) rejected=(\d+)/);
    expect(gt).not.toBeNull();
    const cleanDecode = decodeChunked(cleanStream, 1);
    expect(cleanDecode.stats[0]).toMatchObject({ generated: +gt![1], decoded: +gt![2], dropped: +gt![3], rejected: +gt![4], link_lost: 0 });

    const frames = frameMap(cleanStream);
    const want = expect1(cleanStream, proxy.faults, frames);
    const got = await decodeFile(capture);
    const keys = new Set(cleanDecode.events.map(eventKey));
    expect(got.events.filter((e) => !keys.has(eventKey(e)))).toEqual([]);
    const packets: string[] = [];
    for (const e of got.events) if (packets[packets.length - 1] !== `${e.core}:${e.seq}`) packets.push(`${e.core}:${e.seq}`);
    expect(packets).toEqual(withEvents(frames, want.packets));
    expect(got.stats.length).toBe(1);
    const s = got.stats[0];
    expect({ decoded: s.decoded, dropped: s.dropped, overwritten: s.overwritten, link_lost: s.link_lost, rejected: s.rejected }).toEqual(want.totals);
    expect(s.generated).toBe(s.decoded + s.dropped + s.overwritten + s.link_lost + s.rejected);
    expect(s.link_lost).toBeGreaterThan(0);
    // what the capture command printed is the same accounting
    expect(r.stdout).toMatch(new RegExp(`^0\\s+${s.generated}\\s+${s.decoded}\\s+${s.dropped}\\s+0\\s+${s.link_lost}\\s`, 'm'));
  }, 150_000);
});
