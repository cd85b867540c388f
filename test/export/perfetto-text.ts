// Reads a Perfetto export back through protoc (test/export/perfetto-subset.proto, Perfetto's
// field numbers): `protoc --decode=perfetto.protos.Trace` prints the text format, parsed here
// into nodes, and the rules of Perfetto's readers (per-sequence interning and defaults, the
// incremental clock of a clock snapshot, absolute BOOTTIME where a packet names it) turn the
// packets into tracks and events. Written from Perfetto's documentation and .proto comments,
// not from the exporter.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const PROTO_DIR = join(import.meta.dirname, '.');
const PROTO = 'perfetto-subset.proto';

/** A message: each field's values in order (a repeated field has several). */
export interface PbNode {
  [field: string]: (PbNode | string)[];
}

export function protocDecode(file: string): string {
  return execFileSync('protoc', [`--proto_path=${PROTO_DIR}`, '--decode=perfetto.protos.Trace', PROTO], {
    input: readFileSync(file),
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
}

export function protocDecodeRaw(file: string): string {
  return execFileSync('protoc', ['--decode_raw'], { input: readFileSync(file), maxBuffer: 1 << 30, encoding: 'utf8' });
}

/** protoc's C-style string escapes (octal bytes for non-ASCII) back to the UTF-8 string. */
function unescape(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = s[++i];
    if (n >= '0' && n <= '7') {
      let oct = n;
      while (oct.length < 3 && s[i + 1] >= '0' && s[i + 1] <= '7') oct += s[++i];
      bytes.push(parseInt(oct, 8));
    } else if (n === 'x') {
      let h = '';
      while (h.length < 2 && /[0-9a-fA-F]/.test(s[i + 1])) h += s[++i];
      bytes.push(parseInt(h, 16));
    } else bytes.push({ n: 10, r: 13, t: 9, '"': 34, "'": 39, '\\': 92 }[n] ?? n.charCodeAt(0));
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
}

/** protoc's text format (one field per line) as nodes; an unknown field (a number as its name) throws. */
export function parseText(text: string): PbNode {
  const root: PbNode = {};
  const stack: PbNode[] = [root];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const top = stack[stack.length - 1];
    if (line === '}') {
      stack.pop();
      continue;
    }
    let m = /^([A-Za-z_][A-Za-z0-9_]*) \{$/.exec(line);
    if (m) {
      const child: PbNode = {};
      (top[m[1]] ??= []).push(child);
      stack.push(child);
      continue;
    }
    m = /^([A-Za-z_][A-Za-z0-9_]*): (.*)$/.exec(line);
    if (!m) throw new Error(`not a field of the schema: ${line}`);
    const v = m[2].startsWith('"') ? unescape(m[2].slice(1, -1)) : m[2];
    (top[m[1]] ??= []).push(v);
  }
  if (stack.length !== 1) throw new Error('unbalanced text');
  return root;
}

const one = (n: PbNode, f: string): string | undefined => n[f]?.[0] as string | undefined;
const sub = (n: PbNode, f: string): PbNode | undefined => n[f]?.[0] as PbNode | undefined;

export interface Track {
  uuid: string;
  name?: string;
  parent?: string;
  pid?: number;
  tid?: number;
  threadName?: string;
  processName?: string;
  counter: boolean;
}

export interface ReadEvent {
  seq: number;
  t: bigint;
  track: string;
  type: string;
  name?: string;
  args: Map<string, string>;
  counter?: string;
}

interface SeqState {
  names: Map<string, string>;
  argNames: Map<string, string>;
  clockId?: string;
  track?: string;
  /** the incremental clock's value */
  clock?: bigint;
}

/** The tracks and track events of a decoded Trace, times resolved, names looked up. */
export function readTrace(trace: PbNode): { tracks: Map<string, Track>; events: ReadEvent[] } {
  const tracks = new Map<string, Track>();
  const events: ReadEvent[] = [];
  const seqs = new Map<number, SeqState>();
  for (const p of (trace.packet ?? []) as PbNode[]) {
    const seqId = Number(one(p, 'trusted_packet_sequence_id'));
    if (!(seqId > 0)) throw new Error('a packet without its sequence');
    const flags = Number(one(p, 'sequence_flags') ?? 0);
    if (flags & 1 || !seqs.has(seqId)) {
      if (!(flags & 1)) throw new Error(`sequence ${seqId} used before a packet cleared its state`);
      seqs.set(seqId, { names: new Map(), argNames: new Map() });
    }
    const st = seqs.get(seqId)!;
    const defaults = sub(p, 'trace_packet_defaults');
    if (defaults) {
      st.clockId = one(defaults, 'timestamp_clock_id');
      const ted = sub(defaults, 'track_event_defaults');
      st.track = ted ? one(ted, 'track_uuid') : undefined;
    }
    const interned = sub(p, 'interned_data');
    if (interned) {
      for (const [f, into] of [['event_names', st.names], ['debug_annotation_names', st.argNames]] as const) {
        for (const e of (interned[f] ?? []) as PbNode[]) {
          const iid = one(e, 'iid')!;
          const name = one(e, 'name')!;
          if (into.has(iid) && into.get(iid) !== name) throw new Error(`iid ${iid} of ${f} redefined on sequence ${seqId}`);
          into.set(iid, name);
        }
      }
    }
    const cs = sub(p, 'clock_snapshot');
    if (cs) {
      const clocks = (cs.clocks ?? []) as PbNode[];
      const boot = clocks.find((c) => one(c, 'clock_id') === '6');
      for (const c of clocks) {
        if (one(c, 'is_incremental') !== 'true') continue;
        if (one(c, 'clock_id') !== st.clockId) throw new Error('a snapshot of another clock than the sequence default');
        // the snapshot ties it to BOOTTIME one to one: the same value at the same instant
        if (!boot || one(boot, 'timestamp') !== one(c, 'timestamp')) throw new Error('incremental clock not tied to BOOTTIME');
        st.clock = BigInt(one(c, 'timestamp')!);
      }
    }
    const td = sub(p, 'track_descriptor');
    if (td) {
      const thread = sub(td, 'thread');
      const proc = sub(td, 'process');
      const uuid = one(td, 'uuid')!;
      if (tracks.has(uuid)) throw new Error(`track ${uuid} described twice`);
      tracks.set(uuid, {
        uuid,
        name: one(td, 'name'),
        parent: one(td, 'parent_uuid'),
        pid: thread ? Number(one(thread, 'pid')) : proc ? Number(one(proc, 'pid')) : undefined,
        tid: thread ? Number(one(thread, 'tid')) : undefined,
        threadName: thread ? one(thread, 'thread_name') : undefined,
        processName: proc ? one(proc, 'process_name') : undefined,
        counter: td.counter !== undefined,
      });
    }
    const te = sub(p, 'track_event');
    if (!te) continue;
    const ts = BigInt(one(p, 'timestamp') ?? '0');
    const clockId = one(p, 'timestamp_clock_id') ?? st.clockId ?? '6';
    let t: bigint;
    if (clockId === '6') t = ts;
    else {
      if (clockId !== st.clockId || st.clock === undefined) throw new Error(`clock ${clockId} has no snapshot on sequence ${seqId}`);
      st.clock += ts;
      t = st.clock;
    }
    const iid = one(te, 'name_iid');
    const name = iid !== undefined ? st.names.get(iid) : one(te, 'name');
    if (iid !== undefined && name === undefined) throw new Error(`name iid ${iid} not interned on sequence ${seqId}`);
    const args = new Map<string, string>();
    for (const a of (te.debug_annotations ?? []) as PbNode[]) {
      const aiid = one(a, 'name_iid');
      const key = aiid !== undefined ? st.argNames.get(aiid) : one(a, 'name');
      if (key === undefined) throw new Error(`annotation name iid ${aiid} not interned`);
      const v = one(a, 'uint_value') ?? one(a, 'int_value') ?? one(a, 'string_value') ?? one(a, 'double_value') ?? one(a, 'bool_value');
      if (v === undefined) throw new Error(`annotation ${key} without a value`);
      args.set(key, v);
    }
    const track = one(te, 'track_uuid') ?? st.track;
    if (track === undefined) throw new Error('an event without a track');
    events.push({ seq: seqId, t, track, type: one(te, 'type')!, name, args, counter: one(te, 'counter_value') ?? one(te, 'double_counter_value') });
  }
  for (const e of events) if (!tracks.has(e.track)) throw new Error(`event on undescribed track ${e.track}`);
  return { tracks, events };
}
