// `tracepipe capture --port`: the real-board path, exercised on QEMU ptys (the same serial
// binding a USB-CDC board goes through). A missing or busy port is one clear line; a port that
// goes away mid-capture leaves a valid file; with --reconnect the capture continues on the port
// when it comes back, and the target reset is a new session (nothing merged across it).
import { existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureParser, type CaptureEvent } from '../../host/src/core/capture-format.js';
import { startQemu, type QemuInstance } from '../../host/src/io/qemu.js';
import { closePort, openSerialPort } from '../../host/src/io/serial.js';
import { artifactDir, cli, elf, emulatorOf, lines, requireBuilt, statsOf } from './helpers.js';

const running: QemuInstance[] = [];

async function qemu(app: string): Promise<QemuInstance> {
  const q = await startQemu({ emulator: emulatorOf(), elf: elf(app) });
  running.push(q);
  return q;
}

afterEach(async () => {
  while (running.length) await running.pop()!.stop(500);
});

function captureEvents(file: string): { events: CaptureEvent[]; complete: boolean } {
  const events: CaptureEvent[] = [];
  const p = new CaptureParser({ event: (_t, e) => events.push(e) });
  p.push(readFileSync(file));
  return { events, complete: p.end().complete };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('capture --port', () => {
  const dir = artifactDir('capture');

  it('a missing port is one line, exit 1', async () => {
    requireBuilt();
    const r = await cli(['capture', '--port', '/dev/tracepipe-missing-port', '-o', join(dir, 'x.tpt'), '--duration', '1']);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual(['tracepipe: serial port /dev/tracepipe-missing-port not found']);
    expect(existsSync(join(dir, 'x.tpt'))).toBe(false);
  });

  it('a busy port is one line, exit 1, and the holder keeps it', async () => {
    requireBuilt('e2e_clean');
    const q = await qemu('e2e_clean');
    const holder = await openSerialPort(q.ptyPath);
    try {
      const r = await cli(['capture', '--port', q.ptyPath, '-o', join(dir, 'busy.tpt'), '--duration', '1']);
      expect(r.code).toBe(1);
      expect(lines(r.stderr)).toEqual([`tracepipe: serial port ${q.ptyPath} is busy (another program has it open)`]);
      expect(holder.isOpen).toBe(true);
    } finally {
      await closePort(holder);
    }
  });

  it('captures a target on a pty; when the target goes away the file is valid and complete', async () => {
    requireBuilt('e2e_clean');
    const q = await qemu('e2e_clean');
    const out = join(dir, 'clean-port.tpt');
    const r = await cli(['capture', '--port', q.ptyPath, '-o', out, '--duration', '60'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stopped: port disconnected/);
    const { events, complete } = captureEvents(out);
    expect(complete).toBe(true);
    // the firmware flushed on its own: its FINAL status is answered with CMD_STOP, as `run` does
    expect(events.map((e) => e.kind)).toEqual(['open', 'command', 'command', 'disconnect', 'end']);
    expect(events.filter((e) => e.kind === 'command').map((e) => e.name)).toEqual(['CMD_START', 'CMD_STOP']);
    // the target finished its frame before stopping: the stream ends on a frame boundary
    const d = await cli(['decode', '-f', 'jsonl', out]);
    expect(d.code).toBe(0);
    expect(d.stderr).toBe('');
    const s = await statsOf(out);
    expect(s.identity).toBe(true);
    // the firmware flushed and exited: every event arrived unless the pty lost its tail on exit
    expect(s.cores[0].decoded).toBeGreaterThan(0);
    expect(s.cores[0].dropped + s.cores[0].overwritten).toBe(0);
  });

  it('--reconnect: the capture survives the port going away and continues when it comes back', async () => {
    requireBuilt('e2e_clean', 'e2e_overload');
    const link = join(dir, 'port');
    rmSync(link, { force: true });
    const out = join(dir, 'reconnect.tpt');
    const first = await qemu('e2e_clean');
    symlinkSync(first.ptyPath, link);
    const capture = cli(['capture', '--port', link, '--reconnect', '-o', out, '--duration', '8'], { timeoutMs: 60_000 });
    await sleep(1500);
    // the target dies mid-stream (the pty goes away with it). The link goes first: once QEMU
    // is gone its /dev/pts number is free, and a QEMU started by a test in another worker may
    // get it; a capture reconnecting through a stale link would attach to that target.
    rmSync(link, { force: true });
    await first.stop(200);
    await sleep(1000);
    // a new target (a reset: new session) appears on the same path
    const second = await qemu('e2e_overload');
    symlinkSync(second.ptyPath, link);
    const r = await capture;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/reconnected/);
    const { events, complete } = captureEvents(out);
    expect(complete).toBe(true);
    const kinds = events.map((e) => e.kind);
    expect(kinds).toContain('disconnect');
    expect(kinds).toContain('reconnect');
    expect(kinds.indexOf('reconnect')).toBeGreaterThan(kinds.indexOf('disconnect'));

    const d = await cli(['decode', '-f', 'jsonl', out]);
    expect(d.code).toBe(0);
    const recs = lines(d.stdout).map((l) => JSON.parse(l) as { type: string; id?: number; session?: number });
    const ev = recs.filter((x) => x.type === 'event');
    // events of the first target (id 1) and of the second (id 2), never in one session
    const sessionsOf = (id: number) => new Set(ev.filter((e) => e.id === id).map((e) => e.session ?? 0));
    const s1 = sessionsOf(1);
    const s2 = sessionsOf(2);
    expect(s1.size).toBeGreaterThan(0);
    expect(s2.size).toBeGreaterThan(0);
    for (const s of s1) expect(s2.has(s)).toBe(false);
    const st = await statsOf(out);
    expect(st.identity).toBe(true);
    expect(new Set(st.cores.map((c) => c.session ?? 0)).size).toBeGreaterThanOrEqual(2);
  });
});
