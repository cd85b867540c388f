// Late attach (issue 3 §4): a host that starts reading mid-stream decodes from the next header
// or packet it can trust, invents nothing, and counts losses only from that late baseline.
// Offline: real QEMU streams (e2e_clean, and e2e_overload with drops) decoded from random byte
// offsets. Live: a first capture of a running target is killed (SIGKILL) mid-stream; what was in
// flight is lost with it; a second capture then opens the same pty mid-stream.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../host/src/core/faults.js';
import { startQemu, type QemuInstance } from '../../host/src/io/qemu.js';
import { CLI, artifactDir, cli, elf, emulatorOf, requireBuilt } from '../e2e/helpers.js';
import { decodeChunked, eventKey, expect1, frameMap, withEvents, type FrameInfo } from '../faults/harness.js';
import { runQemuPipe } from '../faults/qemu-pipe.js';
import { decodeFile } from '../stress/decode.js';

const XOR = 0xa5a5a5a5n;

describe('late attach, offline at random offsets of real streams', () => {
  const streams: { app: string; stream: Buffer; frames: FrameInfo[]; keys: Set<string> }[] = [];

  beforeAll(async () => {
    requireBuilt('e2e_clean', 'e2e_overload');
    for (const app of ['e2e_overload', 'e2e_clean']) {
      const run = await runQemuPipe(elf(app));
      if (run.code !== 0) throw new Error(`${app}: QEMU run failed:\n${run.semihost}`);
      const frames = frameMap(run.stream);
      streams.push({ app, stream: run.stream, frames, keys: new Set(decodeChunked(run.stream, 0).events.map(eventKey)) });
    }
  }, 120_000);

  it('decodes from the first trusted frame, invents nothing, counts from the late baseline', () => {
    for (const s of streams) {
      const rnd = prng(2024);
      // random offsets, plus one exactly on a frame start and one inside the first header
      const offsets = [1, s.frames[Math.floor(s.frames.length / 3)].start];
      for (let i = 0; i < 24; i++) offsets.push(rnd() % s.stream.length);
      for (const offset of offsets) {
        const before = s.frames.filter((f) => f.start < offset).map((f) => f.index);
        const want = expect1(s.stream, [], s.frames, before);
        const got = decodeChunked(s.stream.subarray(offset), offset);
        const where = `${s.app} from byte ${offset}`;
        expect(got.events.filter((e) => !s.keys.has(eventKey(e))), where).toEqual([]);
        expect(got.events.filter((e) => (e.args[0] ^ XOR) !== e.args[1]), where).toEqual([]);
        expect(got.packets, where).toEqual(withEvents(s.frames, want.packets));
        if (want.packets.length === 0) continue;
        // the first packet decoded is the first complete one after the offset
        const first = s.frames.find((f) => f.start >= offset && f.type === 'packet' && f.nEvents! > 0)!;
        expect(got.packets[0], where).toBe(`${first.core}:${first.seq}`);
        expect(got.stats.length, where).toBe(1);
        const st = got.stats[0];
        expect({ decoded: st.decoded, dropped: st.dropped, overwritten: st.overwritten, link_lost: st.link_lost, rejected: st.rejected }, where).toEqual(want.totals);
        expect(want.fromOrigin).toBe(false);
        expect(got.notices.some((n) => n.code === 'late_attach'), where).toBe(true);
      }
    }
  });
});

describe('late attach, live on a real pty', () => {
  let q: QemuInstance | undefined;
  afterEach(async () => {
    await q?.stop(500);
    q = undefined;
  });

  it('a second host opening the pty mid-stream decodes from its late baseline', async () => {
    requireBuilt('e2e_clean');
    const dir = artifactDir('late-attach');
    const log = join(dir, 'semihost.log');
    q = await startQemu({ emulator: emulatorOf(), elf: elf('e2e_clean'), semihostLog: log });
    const first = join(dir, 'first.tpt');
    const second = join(dir, 'second.tpt');
    // the first host starts the target, then dies without a word (no flush, no CMD_STOP)
    const a = spawn(process.execPath, [CLI, 'capture', '--port', q.ptyPath, '-o', first], { stdio: 'ignore' });
    // mid-stream, whatever the machine's speed (e2e_clean sends about 1.1 MB in all)
    for (const end = Date.now() + 30_000; !(existsSync(first) && statSync(first).size > 100_000); ) {
      if (Date.now() > end) throw new Error('the first capture received nothing');
      await new Promise((r) => setTimeout(r, 25));
    }
    // Held while no host reads, so it cannot finish its run into the void before the second
    // host is there; the bytes in flight when the first host died are still lost.
    process.kill(q.pid, 'SIGSTOP');
    a.kill('SIGKILL');
    await new Promise((r) => a.on('close', r));
    const pending = cli(['capture', '--port', q.ptyPath, '-o', second, '--duration', '60'], { timeoutMs: 90_000 });
    await new Promise((r) => setTimeout(r, 1200));
    process.kill(q.pid, 'SIGCONT');
    const b = await pending;
    expect(b.code, b.stderr).toBe(0);
    await q.exited;
    const gt = readFileSync(log, 'utf8').match(/TPGT core=0 generated=(\d+) committed=(\d+) dropped=(\d+)/);
    expect(gt).not.toBeNull();
    const [generated, , dropped] = [+gt![1], +gt![2], +gt![3]];

    // the killed host's file holds what it received: valid, cut at a record boundary
    const d1 = await decodeFile(first);
    expect(d1.events.length).toBeGreaterThan(0);
    const d2 = await decodeFile(second);
    expect(d2.events.length).toBeGreaterThan(0);
    for (const d of [d1, d2]) {
      let bad = 0;
      for (let i = 0; i < d.events.length; i++) {
        const e = d.events[i];
        if (e.id !== 1 || (e.args[0] ^ XOR) !== e.args[1] || (i > 0 && e.args[0] <= d.events[i - 1].args[0])) bad++;
      }
      expect(bad).toBe(0);
    }
    // the second host never saw the boot: a late attach, nothing counted before its baseline
    expect(d2.notices.some((n) => n.code === 'late_attach')).toBe(true);
    expect(d2.headers.every((h) => !h.header.boot)).toBe(true);
    expect(d2.stats.length).toBe(1);
    const s = d2.stats[0];
    expect(s.generated).toBe(s.decoded + s.dropped + s.overwritten + s.link_lost + s.rejected);
    expect(dropped).toBe(0);
    // e2e_clean's payload is the event's index since boot: the baseline packet's first event
    // says how many events came before it, and the rest add up to the firmware's total
    const baselineIndex = Number(d2.events[0].args[0]);
    expect(baselineIndex).toBeGreaterThan(Number(d1.events[d1.events.length - 1].args[0]));
    expect(baselineIndex + s.generated).toBe(generated);
    expect(s.link_lost).toBe(0);
  }, 120_000);
});
