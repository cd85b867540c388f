// Fits the target's timeline to the host's wall clock (issue 6 §6). Pure: no I/O, no clocks.
//
// Each sample pairs a target time (an event's t_ns) with the host time at which the bytes
// holding it were read. The host time is always later than the target time, by a latency
// that is never negative and often large (UART FIFOs, USB batching, scheduling). So the
// true relation is the *lower envelope* of the samples, not a least-squares line:
//
//     host_ns = origin + target_ns × (1 + drift) + latency,   latency ≥ 0
//
// The fit:
//  1. keeps the minimum of (host − target) per window of target time (ClockSampler),
//     which already discards every delayed sample;
//  2. fits a robust line through the window minima (Theil–Sen: median of slopes) and
//     rejects minima far *below* it: a sample cannot arrive before it was sent, so those
//     mean a host clock step or a wrong pairing;
//  3. takes the line under all remaining minima that is closest to them on average: the
//     edge of their lower convex hull above the mean target time (a linear programme whose
//     optimum is at a hull vertex pair);
//  4. reports as error bound the largest distance from that line to the best sample of
//     any window: the line is supported within `errorNs` everywhere along the trace.
//     The constant minimum transport latency itself cannot be observed from one side and
//     is not included.

export interface ClockSample {
  /** target time, ns since the target timer's zero */
  targetNs: bigint;
  /** host receive time, ns since the Unix epoch */
  hostNs: bigint;
}

export interface ClockFit {
  /** host time (Unix ns) of target time 0 */
  originUnixNs: bigint;
  /** target clock rate error relative to the host: host = origin + t × (1 + driftPpm/1e6) */
  driftPpm: number;
  /** see above: the largest gap between the fitted line and the best sample of a window */
  errorNs: number;
  /** windows (samples kept) and how many were rejected as impossible */
  samples: number;
  rejected: number;
}

/** Below these, or above this drift, the fit gives the offset only (drift 0). */
export const MIN_DRIFT_SAMPLES = 4;
export const MIN_DRIFT_SPAN_NS = 1e9;
export const MAX_DRIFT_PPM = 1000;

/** Keeps, per window of target time, the sample with the least apparent latency. */
export class ClockSampler {
  private readonly best = new Map<bigint, { t: bigint; d: bigint }>();
  constructor(readonly windowNs: bigint = 50_000_000n) {}

  add(targetNs: bigint, hostNs: bigint): void {
    const w = targetNs / this.windowNs;
    const d = hostNs - targetNs;
    const cur = this.best.get(w);
    if (!cur || d < cur.d) this.best.set(w, { t: targetNs, d });
  }

  get size(): number {
    return this.best.size;
  }

  samples(): ClockSample[] {
    return [...this.best.values()].sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0)).map((s) => ({ targetNs: s.t, hostNs: s.t + s.d }));
  }
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Fits the lower envelope; null with fewer than 2 samples at distinct target times. */
export function fitClock(input: readonly ClockSample[]): ClockFit | null {
  if (input.length === 0) return null;
  // Relative coordinates keep doubles exact enough: x = target ns from the first sample,
  // y = (host − target) ns from the first sample's.
  const x0 = input[0].targetNs;
  const d0 = input[0].hostNs - input[0].targetNs;
  const pts = input.map((s) => ({ x: Number(s.targetNs - x0), y: Number(s.hostNs - s.targetNs - d0) })).sort((a, b) => a.x - b.x);
  const distinct = new Set(pts.map((p) => p.x)).size;
  if (distinct < 2) {
    // one instant: the offset is known, the drift is not
    const y = Math.min(...pts.map((p) => p.y));
    return { originUnixNs: d0 + BigInt(Math.round(y)), driftPpm: 0, errorNs: 0, samples: pts.length, rejected: 0 };
  }

  // 2. robust line and rejection of impossible (too early) samples
  let kept = pts;
  let rejected = 0;
  if (pts.length >= 5) {
    const slopes: number[] = [];
    const step = Math.max(1, Math.floor((pts.length * pts.length) / 20000));
    for (let i = 0; i < pts.length; i++) {
      for (let j = i + 1; j < pts.length; j += step) {
        if (pts[j].x !== pts[i].x) slopes.push((pts[j].y - pts[i].y) / (pts[j].x - pts[i].x));
      }
    }
    const b = median(slopes);
    const res = pts.map((p) => p.y - b * p.x);
    const a = median(res);
    const mad = median(res.map((r) => Math.abs(r - a))) || 1;
    kept = pts.filter((_, i) => res[i] - a >= -8 * mad - 1000);
    rejected = pts.length - kept.length;
    if (new Set(kept.map((p) => p.x)).size < 2) {
      kept = pts;
      rejected = 0;
    }
  }

  // 3. lower convex hull (monotone chain), then the edge over the mean x
  const hull: { x: number; y: number }[] = [];
  for (const p of kept) {
    while (hull.length >= 2) {
      const o = hull[hull.length - 2];
      const q = hull[hull.length - 1];
      // drop q when it lies on or above the segment o→p
      if ((q.x - o.x) * (p.y - o.y) - (q.y - o.y) * (p.x - o.x) <= 0) hull.pop();
      else break;
    }
    if (hull.length > 0 && hull[hull.length - 1].x === p.x) {
      if (p.y < hull[hull.length - 1].y) hull[hull.length - 1] = p;
      continue;
    }
    hull.push(p);
  }
  const meanX = kept.reduce((s, p) => s + p.x, 0) / kept.length;
  let slope = 0;
  let icept = hull[0].y;
  if (hull.length >= 2) {
    let k = 0;
    while (k < hull.length - 2 && hull[k + 1].x < meanX) k++;
    const p = hull[k];
    const q = hull[k + 1];
    slope = (q.y - p.y) / (q.x - p.x);
    icept = p.y - slope * p.x;
  }

  // A drift only means something when the samples span enough time and it is physically
  // plausible (crystals are within ~100 ppm); otherwise fit the offset alone. A short
  // capture whose bytes all arrived in one chunk would otherwise give slope −1.
  const spanX = kept[kept.length - 1].x - kept[0].x;
  if (kept.length < MIN_DRIFT_SAMPLES || spanX < MIN_DRIFT_SPAN_NS || Math.abs(slope) * 1e6 > MAX_DRIFT_PPM) {
    slope = 0;
    icept = Math.min(...kept.map((p) => p.y));
  }

  // 4. error bound over windows of the kept samples
  const nWin = Math.min(8, kept.length);
  let errorNs = 0;
  for (let w = 0; w < nWin; w++) {
    const from = Math.floor((w * kept.length) / nWin);
    const to = Math.floor(((w + 1) * kept.length) / nWin);
    let best = Infinity;
    for (let i = from; i < to; i++) best = Math.min(best, kept[i].y - (icept + slope * kept[i].x));
    if (best > errorNs) errorNs = best;
  }

  // host − target = d0 + icept + slope·(t − x0)  ⇒  host(t=0) = d0 + icept − slope·x0
  const originUnixNs = d0 + BigInt(Math.round(icept - slope * Number(x0)));
  return { originUnixNs, driftPpm: slope * 1e6, errorNs, samples: pts.length, rejected };
}

/** Unix ns of a target time under a fit. */
export function wallTimeNs(fit: ClockFit, targetNs: bigint): bigint {
  return fit.originUnixNs + targetNs + BigInt(Math.round(Number(targetNs) * fit.driftPpm * 1e-6));
}
