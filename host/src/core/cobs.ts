// COBS (Cheshire & Baker), original form without the trailing-zero optimisation (SPEC §2):
// each code byte n (1..255) is followed by n-1 data bytes, and an implicit 0x00 follows
// the group unless n is 0xFF or the group ends the frame.

/** Worst-case encoded size of n data bytes (no delimiter). */
export function cobsMaxLen(n: number): number {
  return n + Math.floor(n / 254) + 1;
}

/** Encodes src[start, end) into out at pos (no delimiter); returns the new pos. out must have cobsMaxLen room. */
export function cobsEncodeInto(out: Uint8Array, pos: number, src: Uint8Array, start = 0, end = src.length): number {
  let codePos = pos++;
  let code = 1;
  for (let i = start; i < end; i++) {
    const b = src[i];
    if (b === 0) {
      out[codePos] = code;
      codePos = pos++;
      code = 1;
    } else {
      out[pos++] = b;
      code++;
      if (code === 0xff) {
        out[codePos] = code;
        codePos = pos++;
        code = 1;
      }
    }
  }
  out[codePos] = code;
  return pos;
}

export function cobsEncode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxLen(src.length));
  return out.slice(0, cobsEncodeInto(out, 0, src));
}

/**
 * Decodes one COBS block (without its delimiter). Returns null when the block is not
 * valid COBS (a 0x00 inside it, or a code byte that points past its end).
 */
export function cobsDecode(src: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(src.length);
  let o = 0;
  let i = 0;
  while (i < src.length) {
    const code = src[i++];
    if (code === 0) return null;
    const stop = i + code - 1;
    if (stop > src.length) return null;
    while (i < stop) {
      const b = src[i++];
      if (b === 0) return null;
      out[o++] = b;
    }
    if (code !== 0xff && i < src.length) out[o++] = 0;
  }
  return out.slice(0, o);
}
