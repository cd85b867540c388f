// Ticks to nanoseconds, exact (SPEC §9 step 7): t_ns = ticks * 10^9 / timer_hz, truncated.

const NS = 1_000_000_000n;

export function ticksToNs(ticks: bigint, timerHz: number): bigint {
  return (ticks * NS) / BigInt(timerHz);
}

/**
 * Converts many timestamps that share a base (one packet): ticks = base + off. The
 * base is split once as base*10^9 = q*hz + r, so each event costs double arithmetic
 * while r + off*10^9 stays below 2^52 (where doubles are exact), BigInt beyond.
 */
export class PacketClock {
  private q = 0n;
  private r = 0;
  private base = 0n;
  private readonly hzBig: bigint;

  constructor(private readonly hz: number) {
    this.hzBig = BigInt(hz);
  }

  setBase(base: bigint): void {
    this.base = base;
    const x = base * NS;
    this.q = x / this.hzBig;
    this.r = Number(x - this.q * this.hzBig);
  }

  ns(off: number | bigint): bigint {
    if (typeof off === 'number') {
      const x = this.r + off * 1e9;
      if (x < 4503599627370496) {
        let f = Math.floor(x / this.hz);
        // The double quotient can round up across an integer; correct it exactly.
        if (f * this.hz > x) f--;
        else if ((f + 1) * this.hz <= x) f++;
        // uint32 -> BigInt is V8's fast conversion; f (ns into the packet) nearly always fits
        return this.q + (f <= 0xffff_ffff ? BigInt(f >>> 0) : BigInt(f));
      }
    }
    return ((this.base + BigInt(off)) * NS) / this.hzBig;
  }
}
