// Time wraps end to end (issue 3 §5): apps/wrap16 built with a 16-bit timestamp timer
// (TIMER0 wraps every 65536 ticks, 2.6 ms), run under -icount so QEMU's timer is exact, with the
// START command fed on -serial stdio. Every event carries the 64-bit time the firmware read just
// before recording it, so the decoded time of event n must lie between its own reading and the
// next event's: this fails if the 64-bit extension ever loses or invents a wrap, in bursts and
// across idle gaps many wraps long. Host side: a packet of the real stream rewritten so one event
// lies more than a wrap after ts_begin must be flagged time_unproven, not silently accepted.
// Counters near 2^32 are covered by the protocol vectors (valid/counters_wrap) and the firmware's
// native tests (origin_* just below 2^32).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { frame, packetMessage } from '../../host/src/core/encode.js';
import { ROOT } from '../e2e/helpers.js';
import { decodeChunked, frameMap } from '../faults/harness.js';
import { runQemuPipe, type PipeRun } from '../faults/qemu-pipe.js';

const BUILD = 'build/qemu-mps2-an385-t16';
const ELF = join(ROOT, BUILD, 'wrap16.elf');
const WRAP = 1n << 16n;

let run: PipeRun;

beforeAll(async () => {
  // a private 16-bit build of the one app (the board's header lets a build narrow the timer)
  execFileSync('make', ['-s', 'BOARD=qemu-mps2-an385', `BUILD=${BUILD}`, 'BOARD_CFLAGS=-DTP_BOARD_TIMER_BITS=16', `${BUILD}/wrap16.elf`], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  run = await runQemuPipe(ELF, { extraArgs: ['-icount', 'shift=0,sleep=off'], timeoutMs: 120_000 });
}, 180_000);

describe('16-bit timer under QEMU', () => {
  it('decoded 64-bit time is bracketed by the firmware readings across bursts and idle gaps of many wraps', () => {
    expect(run.code, run.semihost).toBe(0);
    const gt = run.groundTruth[0];
    const d = decodeChunked(run.stream, 3);
    const hdr = frameMap(run.stream).find((f) => f.type === 'header')!.header!;
    expect(hdr.timerBits).toBe(16);
    expect(d.stats.length).toBe(1);
    const s = d.stats[0];
    // The app paces itself on the link; when the pipe stalls long enough a few events can be
    // dropped (rarely, on a loaded machine). Those are counted exactly; what this test is about
    // is the time of every event that arrives.
    expect({ generated: s.generated, dropped: s.dropped, link_lost: s.link_lost }).toEqual({
      generated: gt.generated,
      dropped: gt.dropped,
      link_lost: 0,
    });
    expect(s.decoded + s.dropped).toBe(gt.generated);
    expect(s.dropped).toBeLessThan(gt.generated / 100);
    expect(d.notices.filter((n) => n.level !== 'info')).toEqual([]);

    const ev = d.events.filter((e) => e.id === 5);
    expect(ev.length).toBe(s.decoded);
    let outside = 0;
    let maxGapWraps = 0n;
    for (let i = 0; i < ev.length; i++) {
      const [seq, lo, hi] = ev[i].args;
      // payload sequence strictly increasing: nothing duplicated or invented (gaps are drops)
      if (i > 0) expect(seq > ev[i - 1].args[0]).toBe(true);
      else expect(seq).toBeGreaterThanOrEqual(0n);
      const t = (hi << 32n) | lo;
      const next = i + 1 < ev.length ? (ev[i + 1].args[2] << 32n) | ev[i + 1].args[1] : null;
      if (ev[i].ticks < t || (next !== null && ev[i].ticks > next)) outside++;
      if (i > 0) {
        const gap = (ev[i].ticks - ev[i - 1].ticks) / WRAP;
        if (gap > maxGapWraps) maxGapWraps = gap;
      }
    }
    expect(outside).toBe(0);
    const wraps = ev[ev.length - 1].ticks / WRAP;
    // how many depends on how long the UART stalled the guest (virtual time runs while it spins)
    expect(wraps).toBeGreaterThan(50n);
    expect(maxGapWraps).toBeGreaterThanOrEqual(13n);
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    writeFileSync(
      join(ROOT, 'test-artifacts', 'wrap16.json'),
      `${JSON.stringify({ events: ev.length, timer_bits: 16, wraps: Number(wraps), longest_idle_gap_wraps: Number(maxGapWraps), outside_bracket: outside }, null, 2)}\n`,
    );
  });

  it('an event more than one wrap after its packet start is flagged time_unproven, and still decoded', () => {
    const frames = frameMap(run.stream);
    const clean = decodeChunked(run.stream, 4);
    const target = frames.find((f) => f.type === 'packet' && f.nEvents! >= 3 && f.seq! > 2)!;
    const evs = clean.events.filter((e) => e.seq === target.seq);
    const first = evs[0];
    const shifted = evs.map((e, i) => ({ kind: e.kind, id: e.id, t: i === evs.length - 1 ? e.ticks + WRAP : e.ticks, args: e.args }));
    const begin = first.ticks - 1n;
    const msg = packetMessage({
      core: 0,
      seq: target.seq!,
      tsBegin: begin,
      tsEnd: shifted[shifted.length - 1].t,
      eventsBefore: target.eventsBefore!,
      dropped: target.dropped!,
      overwritten: target.overwritten!,
      events: shifted,
    });
    const mutated = Buffer.concat([run.stream.subarray(0, target.start), frame(msg), run.stream.subarray(target.delim + 1)]);
    const d = decodeChunked(mutated, 5);
    const flagged = d.notices.filter((n) => n.code === 'time_unproven');
    expect(flagged.length).toBe(1);
    expect(flagged[0].message).toMatch(new RegExp(`seq ${target.seq}\\b`));
    expect(d.stats[0].decoded).toBe(clean.stats[0].decoded);
    expect(d.stats[0].link_lost).toBe(0);
  });
});
