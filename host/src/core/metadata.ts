// Event metadata from the firmware ELF (SPEC §11): the descriptors the TP_EVENT /
// TP_LOG / TP_MARK / TP_SPAN_* / TP_COUNTER_* / TP_ISR_NAME macros leave in the
// non-allocated `.tp_meta` section, and the pure functions that give decoded events
// their names and formatted text. No I/O: the caller reads the file.

import { type Elf32, ElfError, findSection, gnuBuildId, parseElf32, sectionData, SHF_ALLOC } from './elf.js';
import { EVENT_KINDS, type EventKind, type TraceEvent, type TraceRecord } from './types.js';
import { type ArgValue, decodeArgs, shortFloat32, type TypedValue, typedValues } from './typed-values.js';
import {
  ARG_TYPES,
  type ArgType,
  LOG_LEVELS,
  type LogLevel,
  META_FLAG_BLOB as FLAG_BLOB,
  META_FLAG_FIXED_ID as FLAG_FIXED_ID,
  META_LEVEL_SHIFT,
  META_VERSION,
} from './wire-gen.js';

/** Argument type codes (SPEC §11.2) and the descriptor version: protocol/wire.json. */
export { ARG_TYPES, type ArgType, LOG_LEVELS, type LogLevel, META_VERSION } from './wire-gen.js';

const DESC_HEADER = 14;

export interface Descriptor {
  /** the id on the wire: the slot address in .tp_ids, or the user's number (ISR names) */
  id: number;
  fixedId: boolean;
  kind: EventKind;
  /** arguments travel as one blob (nargs = 7) */
  blob: boolean;
  types: ArgType[];
  name: string;
  /** log: the printf format; counter: the unit; others: '' */
  format: string;
  fields: string[];
  file: string;
  line: number;
  /** offset of the descriptor in .tp_meta */
  offset: number;
  /** parsed format (logs only); null when the format is not supported */
  conversions: Conversion[] | null;
  /** logs: the level from flags bits 2..4 (0, from before levels, reads as info); others undefined */
  level?: LogLevel;
}

export interface Metadata {
  /** lower-case hex of the ELF's NT_GNU_BUILD_ID, '' if it has none */
  buildId: string;
  descriptors: Descriptor[];
  /** slot-id descriptors by id */
  byId: Map<number, Descriptor>;
  /** ISR names by exception number */
  isrByNumber: Map<number, Descriptor>;
}

export type { ArgValue, TypedValue } from './typed-values.js';
export { decodeArgs } from './typed-values.js';

/** The fields metadata adds to a TraceEvent (all optional: raw events have none). */
export interface EventMeta {
  name?: string;
  text?: string;
  /** the typed values by name (core/typed-values.ts), for logs, user events and counters */
  fields?: Record<string, ArgValue>;
  /** the same values in argument order, with their types (what typed exports write) */
  values?: TypedValue[];
  /** a counter's unit */
  unit?: string;
  /** the call site, `file:line` */
  site?: string;
  /** a log's level (SPEC §11.2) */
  level?: LogLevel;
  /** why the arguments do not fit the descriptor (then there are no values) */
  mismatch?: string;
}
export type NamedEvent = TraceEvent & EventMeta;

/** Bad metadata or an unusable ELF; the message is one line. */
export class MetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetadataError';
  }
}

/** The stream was produced by another build than the ELF; the message is one line. */
export class BuildIdMismatchError extends Error {
  constructor(
    readonly elfBuildId: string,
    readonly streamBuildId: string,
  ) {
    super(
      `build-id mismatch: the ELF has ${elfBuildId || '(none)'} but the stream has ${streamBuildId || '(none)'}; ` +
        'pass the ELF of the firmware that produced this trace, or --force to decode anyway',
    );
    this.name = 'BuildIdMismatchError';
  }
}

// ---------------------------------------------------------------------------------------
// Reading the ELF

/** Parse the ELF bytes and read its metadata. Throws MetadataError (ElfError is wrapped). */
export function loadMetadata(bytes: Uint8Array): Metadata {
  let elf: Elf32;
  try {
    elf = parseElf32(bytes);
  } catch (e) {
    if (e instanceof ElfError) throw new MetadataError(e.message);
    throw e;
  }
  return readMetadata(elf);
}

