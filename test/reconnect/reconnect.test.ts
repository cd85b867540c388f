// Disconnect and reconnect with real ptys that go away (issue 3 §4). The port the host reads is a
// socat pty on a stable path (`PTY,link=...`) in front of QEMU's UART on a TCP chardev, so the
// pty can vanish and come back while the target runs on, or the target can be replaced:
//   1. QEMU killed mid-capture (plain QEMU pty): the capture file stays valid and decodes to
//      everything received.
//   2. The pty goes away and comes back, same target running: `capture --reconnect` resumes the
//      same session; the bytes sent meanwhile are link_lost, exactly, per the firmware's counters.
//   3. The target resets (a new QEMU boots the same firmware, same session number): a new
//      session starts and no event is merged across it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureParser } from '../../host/src/core/capture-format.js';
import { parseGroundTruth } from '../../host/src/cli/ground-truth.js';
import { startQemu } from '../../host/src/io/qemu.js';
import { readTraceInput } from '../../host/src/io/input.js';
import { CLI, artifactDir, elf, emulatorOf, requireBuilt, type CliResult } from '../e2e/helpers.js';
import { freePort, qemuTcp as startQemuTcp, waitFor, type TcpTarget } from '../helpers/qemu-tcp.js';
import { frameMap } from '../faults/harness.js';
import { decodeFile, type FileDecode } from '../stress/decode.js';

const XOR = 0xa5a5a5a5n;
const children: ChildProcess[] = [];
const stops: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of stops.splice(0)) await s();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Mid-stream, whatever the machine's speed: the capture file has grown past this many bytes
 * (e2e_clean sends about 1.1 MB in all). */
async function midStream(file: string, bytes = 100_000): Promise<void> {
  await waitFor(() => existsSync(file) && statSync(file).size > bytes, 30_000);
}

/** QEMU with UART0 on a TCP server chardev (it keeps running when the client goes away). */
function qemuTcp(app: string, port: number): TcpTarget {
  const target = startQemuTcp(app, port);
  children.push(target.child);
  return target;
}

/** A pty on a stable path, relaying to the target's TCP port; it exits when either side closes. */
async function ptyLink(link: string, port: number): Promise<ChildProcess> {
  const child = spawn('socat', [`PTY,link=${link},raw,echo=0`, `TCP:127.0.0.1:${port},retry=100,interval=0.05`], { stdio: 'ignore' });
  children.push(child);
  await waitFor(() => existsSync(link), 10_000);
  return child;
}

function capture(args: string[]): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, 'capture', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => out.push(c));
  child.stderr!.on('data', (c: Buffer) => err.push(c));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    ),
  );
  return { child, done };
}

function captureKinds(file: string): { kinds: string[]; complete: boolean } {
  const kinds: string[] = [];
  const p = new CaptureParser({ event: (_t, e) => kinds.push(e.kind) });
  p.push(readFileSync(file));
  return { kinds, complete: p.end().complete };
}

/** Per session: e2e_clean payloads check themselves and their index strictly increases. */
function checkPayloads(d: FileDecode): Map<number, bigint[]> {
  const bySession = new Map<number, bigint[]>();
  let bad = 0;
  for (const e of d.events) {
    if (e.id !== 1 || (e.args[0] ^ XOR) !== e.args[1]) bad++;
    const list = bySession.get(e.session) ?? [];
    if (list.length > 0 && e.args[0] <= list[list.length - 1]) bad++;
    list.push(e.args[0]);
    bySession.set(e.session, list);
  }
  expect(bad).toBe(0);
  return bySession;
}

