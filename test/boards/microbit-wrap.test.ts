// micro:bit time wraps end to end: apps/wrap16 built with TIMER0 narrowed to 16 bits (BITMODE
// 16, wraps every 65536 ticks = 4.1 ms at 16 MHz), run under -icount with START fed on
// -serial stdio. This exercises the board's wrap detection (COMPARE0 at count 0, and the
// work-around for QEMU's nRF51 timer setting that event again while the count is still 0).
// The decoded time of each event must lie between the firmware's own 64-bit reading before it
// and the reading before the next decoded event: it fails if a wrap is ever lost or counted
// twice.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/helpers.js';
import { decodeChunked, frameMap } from '../faults/harness.js';
import { runQemuPipe, type PipeRun } from '../faults/qemu-pipe.js';

const BUILD = 'build/microbit-t16';
const ELF = join(ROOT, BUILD, 'wrap16.elf');
const WRAP = 1n << 16n;

let run: PipeRun;

beforeAll(async () => {
  execFileSync('make', ['-s', 'BOARD=microbit', `BUILD=${BUILD}`, 'BOARD_CFLAGS=-DTP_BOARD_TIMER_BITS=16', `${BUILD}/wrap16.elf`], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  run = await runQemuPipe(ELF, { board: 'microbit', extraArgs: ['-icount', 'shift=0,sleep=off'], timeoutMs: 120_000 });
}, 180_000);

describe('microbit: 16-bit TIMER0 under QEMU', () => {
  it('decoded 64-bit time is bracketed by the firmware readings across many wraps and idle gaps', () => {
    expect(run.code, run.semihost).toBe(0);
    const gt = run.groundTruth[0];
    const hdr = frameMap(run.stream).find((f) => f.type === 'header')!.header!;
    expect(hdr.timerBits).toBe(16);
    expect(hdr.timerHz).toBe(16_000_000);
    const d = decodeChunked(run.stream, 7);
    expect(d.stats.length).toBe(1);
    const s = d.stats[0];
    // The app paces itself by event count, assuming packets of >= 14 events; with a wrap every
    // 4.1 ms closing packets early, a few events may be dropped. They must be counted exactly.
    const { dropped, rejected, link_lost } = s;
    expect({ generated: s.generated, decoded: s.decoded + s.overwritten + s.link_lost, dropped, rejected, link_lost }).toEqual({
      generated: gt.generated,
      decoded: gt.committed,
      dropped: gt.dropped,
      rejected: gt.rejected,
      link_lost: 0,
    });
    expect(s.decoded).toBeGreaterThan(gt.generated * 0.9);
    expect(d.notices.filter((n) => n.level !== 'info')).toEqual([]);
    const ev = d.events.filter((e) => e.id === 5);
    expect(ev.length).toBe(s.decoded);
    let outside = 0;
    let seqBackwards = 0;
    let maxGapWraps = 0n;
    for (let i = 0; i < ev.length; i++) {
      const [seq, lo, hi] = ev[i].args;
      if (i > 0 && seq <= ev[i - 1].args[0]) seqBackwards++;
      const t = (hi << 32n) | lo;
      const next = i + 1 < ev.length ? (ev[i + 1].args[2] << 32n) | ev[i + 1].args[1] : null;
      if (ev[i].ticks < t || (next !== null && ev[i].ticks > next)) outside++;
      if (i > 0) {
        const gap = (ev[i].ticks - ev[i - 1].ticks) / WRAP;
        if (gap > maxGapWraps) maxGapWraps = gap;
      }
    }
    expect(outside).toBe(0);
    expect(seqBackwards).toBe(0);
    expect(ev[ev.length - 1].ticks / WRAP).toBeGreaterThan(50n);
    expect(maxGapWraps).toBeGreaterThanOrEqual(13n);
  });
});
