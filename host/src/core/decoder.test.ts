// Decoder behaviours that the vectors do not pin down: options, bounds and the text form.

import { describe, expect, it } from 'vitest';
import { TraceDecoder } from './decoder.js';
import { StreamWriter } from './encode.js';
import { recordToJson } from './jsonl.js';
import { formatNs, recordToText } from './text.js';
import type { TraceRecord } from './types.js';

const hdr = { cores: 2, mode: 'discard' as const, timerBits: 32, timerHz: 1_000_000, packetSize: 64, packets: 4, ts: 0, session: 1 };

function decodeAll(bytes: Uint8Array, opts = {}): { recs: TraceRecord[]; d: TraceDecoder } {
  const recs: TraceRecord[] = [];
  const d = new TraceDecoder((r) => recs.push(r), opts);
  d.push(bytes);
  d.end();
  return { recs, d };
}

function twoCoreStream(): Uint8Array {
  const w = new StreamWriter().header({ ...hdr, boot: true });
  w.beginPacket(1, 0, 100, 0, 0, 0).event('mark', 1, 150).event('mark', 2, 300).endPacket(310);
  w.beginPacket(0, 0, 100, 0, 0, 0).event('mark', 3, 120).event('mark', 4, 200).endPacket(250);
  return w.bytes();
}

describe('TraceDecoder', () => {
  it('merges cores by time by default and keeps stream order with merge: false', () => {
    const ids = (recs: TraceRecord[]) => recs.flatMap((r) => (r.type === 'event' ? [r.id] : []));
    expect(ids(decodeAll(twoCoreStream()).recs)).toEqual([3, 1, 4, 2]);
    expect(ids(decodeAll(twoCoreStream(), { merge: false }).recs)).toEqual([1, 2, 3, 4]);
  });

  it('exposes the latest header and the bytes consumed', () => {
    const b = twoCoreStream();
    const { d } = decodeAll(b);
    expect(d.bytesIn).toBe(b.length);
    expect(d.header).toMatchObject({ cores: 2, timerHz: 1_000_000, boot: true, session: 1 });
    expect(new TraceDecoder(() => {}).header).toBeNull();
  });

  it('discards frames beyond the hold limit before any header, counting them once', () => {
    const w = new StreamWriter();
    for (let i = 0; i < 5; i++) w.beginPacket(0, i, 100 * i, 2 * i, 0, 0).event('mark', i, 100 * i + 1).event('mark', i, 100 * i + 2).endPacket(100 * i + 3);
    w.header({ ...hdr, cores: 1 });
    const { recs, d } = decodeAll(w.bytes(), { holdLimit: 3 });
    const noHeader = recs.filter((r) => r.type === 'notice' && r.code === 'no_header');
    expect(noHeader).toHaveLength(1);
    expect(noHeader[0].type === 'notice' && noHeader[0].message).toContain('2 frame(s) with 4 event(s)');
    expect(recs.filter((r) => r.type === 'event').map((r) => r.type === 'event' && r.id)).toEqual([2, 2, 3, 3, 4, 4]);
    expect(d.stats()[0]).toMatchObject({ decoded: 6, link_lost: 0 });
  });

  it('holds at most mergeLimit records for a silent core', () => {
    const w = new StreamWriter().header({ ...hdr, boot: true });
    for (let i = 0; i < 50; i++) w.beginPacket(0, i, 10 * i, 4 * i, 0, 0).event(0, 1, 10 * i).event(0, 1, 10 * i + 1).event(0, 1, 10 * i + 2).event(0, 1, 10 * i + 3).endPacket(10 * i + 5);
    const recs: TraceRecord[] = [];
    const d = new TraceDecoder((r) => recs.push(r), { mergeLimit: 20 });
    d.push(w.bytes());
    expect(d.buffered().mergeItems).toBeLessThanOrEqual(20);
    expect(recs.filter((r) => r.type === 'event')).toHaveLength(200 - d.buffered().mergeItems);
    d.end();
    expect(recs.filter((r) => r.type === 'event')).toHaveLength(200);
  });

  it('refuses push after end', () => {
    const d = new TraceDecoder(() => {});
    d.end();
    expect(() => d.push(new Uint8Array(1))).toThrow(/after end/);
  });
});

describe('text and JSON forms', () => {
  it('formats ns exactly', () => {
    expect(formatNs(0n)).toBe('0.000000000');
    expect(formatNs(1_234_567_890_123n)).toBe('1234.567890123');
    expect(formatNs(2n ** 70n)).toBe('1180591620717.411303424');
  });

  it('prints one line per record', () => {
    const { recs } = decodeAll(twoCoreStream());
    const lines = recs.map(recordToText);
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    expect(lines[1]).toBe('0.000120000 core 0 mark       id=3');
    const ev = recs[1];
    expect(recordToJson(ev)).toEqual({ type: 'event', core: 0, t_ns: '120000', kind: 'mark', id: 3, args: [] });
  });
});

describe('record order (issue 14 §4)', () => {
  /** The time a record is about: events and statuses at their time, a loss at its window's start, a header at its ts. */
  const timeOf = (r: TraceRecord, hz: number): bigint | null =>
    r.type === 'event' || r.type === 'status' ? r.tNs : r.type === 'loss' ? r.fromNs : r.type === 'header' ? (r.header.ts * 1_000_000_000n) / BigInt(hz) : null;

  it('records of every type come out in time order, statuses and headers included', () => {
    const w = new StreamWriter().header({ ...hdr, boot: true, ts: 50 });
    w.beginPacket(0, 0, 100, 0, 0, 0).event('mark', 1, 150).endPacket(200);
    w.beginPacket(1, 0, 100, 0, 0, 0).event('mark', 2, 120).endPacket(130);
    // core 1 reports at t = 3400 while core 0 still has older data (and a loss) to come
    w.status({ core: 1, final: false, ts: 3400, nextSeq: 1, committed: 1, dropped: 0, overwritten: 0 });
    w.header({ ...hdr, ts: 3450 });
    w.beginPacket(0, 2, 1000, 3, 0, 0).event('mark', 3, 1010).endPacket(1100); // seq 1 (2 events) lost: a loss at 200
    w.beginPacket(1, 1, 3000, 1, 0, 0).event('mark', 4, 3500).endPacket(3600);
    w.beginPacket(0, 3, 3700, 4, 0, 0).event('mark', 5, 3800).endPacket(3900);
    w.status({ core: 0, final: true, ts: 4000, nextSeq: 4, committed: 5, dropped: 0, overwritten: 0 });
    w.status({ core: 1, final: true, ts: 4000, nextSeq: 2, committed: 2, dropped: 0, overwritten: 0 });
    const { recs } = decodeAll(w.bytes());
    const timed = recs.map((r) => ({ r, t: timeOf(r, hdr.timerHz) })).filter((x) => x.t !== null);
    const types = timed.map((x) => `${x.r.type}@${x.t}`);
    expect(types).toEqual([
      'header@50000',
      'event@120000',
      'event@150000',
      'loss@200000',
      'event@1010000',
      'status@3400000',
      'header@3450000',
      'event@3500000',
      'event@3800000',
      'status@4000000',
      'status@4000000',
    ]);
  });
});
