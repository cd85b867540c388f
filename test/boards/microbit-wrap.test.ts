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

const WRAP = 1n << 16n;

// The 3-argument build, and the WRAP16_EVENT2 build: tp_event2 records (the ARMv6-M assembly
// fast path) with every maskedEvery-th burst record made under an interrupt mask that a wrap
// passed (each waits half a wrap on average: a shorter burst keeps the run as short).
const MASKED = { burst: 5000, every: 64 };
const BUILDS = [
  { name: 'tp_event3', dir: 'build/microbit-t16', cflags: '-DTP_BOARD_TIMER_BITS=16', masked: false },
  {
    name: 'tp_event2, masked records after a wrap',
    dir: `build/microbit-t16-e2-${MASKED.burst}-${MASKED.every}`,
    cflags: `-DTP_BOARD_TIMER_BITS=16 -DWRAP16_EVENT2 -DBURST_EVENTS=${MASKED.burst}u -DMASKED_EVERY=${MASKED.every}u`,
    masked: true,
  },
];

const runs = new Map<string, PipeRun>();

// The firmware's 64-bit reading before the event: both halves in a tp_event3, the low half in
// a tp_event2 (that app stops before the time reaches 2^32).
const reading = (args: bigint[]): bigint => (args.length === 3 ? (args[2] << 32n) | args[1] : args[1]);

beforeAll(async () => {
  for (const b of BUILDS) {
    execFileSync('make', ['-s', 'BOARD=microbit', `BUILD=${b.dir}`, `BOARD_CFLAGS=${b.cflags}`, `${b.dir}/wrap16.elf`], {
      cwd: ROOT,
      stdio: 'pipe',
    });
  }
  // One at a time: the link's pace follows the host reader, and the app tolerates few drops.
  for (const b of BUILDS) {
    runs.set(b.name, await runQemuPipe(join(ROOT, b.dir, 'wrap16.elf'), { board: 'microbit', extraArgs: ['-icount', 'shift=0,sleep=off'], timeoutMs: 180_000 }));
  }
}, 400_000);

describe.each(BUILDS)('microbit: 16-bit TIMER0 under QEMU, $name', (b) => {
  it('decoded 64-bit time is bracketed by the firmware readings across many wraps and idle gaps', () => {
    const run = runs.get(b.name)!;
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
    expect(new Set(ev.map((e) => e.args.length))).toEqual(new Set([b.masked ? 2 : 3]));
    if (b.masked) {
      // each masked record waited, masked, for a wrap: its epoch is past the previous event's
      const every = BigInt(MASKED.every);
      const masked = ev.filter((e, i) => i > 0 && e.args[0] % every === every - 1n && e.args[0] < BigInt(MASKED.burst));
      expect(masked.length).toBe(Math.floor(MASKED.burst / MASKED.every));
      for (const e of masked) {
        const prev = ev[ev.indexOf(e) - 1];
        expect(e.ticks / WRAP).toBeGreaterThan(prev.ticks / WRAP);
      }
    }
    expect(ev.length).toBe(s.decoded);
    let outside = 0;
    let seqBackwards = 0;
    let maxGapWraps = 0n;
    for (let i = 0; i < ev.length; i++) {
      const [seq, lo] = ev[i].args;
      if (i > 0 && seq <= ev[i - 1].args[0]) seqBackwards++;
      const t = reading(ev[i].args);
      const next = i + 1 < ev.length ? reading(ev[i + 1].args) : null;
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
