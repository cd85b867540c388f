// The firmware's own report (TPGT/TPCNT lines on the semihosting console) against the host's
// `stats --json` of the capture, for a single-core run over a clean link.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parseGroundTruth } from '../../host/src/cli/ground-truth.js';
import { statsOf, type StatsJsonCore } from '../e2e/helpers.js';

/** Asserts the host's books against the app's own tally of its record calls: generated equals
 * the calls made, dropped and rejected the calls refused for each reason, and decoded +
 * overwritten the calls committed (nothing is link_lost). Overwritten, which the app cannot
 * know, equals the recorder's counters; so do the counters' committed, dropped and rejected.
 * Returns the host's numbers. */
export async function expectHostEqualsFirmware(semihostLog: string, capture: string): Promise<StatsJsonCore> {
  const gt = parseGroundTruth(readFileSync(semihostLog, 'utf8'));
  expect(gt.done).toBe(true);
  expect(gt.cores.length).toBe(1);
  const s = await statsOf(capture);
  expect(s.identity).toBe(true);
  const host = s.cores[0];
  const fw = gt.cores[0];
  expect(fw.tallied).toBe(true);
  expect(fw.committed + fw.dropped + fw.rejected).toBe(fw.generated);
  expect(host.generated).toBe(fw.generated);
  expect(host.dropped).toBe(fw.dropped);
  expect(host.rejected).toBe(fw.rejected);
  expect(host.decoded + host.overwritten + host.link_lost).toBe(fw.committed);
  expect(host.link_lost).toBe(0);
  expect(host.overwritten).toBe(fw.counters.overwritten);
  const { committed, dropped, rejected } = fw.counters;
  expect({ committed, dropped, rejected }).toEqual({ committed: fw.committed, dropped: fw.dropped, rejected: fw.rejected });
  return host;
}
