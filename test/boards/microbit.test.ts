// Issue 4, micro:bit (nRF51822, Cortex-M0, 16 KiB RAM) under QEMU -M microbit: the generic
// e2e apps with the assertions of the an385 suite (test/e2e), through the real pty.
//  - e2e_clean: 100000 self-checking events (seq, seq ^ 0xA5A5A5A5), all decoded, in order,
//    exact payloads, non-decreasing time, every loss 0, ground truth equal to the host.
//  - e2e_overload: a 4 x 128 B discard ring fed in bursts from a timer interrupt: drops really
//    happen and the firmware's counts (semihosting) equal the host's exactly.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGroundTruth } from '../../host/src/cli/ground-truth.js';
import { statsOf } from '../e2e/helpers.js';
import { expectHostEqualsFirmware } from '../helpers/ground-truth.js';
import { decodeStream, requireBoardBuilt, runBoardApp, type BoardRun } from './helpers.js';

const BOARD = 'microbit';
const XOR = 0xa5a5a5a5;

describe('microbit e2e clean: 100000 events through the real pty', () => {
  const EVENTS = 100_000;
  let br: BoardRun;

  beforeAll(async () => {
    requireBoardBuilt(BOARD, 'e2e_clean');
    br = await runBoardApp(BOARD, 'e2e_clean', 100_000);
  }, 120_000);

  it('run exits 0 when the firmware exits', () => {
    expect(br.run.stderr).not.toMatch(/tracepipe: (?!warning)/);
    expect(br.run.code).toBe(0);
    expect(br.run.stdout).toMatch(/stopped: firmware exited/);
  });

  it('decodes exactly the 100000 events, in order, with exact payloads and non-decreasing time', async () => {
    let n = 0;
    let bad = 0;
    let losses = 0;
    let prev = -1n;
    const header: Record<string, unknown>[] = [];
    const r = await decodeStream(br.capture, (rec) => {
      if (rec.type === 'loss') losses++;
      if (rec.type === 'header') header.push(rec);
      if (rec.type !== 'event') return;
      const args = rec.args as number[];
      const t = BigInt(rec.t_ns as string);
      const seq = n++;
      const ok =
        rec.core === 0 &&
        rec.kind === 'event' &&
        rec.id === 1 &&
        args.length === 2 &&
        args[0] === seq &&
        args[1] === (seq ^ XOR) >>> 0 &&
        t >= prev;
      if (!ok && bad++ < 5) expect.soft(rec, `event ${seq}`).toEqual({ seq });
      prev = t;
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(bad).toBe(0);
    expect(losses).toBe(0);
    expect(n).toBe(EVENTS);
    // the header describes this board: TIMER0 at 16 MHz, 32 bits, one core
    expect(header[0]).toMatchObject({ cores: 1, timer_hz: 16_000_000, timer_bits: 32 });
  });

  it("stats --json: identity holds, every loss is 0, and the firmware's ground truth agrees", async () => {
    const s = await statsOf(br.capture);
    expect(s.identity).toBe(true);
    expect(s.cores.length).toBe(1);
    expect(s.cores[0]).toMatchObject({ core: 0, generated: EVENTS, decoded: EVENTS, dropped: 0, overwritten: 0, link_lost: 0, rejected: 0 });
    const gt = parseGroundTruth(readFileSync(br.semihost, 'utf8'));
    expect(gt.done).toBe(true);
    const counters = { committed: EVENTS, dropped: 0, overwritten: 0, rejected: 0 };
    expect(gt.cores).toEqual([{ core: 0, generated: EVENTS, tallied: true, committed: EVENTS, dropped: 0, rejected: 0, overwritten: 0, counters }]);
  });
});

describe('microbit e2e overload: drops counted exactly', () => {
  let br: BoardRun;

  beforeAll(async () => {
    requireBoardBuilt(BOARD, 'e2e_overload');
    br = await runBoardApp(BOARD, 'e2e_overload', 100_000);
  }, 120_000);

  it('run exits 0 when the firmware exits', () => {
    expect(br.run.code).toBe(0);
    expect(br.run.stdout).toMatch(/stopped: firmware exited/);
  });

  it('ground truth (generated, committed, dropped, overwritten) equals the host; identity holds; dropped > 0', async () => {
    const host = await expectHostEqualsFirmware(br.semihost, br.capture);
    expect(host.dropped).toBeGreaterThan(0);
    expect(host.decoded).toBeGreaterThan(0);
  });

  it('every received event is one the firmware sent: consistent payload, strictly increasing seq', async () => {
    let prevSeq = -1;
    let prevT = -1n;
    let bad = 0;
    let events = 0;
    let dropped = 0;
    const r = await decodeStream(br.capture, (rec) => {
      if (rec.type === 'loss' && rec.cause === 'dropped') dropped += rec.count as number;
      if (rec.type !== 'event') return;
      events++;
      const [seq, check] = rec.args as number[];
      const t = BigInt(rec.t_ns as string);
      if (!(rec.id === 2 && check === (seq ^ XOR) >>> 0 && seq > prevSeq && t >= prevT)) bad++;
      prevSeq = seq;
      prevT = t;
    });
    expect(r.code).toBe(0);
    expect(bad).toBe(0);
    expect(events).toBeGreaterThan(0);
    const s = await statsOf(br.capture);
    expect(dropped).toBe(s.cores[0].dropped);
  });
});
