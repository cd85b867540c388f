// Synthetic traces for the export tests, built with the decode core's own encoder
// (host/src/core/encode.ts) and decoded by the real decoder, so the exports are tested
// on exactly what `tracepipe decode` produces.
import { TraceDecoder } from '../../host/src/core/decoder.js';
import { StreamWriter } from '../../host/src/core/encode.js';
import type { CoreStats, TraceRecord } from '../../host/src/core/types.js';

export interface SynthOptions {
  cores?: number;
  packetsPerCore?: number;
  eventsPerPacket?: number;
  timerHz?: number;
  /** packets (per core, by index) that are evicted unsent: overwritten */
  evicted?: number[];
  /** packets (per core, by index) sent but removed from the stream: link_lost */
  linkLost?: number[];
  /** packets (per core, by index) sent with a corrupted byte: link_lost via CRC failure */
  corrupted?: number[];
  /** events dropped just before packet index i: [index, count] */
  drops?: [number, number][];
  /** events the recorder refused just before packet index i: [index, count] */
  rejects?: [number, number][];
  /** a blob carried by a log event in the first packet of core 0 */
  blob?: Uint8Array;
  seed?: number;
  buildId?: string;
}

/** A deterministic trace with every event kind, optional losses of each cause, and final statuses. */
export function synthTrace(o: SynthOptions = {}): Uint8Array {
  const cores = o.cores ?? 2;
  const packets = o.packetsPerCore ?? 6;
  const perPacket = o.eventsPerPacket ?? 12;
  const hz = o.timerHz ?? 25_000_000;
  let rnd = o.seed ?? 12345;
  const rand = (n: number) => {
    rnd = (Math.imul(rnd, 1103515245) + 12345) & 0x7fffffff;
    return (rnd >>> 12) % n;
  };
  const w = new StreamWriter();
  w.raw(Uint8Array.of(0));
  w.header({
    boot: true,
    cores,
    mode: 'overwrite',
    timerBits: 32,
    timerHz: hz,
    packetSize: 256,
    packets: 8,
    ts: 0,
    session: 0x1234,
    buildId: o.buildId ?? 'deadbeef01',
  });
  const drops = new Map(o.drops ?? []);
  const rejects = new Map(o.rejects ?? []);
  const state = Array.from({ length: cores }, () => ({ committed: 0, dropped: 0, overwritten: 0, rejected: 0, pendingEvicted: 0 }));
  // Interleave cores packet by packet; core c's packet p spans [base, base + 400) ticks.
  for (let p = 0; p < packets; p++) {
    for (let c = 0; c < cores; c++) {
      const s = state[c];
      s.dropped += drops.get(p) ?? 0;
      s.rejected += rejects.get(p) ?? 0;
      const begin = 1000 + p * 1000 + (c === 0 ? 0 : 0);
      const evicted = o.evicted?.includes(p) ?? false;
      const eventsBefore = s.committed;
      // overwritten is sampled at claim: evictions of older packets are counted by now
      const pk = new StreamWriter();
      pk.beginPacket(c, p, begin, eventsBefore, s.dropped, s.overwritten + (evicted ? 0 : s.pendingEvicted), s.rejected);
      let t = begin;
      let n = 0;
      const open: number[] = [];
      const spans: number[] = [];
      while (n < perPacket) {
        // same tick on every core for the first event: tests the tie order of the merge
        t += n === 0 ? 5 : 1 + rand(20);
        const r = rand(10);
        if (c === 0 && p === 0 && n === 0 && o.blob) pk.event('log', 42, t, undefined, o.blob);
        else if (r === 0 && open.length < 2) {
          open.push(16 + c);
          pk.event('isr_enter', 16 + c, t);
        } else if (r === 1 && open.length > 0) pk.event('isr_exit', open.pop()!, t);
        else if (r === 2) pk.event('counter', 2 + c, t, [rand(1000)]);
        else if (r === 3) pk.event('mark', 1, t);
        else if (r === 4 && spans.length < 2) {
          spans.push(7 + spans.length);
          pk.event('span_begin', spans[spans.length - 1], t);
        } else if (r === 5 && spans.length > 0) pk.event('span_end', spans.pop()!, t);
        else if (r === 6) pk.event('event', 3, t, [rand(300), 0xdeadbeef]);
        else if (r === 7) pk.event('event', 4, t, [0xffff_ffff_ffff_fff0n]);
        else if (r === 8) pk.event('log', 5, t, [1, 2, 3]);
        else pk.event('event', 9, t, []);
        n++;
      }
      while (open.length > 0) {
        t += 3;
        pk.event('isr_exit', open.pop()!, t);
        n++;
      }
      while (spans.length > 0) {
        t += 3;
        pk.event('span_end', spans.pop()!, t);
        n++;
      }
      pk.endPacket(t + 7);
      s.committed += n;
      if (evicted) {
        s.pendingEvicted += n;
        continue;
      }
      s.overwritten += s.pendingEvicted;
      s.pendingEvicted = 0;
      let bytes = pk.bytes();
      if (o.linkLost?.includes(p)) continue;
      if (o.corrupted?.includes(p)) {
        bytes = bytes.slice();
        bytes[Math.floor(bytes.length / 2)] ^= 0x40;
        if (bytes[Math.floor(bytes.length / 2)] === 0) bytes[Math.floor(bytes.length / 2)] = 0x41;
      }
      w.raw(bytes);
    }
  }
  for (let c = 0; c < cores; c++) {
    const s = state[c];
    w.status({
      core: c,
      final: true,
      ts: 1000 + packets * 1000 + 500,
      nextSeq: packets,
      committed: s.committed,
      dropped: s.dropped,
      overwritten: s.overwritten + s.pendingEvicted,
      rejected: s.rejected,
    });
  }
  return w.bytes();
}

export interface Decoded {
  records: TraceRecord[];
  stats: CoreStats[];
}

export function decodeBytes(bytes: Uint8Array): Decoded {
  const records: TraceRecord[] = [];
  const d = new TraceDecoder((r) => records.push(r));
  d.push(bytes);
  d.end();
  return { records, stats: d.stats() };
}