describe('disconnect and reconnect on real ptys', () => {
  it('QEMU killed mid-capture: the file is valid and decodes to everything received', async () => {
    requireBuilt('e2e_clean');
    const dir = artifactDir('reconnect-killed');
    const out = join(dir, 'trace.tpt');
    const q = await startQemu({ emulator: emulatorOf(), elf: elf('e2e_clean') });
    stops.push(() => q.stop(200));
    const cap = capture(['--port', q.ptyPath, '-o', out, '--duration', '60']);
    await midStream(out);
    process.kill(q.pid, 'SIGKILL');
    const r = await cap.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stopped: port disconnected/);
    const { kinds, complete } = captureKinds(out);
    expect(complete).toBe(true);
    expect(kinds).toEqual(['open', 'command', 'disconnect', 'end']);

    // everything received: every complete packet frame in the captured bytes is decoded
    const raw: Buffer[] = [];
    await readTraceInput(out, { data: (b) => raw.push(Buffer.from(b)) });
    const bytes = Buffer.concat(raw);
    const lastDelim = bytes.lastIndexOf(0);
    const frames = frameMap(bytes.subarray(0, lastDelim + 1));
    const sent = frames.filter((f) => f.type === 'packet').reduce((n, f) => n + f.nEvents!, 0);
    const d = await decodeFile(out);
    expect(sent).toBeGreaterThan(0);
    expect(d.events.length).toBe(sent);
    checkPayloads(d);
    expect(d.stats.length).toBe(1);
    const s = d.stats[0];
    expect(s.generated).toBe(s.decoded + s.dropped + s.overwritten + s.link_lost + s.rejected);
    // cut before its FINAL status: only what the received counters prove is counted
    expect(d.statuses.some((x) => x.final)).toBe(false);
    expect(s.link_lost).toBe(0);
    // A frame cut by the kill is reported exactly once, where it starts, and never decoded. The
    // capture's disconnect ends it (as the CLI does), so it is a discarded frame, not 'truncated'.
    const cut = lastDelim + 1 < bytes.length;
    const discarded = d.notices.filter((n) => n.level === 'error');
    expect(discarded.map((n) => n.offset)).toEqual(cut ? [lastDelim + 1] : []);
    expect(d.notices.filter((n) => n.code === 'truncated')).toEqual([]);
    // the books were never closed: the CLI must say so rather than "holds"
    expect(s.closed).toBe(false);
  }, 60_000);

  it('--reconnect: the pty goes away and comes back, the same target resumes; the gap is link_lost, exactly', async () => {
    requireBuilt('e2e_clean');
    const dir = artifactDir('reconnect-resume');
    const link = join(dir, 'ttyTP');
    const out = join(dir, 'trace.tpt');
    const port = await freePort();
    const target = qemuTcp('e2e_clean', port);
    const first = await ptyLink(link, port);
    const cap = capture(['--port', link, '--reconnect', '-o', out, '--duration', '90']);
    await midStream(out);
    // The target is held while its port is gone, as a USB-CDC device blocks while no host reads
    // (a QEMU chardev without a client would instead discard everything, FINAL status included,
    // and nothing after the gap could bridge it). What was in flight when the pty vanished
    // (pty, socat and socket buffers, the frame being sent) is lost.
    process.kill(target.child.pid!, 'SIGSTOP');
    first.kill('SIGTERM');
    await waitFor(() => !existsSync(link), 5000);
    await sleep(700);
    await ptyLink(link, port);
    process.kill(target.child.pid!, 'SIGCONT');
    // the firmware finishes (2 s without the host's CMD_STOP), then its pty goes away for good
    expect(await target.exited).toBe(0);
    await waitFor(() => !existsSync(link), 10_000);
    await sleep(500);
    cap.child.kill('SIGINT');
    const r = await cap.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/reconnected/);
    const { kinds, complete } = captureKinds(out);
    expect(complete).toBe(true);
    expect(kinds.filter((k) => k === 'reconnect').length).toBeGreaterThanOrEqual(1);

    const gt = parseGroundTruth(target.semihost());
    expect(gt.done).toBe(true);
    const fw = gt.cores[0];
    const d = await decodeFile(out);
    checkPayloads(d);
    // one target, one boot: the bytes after the reconnect continue the same session
    expect(d.stats.length).toBe(1);
    expect(d.notices.filter((n) => n.code === 'session_reset')).toEqual([]);
    const s = d.stats[0];
    expect(s.generated).toBe(s.decoded + s.dropped + s.rejected + s.overwritten + s.link_lost);
    expect({ generated: s.generated, dropped: s.dropped, rejected: s.rejected, overwritten: s.overwritten }).toEqual({
      generated: fw.generated,
      dropped: fw.dropped,
      rejected: fw.rejected,
      overwritten: fw.overwritten,
    });
    // what was in flight at the cut never arrived: link_lost, exactly, per the counters
    expect(s.decoded + s.link_lost).toBe(fw.committed);
    expect(d.statuses.some((x) => x.final)).toBe(true);
    // a loss at the cut shows as broken frames there, never as decoded garbage
    if (s.link_lost > 0) expect(d.notices.some((n) => n.level === 'error')).toBe(true);
  }, 90_000);

  it('--reconnect across a target reset: a new session, nothing merged, the new boot counted exactly', async () => {
    requireBuilt('e2e_clean');
    const dir = artifactDir('reconnect-reset');
    const link = join(dir, 'ttyTP');
    const out = join(dir, 'trace.tpt');
    const port1 = await freePort();
    const t1 = qemuTcp('e2e_clean', port1);
    await ptyLink(link, port1);
    const cap = capture(['--port', link, '--reconnect', '-o', out, '--duration', '90']);
    await midStream(out);
    // the board dies mid-stream; a fresh one boots the same firmware behind the same port
    t1.child.kill('SIGKILL');
    await t1.exited;
    await waitFor(() => !existsSync(link), 5000);
    await sleep(500);
    const port2 = await freePort();
    const t2 = qemuTcp('e2e_clean', port2);
    await ptyLink(link, port2);
    expect(await t2.exited).toBe(0);
    await waitFor(() => !existsSync(link), 10_000);
    await sleep(500);
    cap.child.kill('SIGINT');
    const r = await cap.done;
    expect(r.code, r.stderr).toBe(0);

    const d = await decodeFile(out);
    const bySession = checkPayloads(d);
    // two sessions, both from a BOOT header; a fresh QEMU has the same session number, so the
    // reset is seen from the BOOT header after data
    expect(d.headers.filter((h) => h.header.boot).length).toBe(2);
    expect(d.headers[0].header.session).toBe(d.headers[d.headers.length - 1].header.session);
    expect(d.notices.some((n) => n.code === 'session_reset')).toBe(true);
    const sessions = [...bySession.keys()].sort();
    expect(sessions.length).toBe(2);
    const [a, b] = sessions.map((k) => bySession.get(k)!);
    // each session starts at the boot's first event; the second starts over
    expect(a[0]).toBe(0n);
    expect(b[0]).toBe(0n);
    expect(a.length).toBeLessThan(100_000);
    for (const s of d.stats) expect(s.generated).toBe(s.decoded + s.dropped + s.rejected + s.overwritten + s.link_lost);
    const fw = parseGroundTruth(t2.semihost()).cores[0];
    const second = d.stats.find((s) => s.session === sessions[1])!;
    const { generated, decoded, dropped, rejected, link_lost } = second;
    expect({ generated, decoded, dropped, rejected, link_lost }).toEqual({
      generated: fw.generated,
      decoded: fw.committed,
      dropped: 0,
      rejected: fw.rejected,
      link_lost: 0,
    });
  }, 90_000);
});