export function readMetadata(elf: Elf32): Metadata {
  const meta = findSection(elf, '.tp_meta');
  const ids = findSection(elf, '.tp_ids');
  const descriptors: Descriptor[] = [];
  if (meta) {
    if ((meta.flags & SHF_ALLOC) !== 0) {
      // Still decodable, but the firmware pays flash for it: a linker-script mistake.
      // Reject so it is noticed; SPEC §11.1 says how to place it.
      throw new MetadataError('.tp_meta is an allocated section (it costs flash); see SPEC §11.1');
    }
    descriptors.push(...parseDescriptors(sectionData(elf, meta)));
  } else if (ids && ids.size > 0) {
    throw new MetadataError('the ELF has call-site ids (.tp_ids) but no .tp_meta section; see SPEC §11.1');
  }
  const byId = new Map<number, Descriptor>();
  const isrByNumber = new Map<number, Descriptor>();
  for (const d of descriptors) {
    const map = d.fixedId ? isrByNumber : byId;
    if (map.has(d.id)) throw new MetadataError(`two descriptors claim id ${d.id} (.tp_meta offset ${d.offset})`);
    if (!d.fixedId && ids && d.id >= ids.size) {
      throw new MetadataError(`descriptor at .tp_meta offset ${d.offset} has id ${d.id} outside .tp_ids`);
    }
    map.set(d.id, d);
  }
  return { buildId: gnuBuildId(elf), descriptors, byId, isrByNumber };
}

/** Parse the bytes of a .tp_meta section (SPEC §11.2). */
export function parseDescriptors(sec: Uint8Array): Descriptor[] {
  const out: Descriptor[] = [];
  const dv = new DataView(sec.buffer, sec.byteOffset, sec.byteLength);
  let o = 0;
  while (o < sec.length) {
    // Input sections are 4-aligned; the linker fills the gaps with zeros, and no
    // descriptor has size 0, so a zero size word is padding.
    if (o + DESC_HEADER > sec.length) {
      if (sec.subarray(o).every((b) => b === 0)) break;
      throw new MetadataError(`.tp_meta offset ${o}: descriptor truncated`);
    }
    const size = dv.getUint16(o + 8, true);
    if (size === 0) {
      o += 4;
      continue;
    }
    const version = sec[o + 10];
    if (version !== META_VERSION) {
      throw new MetadataError(`.tp_meta offset ${o}: descriptor version ${version}, this host reads ${META_VERSION}`);
    }
    if (size < DESC_HEADER || o + size > sec.length) {
      throw new MetadataError(`.tp_meta offset ${o}: descriptor size ${size} does not fit the section`);
    }
    const end = o + size;
    const kindNo = sec[o + 11];
    const flags = sec[o + 12];
    const nargs = sec[o + 13];
    if (kindNo >= EVENT_KINDS.length) throw new MetadataError(`.tp_meta offset ${o}: unknown kind ${kindNo}`);
    let p = o + DESC_HEADER;
    const types: ArgType[] = [];
    for (let i = 0; i < nargs; i++, p++) {
      const t = p < end ? sec[p] : 0;
      if (t < 1 || t >= ARG_TYPES.length) throw new MetadataError(`.tp_meta offset ${o}: bad type code ${t}`);
      types.push(ARG_TYPES[t] as ArgType);
    }
    p++; // the 0 that ends the type list
    const strings: string[] = [];
    for (let i = 0; i < nargs + 3; i++) {
      let q = p;
      while (q < end && sec[q] !== 0) q++;
      if (q >= end) throw new MetadataError(`.tp_meta offset ${o}: descriptor strings run past its end`);
      strings.push(utf8(sec.subarray(p, q)));
      p = q + 1;
    }
    const kind = EVENT_KINDS[kindNo];
    const format = strings[1];
    out.push({
      id: dv.getUint32(o, true),
      fixedId: (flags & FLAG_FIXED_ID) !== 0,
      kind,
      blob: (flags & FLAG_BLOB) !== 0,
      types,
      name: strings[0],
      format,
      fields: strings.slice(2, 2 + nargs),
      file: strings[2 + nargs],
      line: dv.getUint32(o + 4, true),
      offset: o,
      conversions: kind === 'log' ? parseFormatFor(format, types) : null,
      ...(kind === 'log' ? { level: LOG_LEVELS[(flags >> META_LEVEL_SHIFT) & 7] || 'info' } : {}),
    });
    o = (end + 3) & ~3;
  }
  return out;
}

