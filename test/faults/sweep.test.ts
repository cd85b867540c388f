// Link fault injection, offline part (issue 3 §3): the clean UART streams of two real QEMU runs
// (e2e_clean: 100000 events, no device loss; e2e_overload: discard-mode drops) go through the
// seeded fault model at 1e-5 .. 1e-2 for each fault kind, then through the decoder in random
// chunks. The oracle (harness.ts) computes from the clean stream and the fault list alone which
// frames broke and what must be reported. Figures go to test-artifacts/faults.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_KINDS, applyFaults, type FaultKind } from '../../host/src/core/faults.js';
import { ROOT, elf, requireBuilt } from '../e2e/helpers.js';
import {
  cleanFrameSet,
  decodeChunked,
  eightBitSelfCheck,
  eventKey,
  expect1,
  frameMap,
  quantile,
  withEvents,
  type FrameInfo,
} from './harness.js';
import { runQemuPipe, type PipeRun } from './qemu-pipe.js';

const RATES = [1e-5, 1e-4, 1e-3, 1e-2];
// more seeds where faults are rare, so each row has enough of them to measure
const SEEDS: Record<number, number[]> = { 1e-5: [1, 2, 3, 4], 1e-4: [1, 2], 1e-3: [1], 1e-2: [1] };
const XOR = 0xa5a5a5a5n;

interface Clean {
  app: string;
  run: PipeRun;
  frames: FrameInfo[];
  keys: Set<string>;
  frameSet: Set<string>;
}

interface Row {
  stream: string;
  kind: FaultKind;
  rate: number;
  seeds: number;
  stream_bytes: number;
  faults: number;
  frames: number;
  frames_lost: number;
  frames_lost_per_fault: number;
  /** how many faults broke 0, 1, 2, 3+ frames */
  frames_per_fault_hist: [number, number, number, number];
  resync_bytes_p50: number | null;
  resync_bytes_max: number | null;
  decoded: number;
  link_lost: number;
  dropped: number;
  invented_events: number;
  identity: boolean;
  notices: Record<string, number>;
}

const rows: Row[] = [];
const selfCheck = { candidates: 0, undetected: 0 };
const cleans: Clean[] = [];

beforeAll(async () => {
  requireBuilt('e2e_clean', 'e2e_overload');
  for (const app of ['e2e_clean', 'e2e_overload']) {
    const run = await runQemuPipe(elf(app));
    if (run.code !== 0 || run.groundTruth.length !== 1) throw new Error(`${app}: QEMU run failed:\n${run.semihost}`);
    const frames = frameMap(run.stream);
    const d = decodeChunked(run.stream, 0);
    cleans.push({ app, run, frames, keys: new Set(d.events.map(eventKey)), frameSet: cleanFrameSet(run.stream, frames) });
  }
}, 120_000);

