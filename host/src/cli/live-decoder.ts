// Decodes a live capture as it arrives: rates and losses for the status line, FINAL statuses for
// an orderly stop, and the accounting for the summary. It sees exactly the bytes written to the
// capture file (and the same link breaks), so its numbers equal an offline decode of that file.
import { TraceDecoder } from '../core/decoder.js';
import type { CoreStats, NoticeCode, StreamHeader, TraceRecord } from '../core/types.js';
import type { LiveObserver } from '../io/live.js';
import { totals } from './stats-format.js';

function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

export class LiveDecoder implements LiveObserver {
  private readonly decoder: TraceDecoder;
  private readonly events = new Map<number, number>();
  private readonly lastEvents = new Map<number, number>();
  private readonly finals = new Set<number>();
  private flushPending = false;
  private readonly unsolicitedFinals = new Set<number>();
  private cores = 0;
  private bytesIn = 0;
  private lastBytes = 0;
  private lastTime = 0;
  readonly notices = new Map<NoticeCode, number>();

  constructor() {
    this.decoder = new TraceDecoder((rec) => this.record(rec));
  }

  private record(rec: TraceRecord): void {
    switch (rec.type) {
      case 'event':
        this.events.set(rec.core, (this.events.get(rec.core) ?? 0) + 1);
        break;
      case 'header':
        this.cores = rec.header.cores;
        // a header starts the stream (again, after a reset): FINALs before it are the old target's
        this.unsolicitedFinals.clear();
        break;
      case 'status':
        if (rec.final) {
          if (this.flushPending) this.finals.add(rec.core);
          this.unsolicitedFinals.add(rec.core);
        }
        break;
      case 'notice':
        if (rec.level !== 'info') this.notices.set(rec.code, (this.notices.get(rec.code) ?? 0) + 1);
        break;
      default:
        break;
    }
  }

  bytes(chunk: Uint8Array, hostNs: bigint): void {
    this.bytesIn += chunk.length;
    this.decoder.push(chunk, hostNs);
  }

  linkBroken(): void {
    this.decoder.push(Uint8Array.of(0));
  }

  flushSent(): void {
    this.flushPending = true;
    this.finals.clear();
  }

  flushComplete(): boolean {
    // Nothing was ever received: there is nothing to wait for.
    if (this.cores === 0) return this.bytesIn === 0;
    return this.finals.size >= this.cores;
  }

  allFinal(): boolean {
    return this.cores > 0 && this.unsolicitedFinals.size >= this.cores;
  }

  statusLine(elapsedS: number): string {
    const dt = elapsedS - this.lastTime || 1;
    const perCore = [...this.events.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([core, n]) => {
        const r = (n - (this.lastEvents.get(core) ?? 0)) / dt;
        this.lastEvents.set(core, n);
        return `core${core} ${rate(r)} ev/s`;
      });
    const bps = (this.bytesIn - this.lastBytes) / dt;
    this.lastBytes = this.bytesIn;
    this.lastTime = elapsedS;
    const t = totals(this.decoder.stats());
    const bad = [...this.notices.values()].reduce((a, b) => a + b, 0);
    return (
      `${elapsedS.toFixed(1)}s  ${perCore.join('  ') || 'waiting for data'}  ${rate(bps)}B/s  ` +
      `dropped ${t.dropped}  overwritten ${t.overwritten}  link_lost ${t.link_lost}` +
      (bad ? `  bad frames ${bad}` : '')
    );
  }

  /** Ends decoding (reports a pending partial frame) and returns the accounting. */
  finish(): { stats: CoreStats[]; header: StreamHeader | null } {
    this.decoder.end();
    return { stats: this.decoder.stats(), header: this.decoder.header };
  }

  get receivedBytes(): number {
    return this.bytesIn;
  }
}
