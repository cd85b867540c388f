// One source for the protocol facts: protocol/wire.json. This check fails when
// - a generated file (firmware/include/tp_wire_gen.h, host/src/core/wire-gen.ts) is not what
//   gen.mjs makes of wire.json (someone edited it by hand, or forgot to regenerate);
// - the tables and rules of protocol/SPEC.md (and the version table of VERSIONS.md) say
//   something else than wire.json;
// - a valid vector breaks a writer rule of SPEC that the vectors test does not check itself.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBatch } from '../../host/src/core/batch.js';
import { cobsEncode } from '../../host/src/core/cobs.js';
import { crc32c } from '../../host/src/core/crc32c.js';
import { TraceDecoder } from '../../host/src/core/decoder.js';
import { StreamWriter } from '../../host/src/core/encode.js';
import { FrameSplitter } from '../../host/src/core/frames.js';
import { MSG_HEADER, MSG_PACKET, parseEvents, parseHeader, parsePacketHead } from '../../host/src/core/messages.js';
import type { TraceRecord } from '../../host/src/core/types.js';
import { Cursor } from '../../host/src/core/varint.js';
import { loadWire, outputs, ROOT, type Wire } from './gen.mjs';

const wire = loadWire();
const SPEC = readFileSync(join(ROOT, 'protocol/SPEC.md'), 'utf8');
const VERSIONS = readFileSync(join(ROOT, 'protocol/VERSIONS.md'), 'utf8');

// ---- reading the markdown ----

/** The text of the section whose heading starts with `heading` (e.g. '## 4.'), up to the next one of its level. */
function section(md: string, heading: string): string {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading + ' '));
  if (start < 0) throw new Error(`SPEC has no section ${heading}`);
  const level = heading.indexOf(' ') > 0 ? heading.split(' ')[0].length : heading.match(/^#+/)![0].length;
  let end = start + 1;
  while (end < lines.length && !(lines[end].match(/^#+ /) && lines[end].match(/^#+/)![0].length <= level)) end++;
  return lines.slice(start, end).join('\n');
}

interface Table {
  header: string[];
  rows: string[][];
}

function tables(text: string): Table[] {
  const out: Table[] = [];
  const cells = (l: string) => l.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].trimStart().startsWith('|') || !/^\s*\|[-| :]+\|\s*$/.test(lines[i + 1] ?? '')) continue;
    const t: Table = { header: cells(lines[i]), rows: [] };
    for (i += 2; i < lines.length && lines[i].trimStart().startsWith('|'); i++) t.rows.push(cells(lines[i]));
    out.push(t);
  }
  return out;
}

function table(text: string, header: string[]): Table {
  const t = tables(text).find((x) => x.header.join('|') === header.join('|'));
  if (!t) throw new Error(`no table with columns ${header.join(', ')}`);
  return t;
}

/** The row of a table whose column `col` is `key`. */
function row(t: Table, col: number, key: string): string[] {
  const r = t.rows.find((x) => x[col] === key);
  if (!r) throw new Error(`no row ${key}`);
  return r;
}

