// Parser of the protocol vector descriptions (`protocol/vectors/*/<name>.in.txt`, format in
// protocol/vectors/README.md) and the byte builder that turns one into its `.bin`.

import {
  commandMessage,
  frame,
  headerMessage,
  packetMessage,
  statusMessage,
  type CommandName,
  type EventSpec,
  type HeaderSpec,
  type PacketSpec,
  type StatusSpec,
  type U64,
} from '../../host/src/core/encode.js';
import { EVENT_KINDS, type EventKind, type NoticeCode } from '../../host/src/core/types.js';
// the generated wire table (protocol/wire.json), not the decoder
import { COMMAND_TYPES, MAX_MESSAGE, WIRE_VERSION } from '../../host/src/core/wire-gen.js';

export type Directive =
  | { op: 'header'; line: number; spec: HeaderSpec }
  | { op: 'packet'; line: number; spec: PacketSpec }
  | { op: 'status'; line: number; spec: StatusSpec }
  | { op: 'cmd'; line: number; name: CommandName }
  | { op: 'frame'; line: number; msg: Uint8Array; expect: NoticeCode[] }
  | { op: 'badcrc'; line: number; msg: Uint8Array; expect: NoticeCode[] }
  | { op: 'raw'; line: number; bytes: Uint8Array; expect: NoticeCode[] };

export interface VectorSource {
  name: string;
  description: string;
  directives: Directive[];
  /** only header/packet/ev/status/cmd lines, all of the current wire version: the C encoder can produce the bytes */
  cEncodable: boolean;
}

export interface BuiltVector {
  bytes: Uint8Array;
  /** byte range of each directive in bytes */
  spans: { start: number; end: number }[];
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function num(s: string, what: string, line: number): bigint {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(s)) throw new Error(`line ${line}: ${what}: not a number: ${s}`);
  return BigInt(s);
}

function u64(s: string, what: string, line: number): U64 {
  const v = num(s, what, line);
  if (v > 0xffff_ffff_ffff_ffffn) throw new Error(`line ${line}: ${what} exceeds u64`);
  return v <= SAFE ? Number(v) : v;
}

function uN(s: string, what: string, line: number, max: number): number {
  const v = num(s, what, line);
  if (v > BigInt(max)) throw new Error(`line ${line}: ${what} ${v} > ${max}`);
  return Number(v);
}

function hexTokens(tokens: string[], line: number): Uint8Array {
  const out: number[] = [];
  for (const tok of tokens) {
    // XX*N repeats one byte N times (long frames without long lines)
    const rep = /^([0-9a-fA-F]{2})\*([0-9]+)$/.exec(tok);
    if (rep) {
      for (let i = 0; i < Number(rep[2]); i++) out.push(parseInt(rep[1], 16));
      continue;
    }
    if (!/^([0-9a-fA-F]{2})+$/.test(tok)) throw new Error(`line ${line}: bad hex ${tok}`);
    for (let i = 0; i < tok.length; i += 2) out.push(parseInt(tok.slice(i, i + 2), 16));
  }
  return Uint8Array.from(out);
}

function fields(tokens: string[], line: number): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const t of tokens) {
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`line ${line}: expected key=value, got ${t}`);
    const k = t.slice(0, eq);
    const list = m.get(k) ?? [];
    list.push(t.slice(eq + 1));
    m.set(k, list);
  }
  return m;
}

function take(m: Map<string, string[]>, k: string, line: number, dflt?: string): string {
  const v = m.get(k);
  if (!v) {
    if (dflt !== undefined) return dflt;
    throw new Error(`line ${line}: missing ${k}=`);
  }
  m.delete(k);
  return v[v.length - 1];
}

function done(m: Map<string, string[]>, line: number): void {
  if (m.size > 0) throw new Error(`line ${line}: unknown field(s) ${[...m.keys()].join(', ')}`);
}

function splitExpect(tokens: string[]): { rest: string[]; expect: NoticeCode[] } {
  const rest: string[] = [];
  let expect: NoticeCode[] = [];
  for (const t of tokens) {
    if (t.startsWith('expect=')) expect = t.slice(7).split(',').filter((s) => s !== '' && s !== 'none') as NoticeCode[];
    else rest.push(t);
  }
  return { rest, expect };
}

