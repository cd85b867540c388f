// The live status line (cli/live-decoder.ts formatStatusLine): rates per core, losses per core
// and per cause, red from the first loss when colour is allowed, never red without a loss.
import { describe, expect, it } from 'vitest';
import { formatStatusLine, statusColor, type StatusFacts } from '../../host/src/cli/live-decoder.js';
import type { CoreStats, LossCause } from '../../host/src/core/types.js';

function core(core: number, losses: Partial<Pick<CoreStats, LossCause>> = {}, session = 0): CoreStats {
  const dropped = losses.dropped ?? 0;
  const overwritten = losses.overwritten ?? 0;
  const link_lost = losses.link_lost ?? 0;
  const rejected = losses.rejected ?? 0;
  return { session, core, generated: 100 + dropped + overwritten + link_lost + rejected, decoded: 100, dropped, overwritten, link_lost, rejected, wireVersion: 2, firstNs: 0n, lastNs: 1n, identity: true, closed: true, provenSeq: 0, provenNs: 1n, tailUnaccounted: 0, contradictions: [] };
}

const facts = (stats: CoreStats[], color = false): StatusFacts => ({
  elapsedS: 4.5,
  rates: [
    { core: 0, perS: 2200 },
    { core: 1, perS: 1400 },
  ],
  bytesPerS: 20800,
  stats,
  badFrames: 0,
  color,
});

describe('formatStatusLine', () => {
  it('no losses: says so, and is not coloured even when colour is allowed', () => {
    expect(formatStatusLine(facts([core(0), core(1)], true))).toBe('4.5s  core0 2.2k ev/s  core1 1.4k ev/s  20.8kB/s  no losses');
  });

  it('losses per core and per cause, only the non-zero ones, cores in order', () => {
    const line = formatStatusLine(facts([core(1, { overwritten: 3, link_lost: 2 }), core(0, { dropped: 461566 })]));
    expect(line).toBe('4.5s  core0 2.2k ev/s  core1 1.4k ev/s  20.8kB/s  LOSSES core0 dropped 461566, core1 overwritten 3 link_lost 2');
  });

  it('refused events are a loss of their own cause, after the others, and turn the line red', () => {
    const line = formatStatusLine(facts([core(0, { dropped: 2, rejected: 4 }), core(1, { rejected: 1 })], true));
    expect(line).toBe('\x1b[31m4.5s  core0 2.2k ev/s  core1 1.4k ev/s  20.8kB/s  LOSSES core0 dropped 2 rejected 4, core1 rejected 1\x1b[0m');
  });

  it('sums the sessions of one core (a target reset starts a new one)', () => {
    expect(formatStatusLine(facts([core(0, { dropped: 5 }, 0), core(0, { dropped: 7 }, 1)]))).toContain('LOSSES core0 dropped 12');
  });

  it('turns red from the first loss when colour is allowed', () => {
    const line = formatStatusLine(facts([core(0), core(1, { link_lost: 1 })], true));
    expect(line).toBe('\x1b[31m4.5s  core0 2.2k ev/s  core1 1.4k ev/s  20.8kB/s  LOSSES core1 link_lost 1\x1b[0m');
    expect(formatStatusLine(facts([core(0), core(1, { link_lost: 1 })], false))).not.toContain('\x1b');
  });

  it('counts bad frames and waits politely before any data', () => {
    expect(formatStatusLine({ ...facts([]), rates: [], bytesPerS: 0, badFrames: 2 })).toBe('4.5s  waiting for data  0B/s  no losses  bad frames 2');
  });

  it('NO_COLOR set to anything but the empty string turns colour off', () => {
    expect(statusColor({})).toBe(true);
    expect(statusColor({ NO_COLOR: '' })).toBe(true);
    expect(statusColor({ NO_COLOR: '1' })).toBe(false);
  });
});
