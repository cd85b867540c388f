// The generic e2e apps on one board in one build profile, with the assertions of the an385
// suite (test/e2e), through the real pty (microbit.test.ts, microbit-tiny.test.ts,
// tiny-polled.test.ts):
//  - e2e_clean: 100000 self-checking events (seq, seq ^ 0xA5A5A5A5), all decoded, in order,
//    exact payloads, non-decreasing time, every loss 0, ground truth equal to the host.
//  - e2e_overload: a 4 x 128 B discard ring fed in bursts from a timer interrupt: drops really
//    happen and the firmware's counts (semihosting) equal the host's exactly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGroundTruth } from '../../host/src/cli/ground-truth.js';
import { ROOT, statsOf } from '../e2e/helpers.js';
import { expectHostEqualsFirmware } from '../helpers/ground-truth.js';
import { buildTinyAs, decodeStream, requireBoardBuilt, runBoardApp, type BoardRun, type Profile } from './helpers.js';

const XOR = 0xa5a5a5a5;

/** The full profile is the board's default build; tiny is built here (build/<board>-tiny, or
 * build/<board>-tiny-Os for size). */
function prepare(board: string, profile: Profile, app: string): void {
  if (profile === 'full') requireBoardBuilt(board, app);
  else buildTinyAs(board, profile, app);
}

const title = (board: string, profile: Profile) =>
  `${board}${profile === 'full' ? '' : profile === 'tiny' ? ' (tiny profile)' : ' (tiny profile, -Os)'}`;

/** The timer a board's HEADER must describe (board.json). */
function boardTimer(board: string): { timer_hz: number; timer_bits: number } {
  const t = JSON.parse(readFileSync(join(ROOT, 'boards', board, 'board.json'), 'utf8')).timer;
  return { timer_hz: t.hz, timer_bits: t.bits };
}

/** e2e_clean on a board in a profile: every event decoded, in order, exact, nothing lost. */
export function e2eCleanSuite(board: string, profile: Profile): void {
  describe(`${title(board, profile)} e2e clean: 100000 events through the real pty`, () => {
    const EVENTS = 100_000;
    let br: BoardRun;

    beforeAll(async () => {
      prepare(board, profile, 'e2e_clean');
      br = await runBoardApp(board, 'e2e_clean', 100_000, profile);
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
      // the header describes this board (its board.json timer: TIMER0 at 16 MHz, 32 bits on the
      // micro:bit), one core
      expect(header[0]).toMatchObject({ cores: 1, ...boardTimer(board) });
      // and the profile: only tiny says that CMD_FLUSH and CMD_DUMP do nothing (SPEC §8.1)
      expect(header[0].no_flush).toBe(profile === 'full' ? undefined : true);
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

}

/** e2e_overload on a board in a profile: drops really happen and are counted exactly. */
export function e2eOverloadSuite(board: string, profile: Profile): void {
  describe(`${title(board, profile)} e2e overload: drops counted exactly`, () => {
    let br: BoardRun;

    beforeAll(async () => {
      prepare(board, profile, 'e2e_overload');
      br = await runBoardApp(board, 'e2e_overload', 100_000, profile);
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
}
