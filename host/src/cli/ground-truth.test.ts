// The firmware's console report against the host's books: rejected is read from both lines
// and compared apart from dropped.
import { describe, expect, it } from 'vitest';
import type { CoreStats } from '../core/types.js';
import { compareGroundTruth, parseGroundTruth } from './ground-truth.js';

const REPORT = [
  'boot',
  'TPGT core=0 generated=20 committed=15 dropped=3 rejected=2',
  'TPCNT core=0 committed=15 dropped=3 overwritten=4 rejected=2',
  'TPGT core=1 generated=7',
  'TPCNT core=1 committed=6 dropped=0 overwritten=0 rejected=1',
  'TPGT done',
].join('\n');

function host(core: number, o: Partial<CoreStats>): CoreStats {
  return {
    session: 0, core, generated: 0, decoded: 0, dropped: 0, overwritten: 0, link_lost: 0, rejected: 0, wireVersion: 2,
    firstNs: null, lastNs: null, identity: true, closed: true, provenSeq: 0, provenNs: 0n, tailUnaccounted: 0, contradictions: [], ...o,
  };
}

describe('ground truth', () => {
  const gt = parseGroundTruth(REPORT);

  it('reads the app tally and the recorder counters, rejected in both', () => {
    expect(gt.done).toBe(true);
    expect(gt.cores[0]).toEqual({
      core: 0, generated: 20, tallied: true, committed: 15, dropped: 3, rejected: 2, overwritten: 4,
      counters: { committed: 15, dropped: 3, overwritten: 4, rejected: 2 },
    });
    // no tally of its own: the results are the recorder's, rejected included
    expect(gt.cores[1]).toMatchObject({ tallied: false, committed: 6, dropped: 0, rejected: 1 });
  });

  it('agrees only when the host books dropped and rejected apart, as the firmware does', () => {
    const right = [host(0, { generated: 20, decoded: 11, dropped: 3, overwritten: 4, rejected: 2 }), host(1, { generated: 7, decoded: 6, rejected: 1 })];
    expect(compareGroundTruth(gt.cores, right).match).toBe(true);
    // the same losses with the refusals counted as dropped (a v1 target's books)
    const merged = [host(0, { generated: 20, decoded: 11, dropped: 5, overwritten: 4 }), right[1]];
    const r = compareGroundTruth(gt.cores, merged);
    expect(r.match).toBe(false);
    expect(r.lines[0]).toMatch(/firmware \(app\) generated=20 committed=15 dropped=3 rejected=2; .*host .*dropped=5 rejected=0 .*\(MISMATCH\)$/);
    expect(r.lines[1]).toMatch(/\(host agrees\)$/);
  });
});