export function parseVector(name: string, text: string): VectorSource {
  const directives: Directive[] = [];
  const desc: string[] = [];
  let inPreamble = true;
  let cEncodable = true;
  let packet: PacketSpec | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i];
    const hash = raw.indexOf('#');
    if (inPreamble && raw.trim().startsWith('#')) {
      desc.push(raw.trim().replace(/^#\s?/, ''));
      continue;
    }
    const body = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (body === '') continue;
    inPreamble = false;
    const [op, ...tokens] = body.split(/\s+/);
    if (op !== 'ev') packet = null;
    switch (op) {
      case 'header': {
        const m = fields(tokens, line);
        const cores = uN(take(m, 'cores', line), 'cores', line, 255);
        const mode = take(m, 'mode', line);
        if (mode !== 'discard' && mode !== 'overwrite') throw new Error(`line ${line}: mode ${mode}`);
        const origins = (m.get('origin') ?? []).map((o) => {
          const p = o.split(':');
          if (p.length !== 4 && p.length !== 5) throw new Error(`line ${line}: origin=seq:events:dropped:overwritten[:rejected]`);
          const [seq, events, dropped, overwritten, rejected = 0] = p.map((x) => uN(x, 'origin', line, 0xffffffff));
          return { seq, events, dropped, overwritten, rejected };
        });
        m.delete('origin');
        const spec: HeaderSpec = {
          // the vectors of version 1 came first and do not say it
          version: uN(take(m, 'version', line, '1'), 'version', line, 255),
          cores,
          mode,
          timerBits: uN(take(m, 'bits', line), 'bits', line, 255),
          timerHz: uN(take(m, 'hz', line), 'hz', line, 0xffffffff),
          packetSize: uN(take(m, 'psize', line), 'psize', line, 0xffff),
          packets: uN(take(m, 'packets', line), 'packets', line, 0xffff),
          ts: u64(take(m, 'ts', line), 'ts', line),
          session: uN(take(m, 'session', line), 'session', line, 0xffffffff),
          boot: take(m, 'boot', line, '0') === '1',
          buildId: take(m, 'build_id', line, ''),
          origin: origins.length > 0 ? origins : undefined,
        };
        if (spec.origin && spec.origin.length !== cores) throw new Error(`line ${line}: ${spec.origin.length} origins for ${cores} cores`);
        done(m, line);
        directives.push({ op: 'header', line, spec });
        break;
      }
      case 'packet': {
        const m = fields(tokens, line);
        packet = {
          core: uN(take(m, 'core', line), 'core', line, 255),
          seq: uN(take(m, 'seq', line), 'seq', line, 0xffffffff),
          tsBegin: u64(take(m, 'ts_begin', line), 'ts_begin', line),
          tsEnd: u64(take(m, 'ts_end', line), 'ts_end', line),
          eventsBefore: uN(take(m, 'events_before', line), 'events_before', line, 0xffffffff),
          dropped: uN(take(m, 'dropped', line), 'dropped', line, 0xffffffff),
          overwritten: uN(take(m, 'overwritten', line), 'overwritten', line, 0xffffffff),
          rejected: uN(take(m, 'rejected', line, '0'), 'rejected', line, 0xffffffff),
          events: [],
        };
        done(m, line);
        directives.push({ op: 'packet', line, spec: packet });
        break;
      }
      case 'ev': {
        if (!packet) throw new Error(`line ${line}: ev outside a packet`);
        const m = fields(tokens, line);
        const kind = take(m, 'kind', line) as EventKind;
        if (!EVENT_KINDS.includes(kind)) throw new Error(`line ${line}: kind ${kind}`);
        const ev: EventSpec = {
          kind,
          id: uN(take(m, 'id', line), 'id', line, 0xffffffff),
          t: u64(take(m, 't', line), 't', line),
        };
        const args = take(m, 'args', line, '');
        if (args !== '') ev.args = args.split(',').map((a) => u64(a, 'arg', line));
        const blob = m.has('blob') ? take(m, 'blob', line) : undefined;
        if (blob !== undefined) ev.blob = hexTokens(blob === '' ? [] : [blob], line);
        if (ev.blob && ev.args) throw new Error(`line ${line}: args and blob`);
        done(m, line);
        packet.events.push(ev);
        break;
      }
      case 'status': {
        const m = fields(tokens, line);
        const spec: StatusSpec = {
          core: uN(take(m, 'core', line), 'core', line, 255),
          final: take(m, 'final', line) === '1',
          ts: u64(take(m, 'ts', line), 'ts', line),
          nextSeq: uN(take(m, 'next_seq', line), 'next_seq', line, 0xffffffff),
          committed: uN(take(m, 'committed', line), 'committed', line, 0xffffffff),
          dropped: uN(take(m, 'dropped', line), 'dropped', line, 0xffffffff),
          overwritten: uN(take(m, 'overwritten', line), 'overwritten', line, 0xffffffff),
          rejected: uN(take(m, 'rejected', line, '0'), 'rejected', line, 0xffffffff),
        };
        done(m, line);
        directives.push({ op: 'status', line, spec });
        break;
      }
      case 'cmd': {
        const name = tokens[0] as CommandName;
        if (!Object.hasOwn(COMMAND_TYPES, name) || tokens.length !== 1) {
          throw new Error(`line ${line}: cmd <${Object.keys(COMMAND_TYPES).join('|')}>`);
        }
        directives.push({ op: 'cmd', line, name });
        break;
      }
      case 'frame':
      case 'badcrc': {
        cEncodable = false;
        const { rest, expect } = splitExpect(tokens);
        const msg = hexTokens(rest, line);
        directives.push({ op, line, msg, expect: op === 'badcrc' && expect.length === 0 ? ['crc_mismatch'] : expect });
        break;
      }
      case 'raw': {
        cEncodable = false;
        const { rest, expect } = splitExpect(tokens);
        directives.push({ op: 'raw', line, bytes: hexTokens(rest, line), expect });
        break;
      }
      default:
        throw new Error(`line ${line}: unknown directive ${op}`);
    }
  }
  // A packet or status has the version of the header before it; before any, of the first one.
  let version = directives.find((d) => d.op === 'header')?.spec.version ?? 1;
  for (const d of directives) {
    if (d.op === 'header') version = d.spec.version ?? 1;
    else if (d.op === 'packet' || d.op === 'status') {
      if (version < 2 && (d.spec.rejected ?? 0) !== 0) throw new Error(`line ${d.line}: rejected in a version-${version} stream`);
      d.spec.version = version;
    }
    // the C encoder writes the current version only
    if (d.op === 'header' && version !== WIRE_VERSION) cEncodable = false;
  }
  // with no header the packets are of version 1, which the C encoder no longer writes
  if (!directives.some((d) => d.op === 'header')) cEncodable = false;
  return { name, description: desc.join(' ').trim(), directives, cEncodable };
}

export function directiveBytes(d: Directive): Uint8Array {
  let msg: Uint8Array;
  switch (d.op) {
    case 'header':
      msg = headerMessage(d.spec);
      break;
    case 'packet':
      msg = packetMessage(d.spec);
      break;
    case 'status':
      msg = statusMessage(d.spec);
      break;
    case 'cmd':
      msg = commandMessage(d.name);
      break;
    case 'frame':
      return frame(d.msg);
    case 'badcrc':
      return frame(d.msg, { badCrc: true });
    case 'raw':
      return d.bytes;
  }
  // a description line that cannot be a valid message would make its expectation wrong
  if (msg.length > MAX_MESSAGE) throw new Error(`line ${d.line}: message of ${msg.length} bytes exceeds ${MAX_MESSAGE}`);
  return frame(msg);
}

export function buildVector(v: VectorSource): BuiltVector {
  const parts = v.directives.map(directiveBytes);
  const total = parts.reduce((a, p) => a + p.length, 0);
  const bytes = new Uint8Array(total);
  const spans: BuiltVector['spans'] = [];
  let pos = 0;
  for (const p of parts) {
    bytes.set(p, pos);
    spans.push({ start: pos, end: pos + p.length });
    pos += p.length;
  }
  return { bytes, spans };
}
