// Regressions of issue 10 §7-8 and issue 16 §6 for the pure core: a refused header names its
// reason where the user sees it, a time past 2^64 is not proven, and the core does no I/O.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TraceDecoder } from './decoder.js';
import { StreamWriter, headerMessage, packetMessage } from './encode.js';
import type { Notice, TraceRecord } from './types.js';

const hdr = { cores: 1, mode: 'discard' as const, timerBits: 64, timerHz: 1_000_000, packetSize: 64, packets: 4, ts: 0, session: 1 };

function decode(bytes: Uint8Array): TraceRecord[] {
  const out: TraceRecord[] = [];
  const d = new TraceDecoder((r) => out.push(r));
  d.push(bytes);
  d.end();
  return out;
}

const notices = (recs: TraceRecord[], code: string) => recs.filter((r): r is Notice => r.type === 'notice' && r.code === code);

describe('a refused header names its reason in the no_header notice', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['version 2', headerMessage({ ...hdr, version: 3 }), /protocol version 3 is not supported \(this host decodes version 1, 2\) \[bad_version\]/],
    ['timer 0 Hz', headerMessage({ ...hdr, timerHz: 0 }), /header timer_hz is 0 \[malformed\]/],
    ['0 cores', headerMessage({ ...hdr, cores: 0 }), /header has 0 cores \[malformed\]/],
    ['mode 7', headerMessage({ ...hdr, mode: 7 }), /header mode 7 is not 0 or 1 \[malformed\]/],
    ['255-byte build id', headerMessage({ ...hdr, buildId: new Uint8Array(255) }), /build_id_len 255 > 32 \[malformed\]/],
  ];
  for (const [what, msg, reason] of cases) {
    it(what, () => {
      const w = new StreamWriter().message(msg);
      w.beginPacket(0, 0, 100, 0, 0, 0).event('mark', 1, 110).endPacket(120);
      const recs = decode(w.bytes());
      const nh = notices(recs, 'no_header');
      expect(nh).toHaveLength(1);
      expect(nh[0].message).toMatch(/came before any usable stream header and were discarded \(the last header was refused: /);
      expect(nh[0].message).toMatch(reason);
    });
  }
});

describe('time past 2^64', () => {
  it('an event whose timestamp passes 2^64 ticks is time_unproven', () => {
    const w = new StreamWriter().header({ ...hdr, boot: true });
    const begin = 2n ** 64n - 10n;
    // dt is a u64 varint, so ts_begin + dt can pass 2^64 on the wire
    w.beginPacket(0, 0, begin, 0, 0, 0).event('mark', 1, begin + 5n).event('mark', 2, begin + 20n).endPacket(begin + 30n);
    const recs = decode(w.bytes());
    const tu = notices(recs, 'time_unproven');
    expect(tu).toHaveLength(1);
    expect(tu[0].message).toMatch(/passes 2\^64 ticks/);
    expect(recs.filter((r) => r.type === 'event')).toHaveLength(2);
  });

  it('a packet that ends just below 2^64 is not flagged', () => {
    const w = new StreamWriter().header({ ...hdr, boot: true });
    const begin = 2n ** 64n - 100n;
    w.beginPacket(0, 0, begin, 0, 0, 0).event('mark', 1, begin + 5n).endPacket(2n ** 64n - 1n);
    expect(notices(decode(w.bytes()), 'time_unproven')).toEqual([]);
  });
});

