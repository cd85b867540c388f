// The wall-clock part of `stats` (issue 6 §6): exact UTC text for a ns origin, and the JSON shape.
import { describe, expect, it } from 'vitest';
import { isoUtcNs, wallClockJson, wallClockLine } from './stats-format.js';

describe('stats wall clock', () => {
  it('isoUtcNs keeps all nine fraction digits', () => {
    expect(isoUtcNs(1_795_678_140_061_331_355n)).toBe('2026-11-26T07:29:00.061331355Z');
    expect(isoUtcNs(0n)).toBe('1970-01-01T00:00:00.000000000Z');
    expect(isoUtcNs(1_000_000_007n)).toBe('1970-01-01T00:00:01.000000007Z');
    expect(isoUtcNs(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
  });

  it('wallClockJson: used excludes the rejected; the bound rounds up; no fit is null', () => {
    const fit = { originUnixNs: 1_000_000_000_000_000_123n, driftPpm: -7.5, errorNs: 27917.2, samples: 40, rejected: 3 };
    expect(wallClockJson(fit)).toEqual({
      origin_utc: '2001-09-09T01:46:40.000000123Z',
      origin_unix_ns: '1000000000000000123',
      drift_ppm: -7.5,
      error_bound_ns: 27918,
      samples_used: 37,
      samples_rejected: 3,
    });
    expect(wallClockJson(undefined)).toBeNull();
    expect(wallClockLine(fit)).toBe(
      'wall clock: t_ns 0 = 2001-09-09T01:46:40.000000123Z, drift -7.50 ppm, error bound 27.9 µs (37 samples used, 3 rejected)',
    );
    expect(wallClockLine(undefined)).toMatch(/^wall clock: none/);
  });
});
