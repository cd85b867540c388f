// The live view's numbers (TopModel): counts per core and per name, rates over the window,
// the busiest rows first with the rest summed, the latest logs, losses per core and cause.
import { describe, expect, it } from 'vitest';
import type { CoreStats, TraceEvent } from '../../core/types.js';
import { TopModel } from './top-model.js';

const ev = (core: number, kind: TraceEvent['kind'], id: number, name?: string, text?: string): TraceEvent => ({
  type: 'event', session: 0, core, seq: 0, ticks: 0n, tNs: 1000n, kind, id, args: [], ...(name ? { name } : {}), ...(text ? { text } : {}),
});

const stats = (session: number, core: number, dropped: number, overwritten: number, link_lost: number): CoreStats => ({
  session, core, generated: 0, decoded: 0, dropped, overwritten, link_lost, rejected: 0, wireVersion: 2, firstNs: 0n, lastNs: 0n, identity: true, closed: false, provenSeq: 0, provenNs: 0n, tailUnaccounted: 0, contradictions: [],
});

describe('TopModel', () => {
  it('counts per core and per kind and name (id without a name), rates over the window', () => {
    const m = new TopModel({ windowS: 2 });
    for (let i = 0; i < 10; i++) m.record(ev(0, 'event', 1, 'tick'));
    m.record(ev(1, 'event', 7));
    m.bytes(400);
    const f1 = m.frame(1);
    expect(f1.cores.map((c) => [c.core, c.events, c.perS])).toEqual([[0, 10, 10], [1, 1, 1]]);
    expect(f1.events[0]).toEqual({ kind: 'event', name: 'tick', events: 10, perS: 10, cores: [0] });
    expect(f1.events[1].name).toBe('id=7');
    expect(f1.bytesPerS).toBe(400);
    // past the window, the rate is taken against the newest sample at least 2 s old (t=2)
    m.frame(2);
    for (let i = 0; i < 6; i++) m.record(ev(0, 'event', 1, 'tick'));
    const f4 = m.frame(4);
    expect(f4.cores[0]).toMatchObject({ events: 16, perS: 3 });
    expect(f4.events.find((e) => e.name === 'tick')!.perS).toBe(3);
    // nothing new in the last window: the rate falls to 0, the count stays
    expect(m.frame(6).cores[0]).toMatchObject({ events: 16, perS: 0 });
  });

  it('a stopped clock (the capture ended) keeps the last rates and one sample', () => {
    const m = new TopModel({ windowS: 2 });
    m.frame(1);
    for (let i = 0; i < 8; i++) m.record(ev(0, 'event', 1, 'tick'));
    const first = m.frame(3);
    for (let i = 0; i < 100; i++) expect(m.frame(3)).toEqual(first);
    expect(first.cores[0].perS).toBe(4);
    expect((m as unknown as { samples: unknown[] }).samples.length).toBeLessThanOrEqual(3);
  });

  it('the busiest rows first; what does not fit is summed in the rest', () => {
    const m = new TopModel({ topN: 2 });
    const counts = { a: 5, b: 3, c: 2, d: 1 };
    for (const [name, n] of Object.entries(counts)) for (let i = 0; i < n; i++) m.record(ev(0, 'event', 1, name));
    const f = m.frame(1);
    expect(f.events.map((e) => e.name)).toEqual(['a', 'b']);
    expect(f.rest).toEqual({ names: 2, events: 3, perS: 3 });
    expect(f.events.reduce((s, e) => s + e.events, 0) + f.rest.events).toBe(f.cores[0].events);
  });

  it('one kind and name is one row, with every core it came from; isr enter and exit are two', () => {
    const m = new TopModel();
    m.record(ev(1, 'isr_enter', 3, 'uart'));
    m.record(ev(0, 'isr_enter', 3, 'uart'));
    m.record(ev(0, 'isr_exit', 3, 'uart'));
    const f = m.frame(1);
    expect(f.events.map((e) => [e.kind, e.cores])).toEqual([['isr_enter', [0, 1]], ['isr_exit', [0]]]);
  });

  it('keeps the latest logs, oldest first, as decode prints them', () => {
    const m = new TopModel({ logLines: 2 });
    for (const t of ['one', 'two', 'three']) m.record(ev(0, 'log', 2, 'fmt %s', t));
    m.record(ev(0, 'event', 1, 'tick'));
    const logs = m.frame(1).logs;
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/core 0 log\s+fmt %s|two/);
    expect(logs[0]).toContain('two');
    expect(logs[1]).toContain('three');
  });

  it("losses per core and cause from the decoder's accounting, sessions summed; a core with losses only still has a row", () => {
    const m = new TopModel();
    m.attach(() => [stats(0, 0, 4, 0, 1), stats(1, 0, 2, 0, 0), stats(0, 1, 0, 9, 0)]);
    m.record(ev(0, 'event', 1, 'tick'));
    const f = m.frame(1);
    expect(f.cores.map((c) => [c.core, c.dropped, c.overwritten, c.link_lost])).toEqual([[0, 6, 0, 1], [1, 0, 9, 0]]);
    expect(f.cores[1].events).toBe(0);
  });

  it('says when naming failed', () => {
    const m = new TopModel();
    m.failed(new Error('build-id mismatch'));
    expect(m.frame(0).warning).toMatch(/^build-id mismatch; the view stops counting/);
  });
});