const textDecoder = new TextDecoder('utf-8');
function utf8(b: Uint8Array): string {
  return textDecoder.decode(b);
}

// ---------------------------------------------------------------------------------------
// printf-style formats (SPEC §11.4)

export interface Conversion {
  /** literal text before this conversion (with %% already turned into %) */
  before: string;
  flags: string;
  width: number | null;
  precision: number | null;
  /** bits the length modifier selects: hh 8, h 16, none/l/z/t 32 (ILP32), ll/j 64 */
  bits: number;
  conv: 'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'c' | 's' | 'f' | 'F' | 'e' | 'E';
}

export interface ParsedFormat {
  conversions: Conversion[];
  /** literal text after the last conversion */
  tail: string;
}

const LENGTH_BITS: Record<string, number> = { hh: 8, h: 16, '': 32, l: 32, z: 32, t: 32, ll: 64, j: 64 };

/** Parse a format; null when it uses something the host cannot render (e.g. %p, %*d, %g). */
export function parseFormat(fmt: string): ParsedFormat | null {
  const re = /%([-+ #0]*)(\d+)?(?:\.(\d*))?(hh|h|ll|l|j|z|t)?([diuxXocsfFeE%])?/g;
  const conversions: Conversion[] = [];
  let literal = '';
  let last = 0;
  for (let m = re.exec(fmt); m; m = re.exec(fmt)) {
    literal += fmt.slice(last, m.index);
    last = re.lastIndex;
    const conv = m[5];
    if (!conv) return null;
    if (conv === '%') {
      if (m[0] !== '%%') return null;
      literal += '%';
      continue;
    }
    conversions.push({
      before: literal,
      flags: m[1],
      width: m[2] !== undefined ? Number(m[2]) : null,
      precision: m[3] !== undefined ? Number(m[3] || '0') : null,
      bits: LENGTH_BITS[m[4] ?? ''],
      conv: conv as Conversion['conv'],
    });
    literal = '';
  }
  literal += fmt.slice(last);
  return { conversions, tail: literal };
}

function parseFormatFor(fmt: string, types: ArgType[]): Conversion[] | null {
  const p = parseFormat(fmt);
  if (!p || p.conversions.length !== types.length) return null;
  // the tail rides as an extra conversion-less entry so Descriptor stays flat
  return [...p.conversions, { before: p.tail, flags: '', width: null, precision: null, bits: 0, conv: 's' }];
}

function pad(body: string, c: Conversion, numeric: boolean): string {
  const w = c.width ?? 0;
  if (body.length >= w) return body;
  if (c.flags.includes('-')) return body + ' '.repeat(w - body.length);
  const zero = numeric && c.flags.includes('0') && !(c.precision !== null && 'diuxXo'.includes(c.conv));
  if (zero) {
    const sign = /^[-+ ]/.test(body) ? body[0] : '';
    const prefix = /^[-+ ]?0[xX]/.test(body) ? body.slice(sign.length, sign.length + 2) : '';
    const digits = body.slice(sign.length + prefix.length);
    return sign + prefix + '0'.repeat(w - body.length) + digits;
  }
  return ' '.repeat(w - body.length) + body;
}

/** |x| as an exact fraction num / 2^shift (x finite). */
function exactBinary(x: number): { num: bigint; shift: bigint } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, Math.abs(x));
  const bits = dv.getBigUint64(0);
  const expField = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mant = expField === 0 ? frac : frac | (1n << 52n);
  const e = (expField === 0 ? 1 : expField) - 1075; // value = mant * 2^e
  return e >= 0 ? { num: mant << BigInt(e), shift: 0n } : { num: mant, shift: BigInt(-e) };
}

/** round(|x| * 10^p), ties to even, exactly (as glibc's printf does). p may be negative. */
function scaledRound(x: number, p: number): bigint {
  const { num, shift } = exactBinary(x);
  let n = num;
  let d = 1n << shift;
  if (p >= 0) n *= 10n ** BigInt(p);
  else d *= 10n ** BigInt(-p);
  const q = n / d;
  const r2 = (n % d) * 2n;
  if (r2 > d || (r2 === d && (q & 1n) === 1n)) return q + 1n;
  return q;
}

