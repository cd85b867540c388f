// A seeded model of a lossy byte link (issue 3 §3): drops, bit flips, inserted bytes and noise
// bursts, at a per-byte rate. Pure and deterministic: the same seed, rate and input bytes give
// the same output and the same fault list, whatever the chunking. The fault list names the
// clean-stream offsets each fault touched, so a test can compute which frames could not arrive
// intact without looking at what the decoder did.

export type FaultKind = 'drop' | 'flip' | 'insert' | 'burst';

export const FAULT_KINDS: readonly FaultKind[] = ['drop', 'flip', 'insert', 'burst'];

export interface FaultConfig {
  kind: FaultKind;
  /** probability that a fault starts at any given input byte, 0 .. 0.5 */
  rate: number;
  seed: number;
  /** longest burst in bytes (default 64); a burst replaces 1..burstMax input bytes with noise */
  burstMax?: number;
}

export interface Fault {
  kind: FaultKind;
  /** offset in the clean input of the first byte the fault acts on (insert: the byte it goes before) */
  pos: number;
  /** offset in the output where the fault's effect starts */
  outPos: number;
  /** clean bytes replaced (burst), removed (drop, 1) or altered (flip, 1); 0 for insert */
  len: number;
  /** the bytes written instead (burst noise, the flipped byte, the inserted byte); empty for drop */
  bytes: Uint8Array;
}

/** xorshift128+-free, small and well mixed: mulberry32. Returns uint32 values. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export class FaultModel {
  readonly faults: Fault[] = [];
  private readonly next: () => number;
  private readonly burstMax: number;
  /** clean bytes consumed, output bytes produced */
  private inPos = 0;
  private outPos = 0;
  /** clean offset of the next fault start */
  private nextAt: number;
  /** a burst that runs on into the next chunk */
  private burstLeft = 0;
  private burst: Fault | null = null;

  constructor(private readonly cfg: FaultConfig) {
    if (!(cfg.rate >= 0 && cfg.rate <= 0.5)) throw new Error(`fault rate ${cfg.rate} outside 0..0.5`);
    this.next = prng(cfg.seed);
    this.burstMax = cfg.burstMax ?? 64;
    this.nextAt = this.gap(0);
  }

  get bytesIn(): number {
    return this.inPos;
  }

  get bytesOut(): number {
    return this.outPos;
  }

  /** uniform in [0, 1) */
  private uniform(): number {
    return this.next() / 4294967296;
  }

  /** Offset of the next fault start at or after `from`: geometric gaps give a per-byte Bernoulli rate
   * without drawing a number for every byte. */
  private gap(from: number): number {
    if (this.cfg.rate === 0) return Number.POSITIVE_INFINITY;
    const u = 1 - this.uniform(); // (0, 1]
    return from + Math.floor(Math.log(u) / Math.log1p(-this.cfg.rate));
  }

  /** Passes one chunk of the clean stream through the link. */
  apply(chunk: Uint8Array): Uint8Array {
    const end = this.inPos + chunk.length;
    if (this.burstLeft === 0 && this.nextAt >= end) {
      this.inPos = end;
      this.outPos += chunk.length;
      return chunk;
    }
    const out: number[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const at = this.inPos;
      const b = chunk[i];
      if (this.burstLeft > 0) {
        const noise = this.next() & 0xff;
        this.burst!.bytes = appendByte(this.burst!.bytes, noise);
        out.push(noise);
        this.burstLeft--;
        if (this.burstLeft === 0) {
          this.burst = null;
          this.nextAt = this.gap(at + 1);
        }
      } else if (at === this.nextAt) {
        const outPos = this.outPos + out.length;
        switch (this.cfg.kind) {
          case 'drop':
            this.faults.push({ kind: 'drop', pos: at, outPos, len: 1, bytes: new Uint8Array(0) });
            this.nextAt = this.gap(at + 1);
            break;
          case 'flip': {
            const v = b ^ (1 << (this.next() & 7));
            this.faults.push({ kind: 'flip', pos: at, outPos, len: 1, bytes: Uint8Array.of(v) });
            out.push(v);
            this.nextAt = this.gap(at + 1);
            break;
          }
          case 'insert': {
            const v = this.next() & 0xff;
            this.faults.push({ kind: 'insert', pos: at, outPos, len: 0, bytes: Uint8Array.of(v) });
            out.push(v, b);
            this.nextAt = this.gap(at + 1);
            break;
          }
          case 'burst': {
            const len = 1 + (this.next() % this.burstMax);
            const noise = this.next() & 0xff;
            const f: Fault = { kind: 'burst', pos: at, outPos, len, bytes: Uint8Array.of(noise) };
            this.faults.push(f);
            out.push(noise);
            this.burstLeft = len - 1;
            if (this.burstLeft > 0) this.burst = f;
            else this.nextAt = this.gap(at + 1);
            break;
          }
        }
      } else {
        out.push(b);
      }
      this.inPos++;
    }
    // A burst cut by the end of the input is shorter than drawn.
    this.outPos += out.length;
    return Uint8Array.from(out);
  }

  /** Ends the input: a burst still running is cut to the bytes it covered. */
  end(): void {
    if (this.burst) {
      this.burst.len = this.burst.bytes.length;
      this.burst = null;
      this.burstLeft = 0;
    }
  }
}

function appendByte(a: Uint8Array, v: number): Uint8Array {
  const r = new Uint8Array(a.length + 1);
  r.set(a);
  r[a.length] = v;
  return r;
}

/** The whole input through one model (convenience for offline tests). */
export function applyFaults(input: Uint8Array, cfg: FaultConfig): { output: Uint8Array; faults: Fault[] } {
  const m = new FaultModel(cfg);
  const output = m.apply(input);
  m.end();
  return { output: output === input ? input.slice() : output, faults: m.faults };
}