const unquote = (s: string) => s.replace(/`/g, '');
const all = (s: string, re: RegExp) => [...s.matchAll(re)];
function one(s: string, re: RegExp, what: string): RegExpMatchArray {
  const m = s.match(re);
  if (!m) throw new Error(`SPEC: cannot find ${what}`);
  return m;
}
const bits = (s: string) => all(s, /bit (\d+) `(\w+)`/g).map((m) => ({ name: m[2], bit: Number(m[1]) }));

// ---- the facts, as SPEC states them and as wire.json holds them ----

function specFacts(spec: string, versions: string) {
  const s3 = section(spec, '## 3.');
  const lim = one(s3, /`(\d+) \+ (\d+) \+ (\d+)` bytes/, 'the COBS limit');
  const messages = table(section(spec, '## 4.'), ['Type', 'Name', 'Direction', 'Section']).rows.map((r) => ({
    type: parseInt(unquote(r[0]), 16),
    name: r[1],
    direction: r[2],
    section: r[3],
  }));
  const commands = table(section(spec, '## 8.'), ['Type', 'Name', 'Target action']).rows.map((r) => ({
    type: parseInt(unquote(r[0]), 16),
    name: r[1],
  }));
  const hdr = table(section(spec, '## 5.'), ['Offset', 'Field', 'Encoding', 'Meaning']);
  const magicRow = row(hdr, 1, 'magic');
  const timerBits = one(row(hdr, 1, 'timer_bits')[3], /(\d+)\.\.(\d+)/, 'timer_bits range');
  const h = table(section(spec, '### 6.1'), ['Bits of H', 'Field', 'Values']);
  const nargs = one(row(h, 1, 'nargs')[2], /0\.\.(\d+) arguments; (\d+) = one length-prefixed/, 'nargs');
  const st = table(section(spec, '## 7.'), ['Field', 'Encoding', 'Meaning']);
  const s11 = section(spec, '### 11.2');
  const desc = table(s11, ['Offset', 'Field', 'Encoding', 'Meaning']);
  const notices = table(section(spec, '### 9.1'), ['Code', 'Level', 'Meaning']).rows.map((r) => ({
    code: unquote(r[0]),
    level: r[1],
    doc: unquote(r[2]),
  }));
  const vt = table(versions, ['Wire version', 'Status', 'Spec', 'Firmware (`TP_PROTOCOL_VERSION`)', 'Host that decodes it']);
  return {
    max_message: Number(one(s3, /decoded `message` MUST NOT exceed \*\*(\d+)\*\* bytes/, 'the message limit')[1]),
    cobs_limit: [Number(lim[1]), Number(lim[2]), Number(lim[3])],
    min_frame: Number(one(s3, /shorter than (\d+) decoded bytes/, 'the frame minimum')[1]),
    messages,
    commands,
    magic: {
      bytes: one(magicRow[2], /`([0-9A-Fa-f ]+)`/, 'magic bytes')[1].split(' ').map((x) => parseInt(x, 16)),
      text: one(magicRow[3], /ASCII `(.+)`/, 'magic text')[1],
    },
    version: Number(one(row(hdr, 1, 'version')[3], /`(\d+)`/, 'version')[1]),
    header_flags: bits(row(hdr, 1, 'flags')[3]),
    modes: all(row(hdr, 1, 'mode')[3], /`(\d+)` (\w+)/g).map((m) => ({ name: m[2], value: Number(m[1]) })),
    timer_bits: [Number(timerBits[1]), Number(timerBits[2])],
    max_build_id: Number(one(row(hdr, 1, 'build_id_len')[3], /0\.\.(\d+)/, 'build_id_len')[1]),
    max_packet_size: Number(one(row(hdr, 1, 'packet_size')[3], /at most (\d+)/, 'packet_size')[1]),
    kinds: all(row(h, 1, 'kind')[2], /(\d+) `(\w+)`/g).map((m) => ({ name: m[2], value: Number(m[1]) })),
    max_word_args: Number(nargs[1]),
    blob_nargs: Number(nargs[2]),
    encodings: all(row(h, 1, 'enc')[2], /(\d+) (varint|fixed (\d+) bytes)/g).map((m) => ({
      name: m[3] ? `fixed${m[3]}` : m[2],
      value: Number(m[1]),
    })),
    status_flags: bits(row(st, 0, 'flags')[2]),
    meta: {
      version: Number(one(row(desc, 1, 'version')[3], /`(\d+)`/, 'descriptor version')[1]),
      flags: bits(row(desc, 1, 'flags')[3]),
      max_args: Number(one(row(desc, 1, 'nargs')[3], /0\.\.(\d+)/, 'descriptor nargs')[1]),
      arg_types: all(one(s11, /^Type codes: (.*)$/m, 'type codes')[1], /`(\d+)` (\w+)/g).map((m) => ({ name: m[2], code: Number(m[1]) })),
      level_shift: Number(one(row(desc, 1, 'flags')[3], /bits (\d+)\.\.\d+ log level/, 'level bits')[1]),
      log_levels: all(one(s11, /^Log levels: (.*)$/m, 'log levels')[1], /`(\d+)` (\w+)/g).map((m) => ({ name: m[2], value: Number(m[1]) })),
    },
    notices,
    supported_versions: vt.rows.filter((r) => r[1] !== 'withdrawn').map((r) => Number(r[0])),
    current_version: vt.rows.filter((r) => r[1] === 'current').map((r) => Number(r[0])),
  };
}

function wireFacts(w: Wire): ReturnType<typeof specFacts> {
  const L = (k: string) => w.limits[k].value;
  return {
    max_message: L('max_message'),
    cobs_limit: [L('max_message'), L('crc_bytes'), L('cobs_slack')],
    min_frame: L('min_frame'),
    messages: w.messages.map((m) => ({ type: m.type, name: m.name, direction: m.direction, section: m.section })),
    commands: w.messages.filter((m) => m.command !== undefined).map((m) => ({ type: m.type, name: m.name })),
    magic: { bytes: [...w.magic].map((c) => c.charCodeAt(0)), text: w.magic },
    version: w.version,
    header_flags: w.header_flags,
    modes: w.modes,
    timer_bits: [L('min_timer_bits'), L('max_timer_bits')],
    max_build_id: L('max_build_id'),
    max_packet_size: L('max_packet_size'),
    kinds: w.kinds,
    max_word_args: L('max_word_args'),
    blob_nargs: L('blob_nargs'),
    encodings: w.encodings,
    status_flags: w.status_flags,
    meta: {
      version: w.meta.version,
      flags: w.meta.flags,
      max_args: L('max_meta_args'),
      arg_types: w.meta.arg_types,
      level_shift: w.meta.level_shift,
      log_levels: w.meta.log_levels,
    },
    notices: w.notices,
    supported_versions: w.supported_versions,
    current_version: [w.version],
  };
}

describe('protocol/wire.json', () => {
  it('the committed generated files are what gen.mjs makes of it', () => {
    for (const [rel, text] of Object.entries(outputs(wire))) {
      expect(readFileSync(join(ROOT, rel), 'utf8'), `${rel}: run node protocol/tools/gen.mjs`).toBe(text);
    }
  });

  it('a change to the table changes the generated files', () => {
    const changed = structuredClone(wire);
    changed.messages.find((m) => m.name === 'CMD_DUMP')!.type = 0x15;
    const out = outputs(changed);
    const committed = outputs(wire);
    for (const rel of Object.keys(out)) expect(out[rel]).not.toBe(committed[rel]);
  });

  it('agrees with the tables of SPEC.md and VERSIONS.md', () => {
    expect(specFacts(SPEC, VERSIONS)).toEqual(wireFacts(wire));
  });

  it('the SPEC check reads the tables: a changed row is caught', () => {
    const edits: [string, string][] = [
      ['| `0x14` | CMD_DUMP | host → target | §8 |', '| `0x15` | CMD_DUMP | host → target | §8 |'],
      ['6 `isr_exit`, 7 `log`', '6 `isr_exit`, 7 `logs`'],
      ['| `late_attach` | info |', '| `late_attach` | warning |'],
      ['`9` f32, `10` f64', '`9` f32, `12` f64'],
    ];
    for (const [from, to] of edits) {
      expect(SPEC.includes(from), from).toBe(true);
      expect(specFacts(SPEC.replace(from, to), VERSIONS)).not.toEqual(wireFacts(wire));
    }
  });
});

describe('SPEC §2 COBS examples', () => {
  /** `AA BB`, `N × `AA``: the notation of the example table */
  const bytes = (cell: string): number[] =>
    all(cell, /(?:(\d+) × )?`([0-9A-Fa-f ]+)`/g).flatMap((m) => {
      const b = m[2].split(' ').map((x) => parseInt(x, 16));
      return m[1] ? Array.from({ length: Number(m[1]) }, () => b).flat() : b;
    });
  const t = table(section(SPEC, '## 2.'), ['Data', 'COBS block']);

  it('has the 254·k cases', () => {
    expect(t.rows.map((r) => bytes(r[0]).length)).toEqual(expect.arrayContaining([254, 508]));
  });

  for (const [data, block] of t.rows) {
    it(`${data} -> ${block}`, () => {
      expect([...cobsEncode(Uint8Array.from(bytes(data)))]).toEqual(bytes(block));
    });
  }
});

describe('valid vectors keep the writer rules of SPEC', () => {
  const dir = join(ROOT, 'protocol/vectors/valid');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.bin'))) {
    it(f, () => {
      const msgs: Uint8Array[] = [];
      const frame = (buf: Uint8Array, len: number) => {
        const end = len - 4;
        const crc = (buf[end] | (buf[end + 1] << 8) | (buf[end + 2] << 16) | (buf[end + 3] << 24)) >>> 0;
        if (len >= 5 && crc32c(buf, 0, end) === crc) msgs.push(buf.slice(0, end));
      };
      new FrameSplitter({ frame, bad: () => {} }).push(new Uint8Array(readFileSync(join(dir, f))));
      const first = msgs.find((m) => m[0] === MSG_HEADER);
      expect(first, 'a header').toBeDefined();
      // packets before the first header (a late attach) belong to a configuration like it
      let { packetSize, version } = parseHeader(first!, 0, first!.length);
      for (const m of msgs) {
        if (m[0] === MSG_HEADER) ({ packetSize, version } = parseHeader(m, 0, m.length));
        if (m[0] !== MSG_PACKET) continue;
        // §5/§6: a PACKET message is no longer than the header's packet_size
        expect(m.length).toBeLessThanOrEqual(packetSize);
        const c = new Cursor(m, 1, m.length);
        const head = parsePacketHead(c, version);
        // §6: no empty packets
        expect(head.nEvents).toBeGreaterThan(0);
        const evs = new EventBatch();
        evs.reset(head.nEvents, c.remaining);
        parseEvents(c, head.nEvents, evs, { first: 0 });
        // §6.1: a counter's value is a u32
        for (let i = 0; i < evs.length; i++) {
          if (evs.kindName(i) === 'counter') for (let a = 0; a < evs.argc(i); a++) expect(evs.arg(i, a) < 2n ** 32n).toBe(true);
        }
      }
    });
  }
});

describe('SPEC §5/§6 reader rules for packet_size (no writer may produce these, so no vector holds them)', () => {
  function decode(packetSize: number, blobLen: number): { recs: TraceRecord[]; decoded: number } {
    const w = new StreamWriter();
    w.header({ boot: true, cores: 1, mode: 'discard', timerBits: 32, timerHz: 1_000_000, packetSize, packets: 4, ts: 0, session: 7 });
    w.beginPacket(0, 0, 100, 0, 0, 0).event('log', 1, 101, undefined, new Uint8Array(blobLen).fill(0x55)).endPacket(200);
    w.status({ core: 0, final: true, ts: 300, nextSeq: 1, committed: 1, dropped: 0, overwritten: 0 });
    const recs: TraceRecord[] = [];
    const d = new TraceDecoder((r) => recs.push(r));
    d.push(w.bytes());
    d.end();
    return { recs, decoded: d.stats()[0].decoded };
  }

  it('a header with packet_size above 4096 is not rejected', () => {
    const r = decode(8192, 10);
    expect(r.recs.filter((x) => x.type === 'notice')).toEqual([]);
    expect(r.decoded).toBe(1);
  });

  it('a packet longer than packet_size is not discarded', () => {
    const r = decode(64, 200);
    expect(r.recs.filter((x) => x.type === 'notice')).toEqual([]);
    expect(r.decoded).toBe(1);
  });
});