function withPoint(digits: bigint, prec: number, alt: boolean): string {
  const s = digits.toString().padStart(prec + 1, '0');
  if (prec === 0) return alt ? `${s}.` : s;
  return `${s.slice(0, s.length - prec)}.${s.slice(s.length - prec)}`;
}

function formatFloat(x: number, c: Conversion): string {
  if (Number.isNaN(x)) return c.conv === 'F' || c.conv === 'E' ? 'NAN' : 'nan';
  const upper = c.conv === 'F' || c.conv === 'E';
  const sign = x < 0 || Object.is(x, -0) ? '-' : c.flags.includes('+') ? '+' : c.flags.includes(' ') ? ' ' : '';
  const prec = c.precision ?? 6;
  const alt = c.flags.includes('#');
  let body: string;
  if (!Number.isFinite(x)) body = 'inf';
  else if (c.conv === 'e' || c.conv === 'E') {
    let e = x === 0 ? 0 : Math.floor(Math.log10(Math.abs(x)));
    let digits = scaledRound(x, prec - e);
    // log10 can be off by one near powers of ten, and rounding can carry into a new digit
    const limit = 10n ** BigInt(prec + 1);
    if (x !== 0 && digits < limit / 10n) {
      e -= 1;
      digits = scaledRound(x, prec - e);
    }
    if (digits >= limit) {
      e += 1;
      digits = scaledRound(x, prec - e);
    }
    body = `${withPoint(digits, prec, alt)}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  } else {
    body = withPoint(scaledRound(x, prec), prec, alt);
  }
  if (upper) body = body.toUpperCase();
  return sign + body;
}

function toBig(v: ArgValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(Number.isFinite(v) ? v : 0));
  return 0n;
}

/** Render one value with one conversion, as C's printf would on an ILP32 target. */
export function formatOne(v: ArgValue, c: Conversion): string {
  switch (c.conv) {
    case 'd':
    case 'i': {
      const n = BigInt.asIntN(c.bits, toBig(v));
      let digits = (n < 0n ? -n : n).toString();
      if (c.precision !== null) digits = c.precision === 0 && n === 0n ? '' : digits.padStart(c.precision, '0');
      const sign = n < 0n ? '-' : c.flags.includes('+') ? '+' : c.flags.includes(' ') ? ' ' : '';
      return pad(sign + digits, c, true);
    }
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      const n = BigInt.asUintN(c.bits, toBig(v));
      const radix = c.conv === 'u' ? 10 : c.conv === 'o' ? 8 : 16;
      let digits = n.toString(radix);
      if (c.conv === 'X') digits = digits.toUpperCase();
      if (c.precision !== null) digits = c.precision === 0 && n === 0n ? '' : digits.padStart(c.precision, '0');
      let prefix = '';
      if (c.flags.includes('#') && n !== 0n) {
        if (c.conv === 'x') prefix = '0x';
        else if (c.conv === 'X') prefix = '0X';
        else if (c.conv === 'o' && !digits.startsWith('0')) prefix = '0';
      }
      return pad(prefix + digits, c, true);
    }
    case 'c':
      return pad(String.fromCharCode(Number(BigInt.asUintN(8, toBig(v)))), c, false);
    case 's': {
      let s = typeof v === 'string' ? v : String(v);
      if (c.precision !== null) s = s.slice(0, c.precision);
      return pad(s, c, false);
    }
    default:
      return pad(formatFloat(typeof v === 'number' ? v : Number(v), c), c, true);
  }
}

function plainValue(t: ArgType, v: ArgValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (t === 'f32' && typeof v === 'number') return shortFloat32(v);
  return String(v);
}

// ---------------------------------------------------------------------------------------
// Applying metadata to events

function descriptorFor(meta: Metadata, ev: TraceEvent): Descriptor | undefined {
  if (ev.kind === 'isr_enter' || ev.kind === 'isr_exit') return meta.isrByNumber.get(ev.id);
  const d = meta.byId.get(ev.id);
  if (!d) return undefined;
  const want = ev.kind === 'span_end' ? 'span_begin' : ev.kind;
  return d.kind === want ? d : undefined;
}

/**
 * The event with name, text and named fields from the metadata; the event itself when
 * no descriptor matches (raw ids and arguments stay). Never throws on bad wire data:
 * an event whose arguments do not fit its descriptor keeps its name and gets a text
 * that says why.
 */
export function applyMetadata(meta: Metadata, ev: TraceEvent): NamedEvent {
  const d = descriptorFor(meta, ev);
  if (!d) return ev;
  const out: NamedEvent = { ...ev, name: d.name };
  if (d.file) out.site = `${d.file}:${d.line}`;
  if (d.level) out.level = d.level;
  const typed = typedValues(d, ev);
  if (typeof typed !== 'string' && (typed.length > 0 || d.kind === 'event' || d.kind === 'log')) {
    out.values = typed;
    const fields: Record<string, ArgValue> = {};
    for (const v of typed) fields[v.name] = v.value;
    out.fields = fields;
  }
  if (d.kind === 'counter') {
    if (d.format) out.unit = d.format;
    const v = ev.args[0];
    if (v !== undefined) out.text = d.format ? `${v} ${d.format}` : `${v}`;
    return out;
  }
  if (d.kind !== 'log' && d.kind !== 'event') return out;
  if (typeof typed === 'string') {
    out.mismatch = typed;
    out.name = descriptorName(d);
    out.text = `${descriptorName(d)} <${typed}>`;
    return out;
  }
  const values = typed.map((v) => v.value);
  if (d.kind === 'log') {
    // Logs have no name of their own; the format identifies the call site for stats.
    out.name = descriptorName(d);
    if (!d.conversions) {
      out.text = `${d.format} <unsupported format; args ${values.map(String).join(', ')}>`;
      return out;
    }
    let s = '';
    values.forEach((v, i) => {
      const c = d.conversions![i];
      s += c.before + formatOne(v, c);
    });
    out.text = s + d.conversions[values.length].before;
    return out;
  }
  const parts = [d.name];
  for (const v of typed) parts.push(`${v.name}=${plainValue(v.type, v.value)}`);
  out.text = parts.join(' ');
  return out;
}

function descriptorName(d: Descriptor): string {
  return d.kind === 'log' ? d.format : d.name;
}

/**
 * Id-to-name lookup for the exporters (structurally host/src/export/types.ts NameTable):
 * undefined means "show the raw id". Logs are named by their format string.
 */
export function nameTable(meta: Metadata): { eventName(kind: EventKind, id: number): string | undefined } {
  return {
    eventName(kind: EventKind, id: number): string | undefined {
      const d = descriptorFor(meta, { kind, id } as TraceEvent);
      return d ? descriptorName(d) : undefined;
    },
  };
}

/** A name for any event: its metadata name, else `<kind> <id>` (raw, as without --elf). */
export function nameOf(ev: TraceEvent & EventMeta): string {
  return ev.name ?? `${ev.kind} ${ev.id}`;
}

/** The formatted text of a log or user event, or undefined when it has none. */
export function formatLog(ev: TraceEvent & EventMeta): string | undefined {
  return ev.text;
}

/**
 * Checks every stream header against the ELF's build id and names every event. A
 * mismatch throws BuildIdMismatchError, unless `force`, when `warn` gets one line
 * instead. A stream or ELF without a build id cannot be checked: `warn` says so once.
 * Pure: returns the record to pass on.
 */
export class MetadataApplier {
  private warned = false;
  constructor(
    readonly meta: Metadata,
    readonly force: boolean,
    readonly warn: (message: string) => void,
  ) {}

  apply<R extends TraceRecord>(rec: R): R {
    if (rec.type === 'event') return applyMetadata(this.meta, rec) as R;
    if (rec.type === 'header') this.checkHeader(rec.header.buildId);
    return rec;
  }

  checkHeader(streamId: string): void {
    if (streamId === this.meta.buildId || this.warned) return;
    if (!streamId || !this.meta.buildId) {
      this.warned = true;
      this.warn(`cannot check the ELF against the stream: ${streamId ? 'the ELF' : 'the stream'} has no build id`);
      return;
    }
    if (!this.force) throw new BuildIdMismatchError(this.meta.buildId, streamId);
    this.warned = true;
    this.warn(
      `--force: decoding with a mismatched ELF (ELF build-id ${this.meta.buildId}, stream ${streamId}); names may be wrong`,
    );
  }
}