afterAll(() => {
  if (rows.length === 0) return;
  const dir = join(ROOT, 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const resync = rows.map((r) => r.resync_bytes_max ?? 0);
  const summary = {
    description:
      'Seeded link faults on real QEMU UART streams (issue 3 §3). rate = probability that a fault starts at a byte; ' +
      'burst = 1..64 bytes replaced by noise. frames_lost_per_fault = frames that could not arrive intact / faults; ' +
      'resync_bytes = clean-stream bytes from a fault to the start of the first frame it did not break; the test ' +
      'proves decoding resumes at every intact frame. invented_events = decoded events absent from the clean run (must be 0).',
    generated_at: new Date().toISOString(),
    rates: RATES,
    kinds: FAULT_KINDS,
    worst_resync_bytes: Math.max(...resync),
    invented_events: rows.reduce((n, r) => n + r.invented_events, 0),
    identity_exact_in_every_run: rows.every((r) => r.identity),
    self_check_8bit: {
      ...selfCheck,
      expected: selfCheck.candidates / 256,
      note: 'a model reader checking 8 CRC bits accepts ~1/256 of the corrupted frames; CRC-32C accepted none',
    },
    rows,
  };
  writeFileSync(join(dir, 'faults.json'), `${JSON.stringify(summary, null, 2)}\n`);
  // the same figures, one row per kind and rate over both streams, for BENCHMARKS.md
  const md = [
    '| fault | rate | faults | frames lost | faults breaking 1 / 2 / 3+ frames | resync bytes p50 (e2e_clean) | resync bytes max | link_lost events | invented |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const kind of FAULT_KINDS) {
    for (const rate of RATES) {
      const rs = rows.filter((r) => r.kind === kind && r.rate === rate);
      if (rs.length === 0) continue;
      const sum = (f: (r: Row) => number) => rs.reduce((n, r) => n + f(r), 0);
      const p50 = rs.find((r) => r.stream === 'e2e_clean')?.resync_bytes_p50 ?? '-';
      const max = Math.max(...rs.map((r) => r.resync_bytes_max ?? 0));
      md.push(
        `| ${kind} | ${rate} | ${sum((r) => r.faults)} | ${sum((r) => r.frames_lost)} | ` +
          `${sum((r) => r.frames_per_fault_hist[1])} / ${sum((r) => r.frames_per_fault_hist[2])} / ${sum((r) => r.frames_per_fault_hist[3])} | ` +
          `${p50} | ${max} | ${sum((r) => r.link_lost)} | ${sum((r) => r.invented_events)} |`,
      );
    }
  }
  md.push('', `8-bit check self-test: ${selfCheck.undetected} of ${selfCheck.candidates} corrupted frames accepted (expected ≈ ${(selfCheck.candidates / 256).toFixed(1)}); CRC-32C: 0.`);
  writeFileSync(join(dir, 'faults.md'), `${md.join('\n')}\n`);
});

describe('clean streams', () => {
  it('decode exactly to the firmware ground truth', () => {
    for (const c of cleans) {
      const d = decodeChunked(c.run.stream, 11);
      const gt = c.run.groundTruth[0];
      expect(d.stats.length).toBe(1);
      expect(d.stats[0]).toMatchObject({ generated: gt.generated, dropped: gt.dropped, rejected: gt.rejected, overwritten: 0, link_lost: 0, decoded: gt.committed });
      expect(d.notices.filter((n) => n.level !== 'info')).toEqual([]);
      const oracle = expect1(c.run.stream, [], c.frames);
      expect(oracle.totals).toEqual({ decoded: gt.committed, dropped: gt.dropped, overwritten: 0, link_lost: 0, rejected: gt.rejected });
    }
  });
});

describe.each(FAULT_KINDS.map((k) => [k]))('%s faults', (kind) => {
  it.each(RATES.map((r) => [r]))('rate %s: nothing invented, exact link_lost, resume at the next intact frame', (rate) => {
    for (const c of cleans) {
      const row: Row = {
        stream: c.app,
        kind,
        rate,
        seeds: SEEDS[rate].length,
        stream_bytes: c.run.stream.length,
        faults: 0,
        frames: c.frames.filter((f) => f.type !== 'empty').length * SEEDS[rate].length,
        frames_lost: 0,
        frames_lost_per_fault: 0,
        frames_per_fault_hist: [0, 0, 0, 0],
        resync_bytes_p50: null,
        resync_bytes_max: null,
        decoded: 0,
        link_lost: 0,
        dropped: 0,
        invented_events: 0,
        identity: true,
        notices: {},
      };
      const resync: number[] = [];
      for (const seed of SEEDS[rate]) {
        // each kind its own seeds, so the kinds do not hit the same offsets
        const { output, faults } = applyFaults(c.run.stream, { kind, rate, seed: seed * 16 + FAULT_KINDS.indexOf(kind) });
        const want = expect1(c.run.stream, faults, c.frames);
        const got = decodeChunked(output, seed * 7919);

        // nothing invented: every event is one the clean run decoded, and checks itself
        const invented = got.events.filter((e) => !c.keys.has(eventKey(e)));
        row.invented_events += invented.length;
        expect(invented.slice(0, 3)).toEqual([]);
        let torn = 0;
        let notIncreasing = 0;
        for (let i = 0; i < got.events.length; i++) {
          const e = got.events[i];
          if ((e.args[0] ^ XOR) !== e.args[1]) torn++;
          // no duplicates: the payload sequence strictly increases
          if (i > 0 && e.args[0] <= got.events[i - 1].args[0]) notIncreasing++;
        }
        expect({ torn, notIncreasing }).toEqual({ torn: 0, notIncreasing: 0 });

        // decoding resumes at the next intact frame: exactly the intact packets are decoded
        expect(got.packets).toEqual(withEvents(c.frames, want.packets));

        // the books: link_lost is exactly the events of the broken packets the counters bridge
        expect(got.stats.length).toBe(want.rows);
        const s = got.stats[0] ?? { decoded: 0, dropped: 0, overwritten: 0, link_lost: 0, rejected: 0, generated: 0, identity: true };
        expect({ decoded: s.decoded, dropped: s.dropped, overwritten: s.overwritten, link_lost: s.link_lost, rejected: s.rejected }).toEqual(want.totals);
        // generated comes from the target's counters, the rest from what arrived: the oracle
        // computes both from the clean stream, and the decoder must agree with it and itself
        expect(s.generated).toBe(want.generated);
        const identity = s.identity && s.generated === s.decoded + s.dropped + s.overwritten + s.link_lost + s.rejected;
        expect(identity).toBe(true);
        row.identity &&= identity;

        row.faults += faults.length;
        row.frames_lost += want.lost.size;
        row.decoded += s.decoded;
        row.link_lost += s.link_lost;
        row.dropped += s.dropped;
        for (const pf of want.perFault) {
          row.frames_per_fault_hist[Math.min(3, pf.frames)]++;
          if (pf.resyncBytes !== null) resync.push(pf.resyncBytes);
        }
        for (const n of got.notices) if (n.level !== 'info') row.notices[n.code] = (row.notices[n.code] ?? 0) + 1;

        const sc = eightBitSelfCheck(output, c.frameSet);
        selfCheck.candidates += sc.candidates;
        selfCheck.undetected += sc.undetected;
      }
      row.frames_lost_per_fault = row.faults ? +(row.frames_lost / row.faults).toFixed(3) : 0;
      row.resync_bytes_p50 = quantile(resync, 0.5);
      row.resync_bytes_max = quantile(resync, 1);
      rows.push(row);
      if (rate >= 1e-4) expect(row.faults).toBeGreaterThan(0);
    }
  });
});

describe('8-bit self-check (reliability.md §4.2)', () => {
  it('a reader with an 8-bit check accepts about 1/256 of the corrupted frames, so the oracle can see a miss', () => {
    // runs after the sweep (vitest runs a file's tests in order)
    const { candidates, undetected } = selfCheck;
    expect(candidates).toBeGreaterThan(2000);
    const mean = candidates / 256;
    expect(Math.abs(undetected - mean)).toBeLessThan(4 * Math.sqrt(mean) + 1);
  });
});
