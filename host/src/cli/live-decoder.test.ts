// When a live host may stop waiting for the flush: as soon as every core's FINAL status has
// closed its books, even though the merge still holds the last FINAL (on two cores nothing
// after it proves its order, so it goes out only at finish()). An an521 demo once waited out
// its whole flush deadline that way and then warned about books its own summary called closed.
import { describe, expect, it } from 'vitest';
import { StreamWriter } from '../core/encode.js';
import type { TraceRecord } from '../core/types.js';
import { LiveDecoder } from './live-decoder.js';

const header = (w: StreamWriter, cores: number): StreamWriter =>
  w.header({ cores, mode: 'discard', timerBits: 32, timerHz: 1_000_000, packetSize: 512, packets: 8, ts: 0, session: 0, boot: true });

/** One packet of two events per core, then (from `finalsAt`) a FINAL status per core. */
function twoCores(): { data: Uint8Array; finals: Uint8Array[] } {
  const w = header(new StreamWriter(), 2);
  for (const core of [0, 1]) {
    w.beginPacket(core, 0, 100 + core, 0, 0, 0);
    w.event('event', 0x10, 100 + core, [1]);
    w.event('event', 0x10, 200 + core, [2]);
    w.endPacket(200 + core);
  }
  const finals = [0, 1].map((core) => new StreamWriter().status({ core, final: true, ts: 300 + core, nextSeq: 1, committed: 2, dropped: 0, overwritten: 0 }).bytes());
  return { data: w.bytes(), finals };
}

describe('LiveDecoder: the flush is complete when the books are, not when the merge lets go', () => {
  it('two cores: complete after the second FINAL, before finish()', () => {
    const { data, finals } = twoCores();
    const finalsOut: number[] = [];
    const watcher = { record: (r: TraceRecord) => r.type === 'status' && r.final && finalsOut.push(r.core), bytes: () => {}, attach: () => {}, failed: () => {} };
    const live = new LiveDecoder(watcher, false);
    live.bytes(data, 0n);
    live.flushSent();
    expect(live.flushComplete()).toBe(false);
    live.bytes(finals[0], 0n);
    expect(live.flushComplete()).toBe(false);
    expect(live.allFinal()).toBe(false);
    live.bytes(finals[1], 0n);
    expect(live.flushComplete()).toBe(true);
    expect(live.allFinal()).toBe(true);
    // the reason the records could not tell: core 1's FINAL is still in the merge
    expect(finalsOut).not.toContain(1);
    const { stats } = live.finish();
    expect(finalsOut).toContain(1);
    expect(stats.every((c) => c.closed && c.identity)).toBe(true);
  });

  it('FINALs that came before CMD_FLUSH do not complete it; a new session reopens the books', () => {
    const { data, finals } = twoCores();
    const live = new LiveDecoder(undefined, false);
    live.bytes(data, 0n);
    for (const f of finals) live.bytes(f, 0n);
    expect(live.allFinal()).toBe(true);
    live.flushSent();
    expect(live.flushComplete()).toBe(false);
    // the target reset: its new session's books are open until its own FINALs
    live.bytes(header(new StreamWriter(), 2).bytes(), 0n);
    expect(live.allFinal()).toBe(false);
  });

  it('a FINAL that contradicts the packets ends the wait; the identity says what is wrong', () => {
    const { data } = twoCores();
    const live = new LiveDecoder(undefined, false);
    live.bytes(data, 0n);
    live.flushSent();
    // core 0's FINAL counts 5 committed events where its packet holds 2: final_disagrees. The
    // target did answer the flush, and waiting longer brings nothing more.
    live.bytes(new StreamWriter().status({ core: 0, final: true, ts: 300, nextSeq: 1, committed: 5, dropped: 0, overwritten: 0 }).bytes(), 0n);
    expect(live.flushComplete()).toBe(false);
    live.bytes(new StreamWriter().status({ core: 1, final: true, ts: 301, nextSeq: 1, committed: 2, dropped: 0, overwritten: 0 }).bytes(), 0n);
    expect(live.flushComplete()).toBe(true);
    const [c0, c1] = live.finish().stats;
    expect(c0).toMatchObject({ identity: false, contradictions: [{ kind: 'final_disagrees' }] });
    expect(c1).toMatchObject({ identity: true, closed: true });
  });
});
