// What the live view (`tracepipe top`, `run --tui`) shows, computed from the records of the live
// decoder (cli/live-decoder.ts, the path --follow takes) and its accounting. No terminal code:
// the ink view (view.ts) only draws the frames this returns, so the numbers are tested here.
import type { MetadataApplier } from '../../core/metadata.js';
import { LOSS_CAUSES, type CoreStats, type LossCause, type TraceRecord } from '../../core/types.js';
import type { RecordWatcher } from '../live-decoder.js';
import { recordLine } from '../record-filter.js';

export interface CoreRow {
  core: number;
  events: number;
  perS: number;
  dropped: number;
  overwritten: number;
  link_lost: number;
  rejected: number;
}

export interface EventRow {
  kind: string;
  /** the ELF's name, else `id=<n>` */
  name: string;
  events: number;
  perS: number;
  cores: number[];
}

export interface TopFrame {
  elapsedS: number;
  bytes: number;
  bytesPerS: number;
  cores: CoreRow[];
  /** the busiest events (by rate, then count), at most `topN` */
  events: EventRow[];
  /** the events that did not fit: how many names, and their sums */
  rest: { names: number; events: number; perS: number };
  /** the latest logs, oldest first, as `decode` prints them */
  logs: string[];
  /** a line worth saying (naming failed), else undefined */
  warning?: string;
}

interface Sample {
  t: number;
  bytes: number;
  cores: Map<number, number>;
  events: Map<string, number>;
}

interface Tally {
  kind: string;
  name: string;
  events: number;
  cores: Set<number>;
}

export interface TopModelOptions {
  names?: MetadataApplier;
  /** rows of the event table (default 12) */
  topN?: number;
  /** log lines kept (default 8) */
  logLines?: number;
  /** rates are taken over about this many seconds (default 2) */
  windowS?: number;
}

export class TopModel implements RecordWatcher {
  readonly names?: MetadataApplier;
  private readonly topN: number;
  private readonly logLines: number;
  private readonly windowS: number;
  private accounting: () => CoreStats[] = () => [];
  private bytesIn = 0;
  private readonly coreEvents = new Map<number, number>();
  private readonly tallies = new Map<string, Tally>();
  private readonly logs: string[] = [];
  private readonly samples: Sample[] = [];
  private warning: string | undefined;

  constructor(o: TopModelOptions = {}) {
    this.names = o.names;
    this.topN = o.topN ?? 12;
    this.logLines = o.logLines ?? 8;
    this.windowS = o.windowS ?? 2;
    this.samples.push({ t: 0, bytes: 0, cores: new Map(), events: new Map() });
  }

  attach(accounting: () => CoreStats[]): void {
    this.accounting = accounting;
  }

  bytes(n: number): void {
    this.bytesIn += n;
  }

  failed(err: Error): void {
    this.warning = `${err.message}; the view stops counting (the capture goes on)`;
  }

  record(rec: TraceRecord): void {
    if (rec.type !== 'event') return;
    this.coreEvents.set(rec.core, (this.coreEvents.get(rec.core) ?? 0) + 1);
    const name = rec.name ?? `id=${rec.id}`;
    const key = `${rec.kind}\0${name}`;
    let t = this.tallies.get(key);
    if (!t) {
      t = { kind: rec.kind, name, events: 0, cores: new Set() };
      this.tallies.set(key, t);
    }
    t.events++;
    t.cores.add(rec.core);
    if (rec.kind === 'log') {
      this.logs.push(recordLine(rec));
      if (this.logs.length > this.logLines) this.logs.shift();
    }
  }

  /** The view at `elapsedS` seconds; also records the sample later rates are taken against. */
  frame(elapsedS: number): TopFrame {
    const now: Sample = { t: elapsedS, bytes: this.bytesIn, cores: new Map(this.coreEvents), events: new Map() };
    for (const [key, t] of this.tallies) now.events.set(key, t.events);
    // the newest sample at least windowS old (the first one until then)
    let base = this.samples[0];
    for (const s of this.samples) if (elapsedS - s.t >= this.windowS) base = s;
    while (this.samples.length > 1 && this.samples[1] !== undefined && this.samples[1].t <= base.t) this.samples.shift();
    // a clock that stopped (the capture ended) draws the same instant again: one sample for it
    if (this.samples.length > 1 && this.samples[this.samples.length - 1].t === elapsedS) this.samples.pop();
    this.samples.push(now);
    const dt = elapsedS - base.t;
    const perS = (n: number, before: number | undefined) => (dt > 0 ? (n - (before ?? 0)) / dt : 0);

    const noLoss = () => Object.fromEntries(LOSS_CAUSES.map((c) => [c, 0])) as Record<LossCause, number>;
    const losses = new Map<number, Record<LossCause, number>>();
    for (const s of this.accounting()) {
      const l = losses.get(s.core) ?? noLoss();
      for (const c of LOSS_CAUSES) l[c] += s[c];
      losses.set(s.core, l);
    }
    const coreIds = [...new Set([...this.coreEvents.keys(), ...losses.keys()])].sort((a, b) => a - b);
    const cores = coreIds.map((core) => ({
      core,
      events: this.coreEvents.get(core) ?? 0,
      perS: perS(this.coreEvents.get(core) ?? 0, base.cores.get(core)),
      ...(losses.get(core) ?? noLoss()),
    }));

    const rows = [...this.tallies.entries()]
      .map(([key, t]) => ({ kind: t.kind, name: t.name, events: t.events, perS: perS(t.events, base.events.get(key)), cores: [...t.cores].sort((a, b) => a - b) }))
      .sort((a, b) => b.perS - a.perS || b.events - a.events || a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind));
    const shown = rows.slice(0, this.topN);
    const hidden = rows.slice(this.topN);
    return {
      elapsedS,
      bytes: this.bytesIn,
      bytesPerS: perS(this.bytesIn, base.bytes),
      cores,
      events: shown,
      rest: { names: hidden.length, events: hidden.reduce((a, r) => a + r.events, 0), perS: hidden.reduce((a, r) => a + r.perS, 0) },
      logs: [...this.logs],
      warning: this.warning,
    };
  }
}
