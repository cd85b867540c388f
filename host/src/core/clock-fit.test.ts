import { describe, expect, it } from 'vitest';
import { ClockSampler, fitClock, wallTimeNs, type ClockSample } from './clock-fit.js';

const ORIGIN = 1_764_100_000_000_000_000n; // Unix ns of target t = 0

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** host = ORIGIN + t·(1 + ppm) + latency; latency = floor + exponential tail + rare big stalls. */
function samples(n: number, ppm: number, floorNs: number, seed = 1): ClockSample[] {
  const r = rng(seed);
  const out: ClockSample[] = [];
  for (let i = 0; i < n; i++) {
    const t = BigInt(i) * 1_000_000n + BigInt(Math.floor(r() * 1000)); // ~1 kHz over n ms
    let lat = floorNs - 40_000 * Math.log(1 - r()); // mean 40 µs above the floor
    if (r() < 0.05) lat += 5_000_000 + r() * 45_000_000; // USB batching / scheduler stalls
    const host = ORIGIN + t + BigInt(Math.round(Number(t) * ppm * 1e-6 + lat));
    out.push({ targetNs: t, hostNs: host });
  }
  return out;
}

describe('fitClock (lower envelope)', () => {
  it('recovers offset and drift despite latency outliers', () => {
    const s = samples(60_000, 42.5, 120_000);
    const sampler = new ClockSampler(20_000_000n);
    for (const x of s) sampler.add(x.targetNs, x.hostNs);
    const fit = fitClock(sampler.samples())!;
    expect(fit.driftPpm).toBeGreaterThan(42.0);
    expect(fit.driftPpm).toBeLessThan(43.0);
    // the fitted origin includes the constant latency floor (not observable one-sided)
    const err = Number(fit.originUnixNs - ORIGIN) - 120_000;
    expect(Math.abs(err)).toBeLessThan(20_000);
    expect(fit.errorNs).toBeGreaterThanOrEqual(0);
    expect(fit.errorNs).toBeLessThan(50_000);
    // a least-squares fit would be off by the mean latency (> 1 ms here); check we are not
    const mean = s.reduce((a, x) => a + Number(x.hostNs - x.targetNs - ORIGIN), 0) / s.length;
    expect(mean).toBeGreaterThan(1_000_000);
    const t = 30_000_000_000n;
    const predicted = wallTimeNs(fit, t);
    const truth = ORIGIN + t + BigInt(Math.round(Number(t) * 42.5e-6)) + 120_000n;
    expect(Math.abs(Number(predicted - truth))).toBeLessThan(30_000);
  });

  it('is exact for latency-free samples', () => {
    const s: ClockSample[] = [0n, 1_000_000_000n, 2_500_000_000n, 9_000_000_000n].map((t) => ({
      targetNs: t,
      hostNs: ORIGIN + t - (t * 10n) / 1_000_000n, // -10 ppm
    }));
    const fit = fitClock(s)!;
    expect(Number(fit.originUnixNs - ORIGIN)).toBe(0);
    expect(fit.driftPpm).toBeCloseTo(-10, 6);
    expect(fit.errorNs).toBeLessThan(1);
  });

  it('rejects samples that arrive before they were sent (host clock steps)', () => {
    const s = samples(20_000, 0, 200_000, 7);
    const sampler = new ClockSampler(20_000_000n);
    for (const x of s) sampler.add(x.targetNs, x.hostNs);
    const kept = sampler.samples();
    // three windows where the host clock was stepped back by 30 ms
    for (const i of [100, 400, 700]) kept[i] = { targetNs: kept[i].targetNs, hostNs: kept[i].hostNs - 30_000_000n };
    const fit = fitClock(kept)!;
    expect(fit.rejected).toBeGreaterThanOrEqual(3);
    expect(Math.abs(fit.driftPpm)).toBeLessThan(1);
    expect(Math.abs(Number(fit.originUnixNs - ORIGIN) - 200_000)).toBeLessThan(20_000);
  });

  it('fits the offset alone when the drift cannot be known', () => {
    // all bytes arrived in one chunk: same host time, different target times
    const burst = fitClock([
      { targetNs: 930_000_000n, hostNs: ORIGIN + 2_000_000_000n },
      { targetNs: 946_000_000n, hostNs: ORIGIN + 2_000_000_000n },
    ])!;
    expect(burst.driftPpm).toBe(0);
    expect(burst.originUnixNs).toBe(ORIGIN + 2_000_000_000n - 946_000_000n);
    // an implausible slope over a long span
    const wild = fitClock([0n, 2n, 4n, 6n, 8n].map((k) => ({ targetNs: k * 1_000_000_000n, hostNs: ORIGIN + k * 1_010_000_000n })))!;
    expect(wild.driftPpm).toBe(0);
    expect(wild.errorNs).toBeGreaterThan(0);
  });

  it('handles degenerate inputs', () => {
    expect(fitClock([])).toBeNull();
    const one = fitClock([{ targetNs: 5n, hostNs: ORIGIN + 105n }])!;
    expect(one.originUnixNs).toBe(ORIGIN + 100n);
    expect(one.driftPpm).toBe(0);
  });

  it('the sampler keeps the least-delayed sample of each window', () => {
    const sm = new ClockSampler(1000n);
    sm.add(10n, 1010n);
    sm.add(20n, 1015n); // d = 995: better
    sm.add(30n, 2000n);
    sm.add(1500n, 3000n);
    expect(sm.samples()).toEqual([
      { targetNs: 20n, hostNs: 1015n },
      { targetNs: 1500n, hostNs: 3000n },
    ]);
  });
});
