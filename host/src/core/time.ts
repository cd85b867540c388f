// Ticks to nanoseconds, exact (SPEC §9 step 7): t_ns = ticks * 10^9 / timer_hz, truncated.

const NS = 1_000_000_000n;

export function ticksToNs(ticks: bigint, timerHz: number): bigint {
  return (ticks * NS) / BigInt(timerHz);
}

/** Below this, integer doubles and their products with small factors stay exact. */
const EXACT = 2 ** 52;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** 10^9 / hz as a reduced fraction: ns = floor(ticks * num / den). */
export function nsPerTick(hz: number): { num: number; den: number } {
  const g = gcd(1e9, hz);
  return { num: 1e9 / g, den: hz / g };
}

/** floor(x / den) for an integer x >= 0 below EXACT (2^52), or -1 when x is not below it. */
export function exactQuotient(x: number, den: number): number {
  if (!(x < EXACT)) return -1;
  if (den === 1) return x;
  let f = Math.floor(x / den);
  // The double quotient can round up across an integer; correct it exactly.
  if (f * den > x) f--;
  else if ((f + 1) * den <= x) f++;
  return f;
}

/**
 * Converts many timestamps that share a base (one packet): ticks = base + off. With
 * 10^9 / hz reduced to num / den, base * num is split once as baseNs * den + rem, so the
 * time of base + off is baseNs + floor((rem + off * num) / den): double arithmetic while
 * that numerator stays below 2^52 (at 25 MHz num = 40, den = 1: 3 years of ticks), BigInt
 * beyond.
 */
export class PacketClock {
  /** time of the base tick, ns */
  baseNs = 0n;
  private rem = 0;
  private base = 0n;
  private primed = false;
  private readonly num: number;
  private readonly den: number;
  private readonly numBig: bigint;
  private readonly denBig: bigint;
  private readonly hzBig: bigint;

  constructor(hz: number) {
    const { num, den } = nsPerTick(hz);
    this.num = num;
    this.den = den;
    this.numBig = BigInt(this.num);
    this.denBig = BigInt(this.den);
    this.hzBig = BigInt(hz);
  }

  setBase(base: bigint): void {
    // the decoder sets the same base several times per packet; the division is the cost
    if (base === this.base && this.primed) return;
    this.primed = true;
    this.base = base;
    const x = base * this.numBig;
    this.baseNs = x / this.denBig;
    this.rem = Number(x - this.baseNs * this.denBig);
  }

  /**
   * ns(off) - baseNs as an exact double below 2^52, or -1 when it cannot be computed exactly
   * in doubles (off must be an integer below 2^53).
   */
  rel(off: number): number {
    return exactQuotient(this.rem + off * this.num, this.den);
  }

  /** ticksToNs(ticks) in doubles, for an integer below 2^53, or -1 where doubles would not be exact. */
  nsOf(ticks: number): number {
    return exactQuotient(ticks * this.num, this.den);
  }

  ns(off: number | bigint): bigint {
    if (typeof off === 'number') {
      const r = this.rel(off);
      // uint32 -> BigInt is V8's fast conversion; r (ns into the packet) nearly always fits
      if (r >= 0) return this.baseNs + (r <= 0xffff_ffff ? BigInt(r >>> 0) : BigInt(r));
    }
    return ((this.base + BigInt(off)) * NS) / this.hzBig;
  }
}
