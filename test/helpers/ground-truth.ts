// The firmware's own report (TPGT lines on the semihosting console) against the host's
// `stats --json` of the capture, for a single-core run over a clean link.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parseGroundTruth } from '../../host/src/cli/ground-truth.js';
import { statsOf, type StatsJsonCore } from '../e2e/helpers.js';

/** Asserts generated, dropped, overwritten and rejected equal the firmware's counts, every committed
 * event is decoded or overwritten, nothing is link_lost and the identity holds. Returns the
 * host's numbers for the caller's own checks. */
export async function expectHostEqualsFirmware(semihostLog: string, capture: string): Promise<StatsJsonCore> {
  const gt = parseGroundTruth(readFileSync(semihostLog, 'utf8'));
  expect(gt.done).toBe(true);
  expect(gt.cores.length).toBe(1);
  const s = await statsOf(capture);
  expect(s.identity).toBe(true);
  const host = s.cores[0];
  const fw = gt.cores[0];
  expect(host.generated).toBe(fw.generated);
  expect(host.dropped).toBe(fw.dropped);
  expect(host.overwritten).toBe(fw.overwritten);
  expect(host.rejected).toBe(fw.rejected);
  expect(host.decoded + host.overwritten + host.link_lost).toBe(fw.committed);
  expect(host.link_lost).toBe(0);
  return host;
}
