// A second, deliberately plain reader of the wire (SPEC §2-§7) for the fault oracle: COBS,
// CRC-32C and the fixed parts of HEADER, PACKET and STATUS, written from the SPEC without any
// of the decoder's code, so that a parsing bug in the decoder cannot also be in its check.
// Clean streams only: it throws on anything malformed.

/** COBS decode of one frame without its delimiter (SPEC §3); null when the codes are broken. */
export function unCobs(raw: Uint8Array): Uint8Array | null {
  const out: number[] = [];
  let i = 0;
  while (i < raw.length) {
    const code = raw[i++];
    if (code === 0 || i + code - 1 > raw.length) return null;
    for (let k = 1; k < code; k++) out.push(raw[i++]);
    if (code < 0xff && i < raw.length) out.push(0);
  }
  return Uint8Array.from(out);
}

/** CRC-32C (Castagnoli, reflected, init and final XOR 0xffffffff), bit by bit. */
export function crc32cPlain(b: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

class Reader {
  constructor(
    private readonly b: Uint8Array,
    public p: number,
  ) {}
  u8(): number {
    if (this.p >= this.b.length) throw new Error('wire-reader: short message');
    return this.b[this.p++];
  }
  fixed(n: number): bigint {
    let v = 0n;
    for (let k = 0; k < n; k++) v |= BigInt(this.u8()) << BigInt(8 * k);
    return v;
  }
  varint(): bigint {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const x = this.u8();
      v |= BigInt(x & 0x7f) << shift;
      if (x < 0x80) return v;
    }
  }
  v32(): number {
    return Number(this.varint());
  }
}

export interface WireHeader {
  version: number;
  boot: boolean;
  cores: number;
  timerBits: number;
  timerHz: number;
  origin: { seq: number; events: number; dropped: number; overwritten: number; rejected: number }[];
}

/** HEADER message body (type byte at 0, CRC already removed). */
export function readHeader(m: Uint8Array): WireHeader {
  const r = new Reader(m, 5); // type + "TPIP"
  const version = r.u8();
  const flags = r.u8();
  const cores = r.u8();
  r.u8(); // mode
  const timerBits = r.u8();
  const timerHz = Number(r.fixed(4));
  r.fixed(2);
  r.fixed(2);
  r.fixed(8);
  r.fixed(4);
  r.p += r.u8(); // build id
  const origin = [];
  // version 2 adds rejected after overwritten (SPEC §5)
  for (let c = 0; c < cores; c++) origin.push({ seq: r.v32(), events: r.v32(), dropped: r.v32(), overwritten: r.v32(), rejected: version >= 2 ? r.v32() : 0 });
  return { version, boot: (flags & 1) !== 0, cores, timerBits, timerHz, origin };
}

export interface WirePacketHead {
  core: number;
  seq: number;
  eventsBefore: number;
  dropped: number;
  overwritten: number;
  rejected: number;
  nEvents: number;
}

/** `version`: of the session's header (SPEC §5), which sets the layout. */
export function readPacketHead(m: Uint8Array, version: number): WirePacketHead {
  const r = new Reader(m, 1);
  const core = r.u8();
  const seq = r.v32();
  r.fixed(8); // ts_begin
  r.varint(); // duration
  const eventsBefore = r.v32();
  const dropped = r.v32();
  const overwritten = r.v32();
  const rejected = version >= 2 ? r.v32() : 0;
  return { core, seq, eventsBefore, dropped, overwritten, rejected, nEvents: r.v32() };
}

export interface WireStatus {
  core: number;
  final: boolean;
  nextSeq: number;
  committed: number;
  dropped: number;
  overwritten: number;
  rejected: number;
}

export function readStatus(m: Uint8Array, version: number): WireStatus {
  const r = new Reader(m, 1);
  const core = r.u8();
  const final = (r.u8() & 1) !== 0;
  r.fixed(8);
  const nextSeq = r.v32();
  const committed = r.v32();
  const dropped = r.v32();
  const overwritten = r.v32();
  return { core, final, nextSeq, committed, dropped, overwritten, rejected: version >= 2 ? r.v32() : 0 };
}