describe('host/src/core is pure', () => {
  it('no file in host/src/core imports node: modules or ../io/', () => {
    const root = dirname(fileURLToPath(import.meta.url));
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) files.push(join(dir, e.name));
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(10);
    const bad: string[] = [];
    const IMPORT = /\b(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]/g;
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3];
        const builtin = spec.startsWith('node:') || /^(fs|path|os|child_process|net|tty|stream|url|worker_threads|process)(\/|$)/.test(spec);
        if (builtin || /(^|\/)io\//.test(spec)) bad.push(`${f.slice(root.length + 1)}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('assumeHeader (issue 10 §6)', () => {
  const assumed = { version: 2, boot: false, cores: 1, mode: 'discard' as const, timerBits: 32, timerHz: 1_000_000, packetSize: 0, packets: 0, ts: 0n, session: 0, buildId: 'ab', origin: [{ seq: 0, events: 0, dropped: 0, overwritten: 0, rejected: 0 }] };
  const stream = (n: number) => {
    const w = new StreamWriter();
    for (let i = 0; i < n; i++) w.beginPacket(0, i, 100 * i, i, 0, 0).event('mark', i, 100 * i + 1).endPacket(100 * i + 2);
    return w;
  };
  const run = (w: StreamWriter, holdLimit?: number) => {
    const out: TraceRecord[] = [];
    const d = new TraceDecoder((r) => out.push(r), { assumeHeader: assumed, holdLimit });
    d.push(w.bytes());
    d.end();
    return { out, stats: d.stats() };
  };

  it('frames with no header at the end are decoded with the assumed one, marked', () => {
    const { out, stats } = run(stream(3));
    expect(out.filter((r) => r.type === 'event')).toHaveLength(3);
    expect(notices(out, 'header_assumed')).toHaveLength(1);
    expect(notices(out, 'no_header')).toEqual([]);
    expect(stats[0]).toMatchObject({ decoded: 3, identity: true, closed: false });
  });

  it('beyond the hold limit the assumed header is used at once, and a real header later replaces it', () => {
    const w = stream(5).header({ ...hdr, timerBits: 32, session: 9 });
    w.beginPacket(0, 5, 500, 5, 0, 0).event('mark', 5, 501).endPacket(502);
    const { out } = run(w, 2);
    expect(out.filter((r) => r.type === 'event')).toHaveLength(6);
    expect(out.filter((r) => r.type === 'header').map((r) => r.type === 'header' && r.header.session)).toEqual([0, 9]);
    expect(notices(out, 'session_reset')).toEqual([]);
  });

  it('held frames of a version-1 target are read as version 1, the version they parse as, not the assumed one', () => {
    // an old target whose header was lost: its packets have no rejected field
    const w = new StreamWriter();
    for (let i = 0; i < 4; i++) {
      const events = [{ kind: 'event' as const, id: 3, t: 100 * i + 1, args: [i, 200 + i] }, { kind: 'mark' as const, id: 1, t: 100 * i + 5 }];
      w.message(packetMessage({ version: 1, core: 0, seq: i, tsBegin: 100 * i, tsEnd: 100 * i + 9, eventsBefore: 2 * i, dropped: i, overwritten: 0, events }));
    }
    const { out, stats } = run(w);
    expect(out.filter((r) => r.type === 'notice' && r.level !== 'info').map((r) => r.type === 'notice' && r.code)).toEqual(['header_assumed', 'time_unproven']);
    expect(out.filter((r) => r.type === 'header').map((r) => r.type === 'header' && [r.header.version, r.assumed])).toEqual([[1, true]]);
    const ev = out.filter((r) => r.type === 'event');
    expect(ev.map((r) => r.type === 'event' && [r.seq, r.kind, r.args.map(Number)])).toEqual(
      [0, 1, 2, 3].flatMap((i) => [[i, 'event', [i, 200 + i]], [i, 'mark', []]]),
    );
    expect(stats[0]).toMatchObject({ decoded: 8, dropped: 3, rejected: 0, wireVersion: 1 });
  });

  it('a header of an unknown version is not overridden by an assumption', () => {
    const w = new StreamWriter().message(headerMessage({ ...hdr, version: 3 }));
    w.beginPacket(0, 0, 100, 0, 0, 0).event('mark', 1, 110).endPacket(120);
    const { out } = run(w);
    expect(out.filter((r) => r.type === 'event')).toEqual([]);
    expect(notices(out, 'no_header')).toHaveLength(1);
  });
});
