// Decodes a live capture as it arrives: rates and losses for the status line, FINAL statuses for
// an orderly stop, and the accounting for the summary. It sees exactly the bytes written to the
// capture file (and the same link breaks), so its numbers equal an offline decode of that file.
import { TraceDecoder } from '../core/decoder.js';
import type { MetadataApplier } from '../core/metadata.js';
import { LOSS_CAUSES, type CoreStats, type LossCause, type NoticeCode, type StreamHeader, type TraceRecord } from '../core/types.js';
import type { LiveObserver } from '../io/live.js';
import { recordLine, type RecordFilter } from './record-filter.js';

/** `--follow`: decoded records as `decode` prints them, handed over after each chunk. */
export interface FollowSink {
  names?: MetadataApplier;
  wanted: RecordFilter;
  site?: boolean;
  /** one or more whole lines, each ending in a newline */
  write(text: string): void;
  /** naming failed (a build-id mismatch): following stops, the capture goes on */
  failed(err: Error): void;
}

/** The live view (`top`, `run --tui`): every named record, on the same path as --follow's text. */
export interface RecordWatcher {
  names?: MetadataApplier;
  record(rec: TraceRecord): void;
  /** bytes received, as they arrive */
  bytes(n: number): void;
  /** the decoder's accounting so far, for the losses the view shows */
  attach(accounting: () => CoreStats[]): void;
  failed(err: Error): void;
}

export interface StatusFacts {
  elapsedS: number;
  /** events per second of each core seen so far, in core order */
  rates: { core: number; perS: number }[];
  bytesPerS: number;
  /** the decoder's accounting (one entry per session and core) */
  stats: CoreStats[];
  badFrames: number;
  /** draw the line red when anything was lost (a TTY without NO_COLOR) */
  color: boolean;
}

/**
 * The live status line: rates per core, then the losses per core and cause (only the
 * non-zero ones), red from the first loss on when colour is allowed.
 */
export function formatStatusLine(f: StatusFacts): string {
  const perCore = f.rates.map((r) => `core${r.core} ${rate(r.perS)} ev/s`);
  const byCore = new Map<number, Record<LossCause, number>>();
  for (const s of f.stats) {
    const c = byCore.get(s.core) ?? { dropped: 0, overwritten: 0, link_lost: 0, rejected: 0 };
    for (const cause of LOSS_CAUSES) c[cause] += s[cause];
    byCore.set(s.core, c);
  }
  const losses = [...byCore.entries()]
    .sort((a, b) => a[0] - b[0])
    .flatMap(([core, c]) => {
      const parts = LOSS_CAUSES.filter((cause) => c[cause] > 0).map((cause) => `${cause} ${c[cause]}`);
      return parts.length > 0 ? [`core${core} ${parts.join(' ')}`] : [];
    });
  const line =
    `${f.elapsedS.toFixed(1)}s  ${perCore.join('  ') || 'waiting for data'}  ${rate(f.bytesPerS)}B/s  ` +
    (losses.length > 0 ? `LOSSES ${losses.join(', ')}` : 'no losses') +
    (f.badFrames ? `  bad frames ${f.badFrames}` : '');
  return f.color && losses.length > 0 ? `\x1b[31m${line}\x1b[0m` : line;
}

/** Colour on a terminal unless NO_COLOR is set to anything but '' (no-color.org). */
export function statusColor(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.NO_COLOR ?? '') === '';
}

function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

export class LiveDecoder implements LiveObserver {
  private readonly decoder: TraceDecoder;
  private readonly events = new Map<number, number>();
  private readonly lastEvents = new Map<number, number>();
  /** the decoder's FINAL count when CMD_FLUSH went out */
  private finalsAtFlush = 0;
  private targetNoFlush = false;
  private cores = 0;
  private bytesIn = 0;
  private lastBytes = 0;
  private lastTime = 0;
  readonly notices = new Map<NoticeCode, number>();
  private followed = '';
  private followFailed = false;

  constructor(
    private readonly follow?: FollowSink | RecordWatcher,
    private readonly color = statusColor(),
  ) {
    this.decoder = new TraceDecoder((rec) => this.record(rec));
    if (follow && 'attach' in follow) follow.attach(() => this.decoder.stats());
  }

  private record(rec: TraceRecord): void {
    if (this.follow && !this.followFailed && rec.type !== 'notice') {
      try {
        const named = this.follow.names ? this.follow.names.apply(rec) : rec;
        if ('record' in this.follow) this.follow.record(named);
        else if (this.follow.wanted(named)) this.followed += `${recordLine(named, this.follow)}\n`;
      } catch (err) {
        // the decoder's own accounting must not depend on the names
        this.followFailed = true;
        this.follow.failed(err as Error);
      }
    }
    switch (rec.type) {
      case 'event':
        this.events.set(rec.core, (this.events.get(rec.core) ?? 0) + 1);
        break;
      case 'header':
        this.cores = rec.header.cores;
        this.targetNoFlush = rec.header.noFlush === true;
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
    if (this.follow && 'bytes' in this.follow) this.follow.bytes(chunk.length);
    try {
      this.decoder.push(chunk, hostNs);
    } finally {
      this.handOver();
    }
  }

  linkBroken(): void {
    this.decoder.push(Uint8Array.of(0));
    this.handOver();
  }

  /** One write per chunk: the records it completed. */
  private handOver(): void {
    if (this.followed === '') return;
    const text = this.followed;
    this.followed = '';
    (this.follow as FollowSink).write(text);
  }

  // FINALs are asked of the decoder, not counted from the records: on a multi-core target the
  // merge holds the last core's FINAL until finish() (no other core sends anything after its
  // own FINAL to prove the order), so a host counting records would wait out its deadline and
  // then warn about books the summary calls closed.
  flushSent(): void {
    this.finalsAtFlush = this.decoder.finalsClosed;
  }

  flushComplete(): boolean {
    // Nothing was ever received: there is nothing to wait for.
    if (this.cores === 0) return this.bytesIn === 0;
    return this.decoder.finalsClosed - this.finalsAtFlush >= this.cores && this.decoder.booksClosed();
  }

  /** The target's HEADER says NO_FLUSH (SPEC §8.1): CMD_FLUSH and CMD_DUMP do nothing there. */
  noFlush(): boolean {
    return this.targetNoFlush;
  }

  allFinal(): boolean {
    return this.decoder.booksClosed();
  }

  statusLine(elapsedS: number): string {
    const dt = elapsedS - this.lastTime || 1;
    const rates = [...this.events.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([core, n]) => {
        const perS = (n - (this.lastEvents.get(core) ?? 0)) / dt;
        this.lastEvents.set(core, n);
        return { core, perS };
      });
    const bytesPerS = (this.bytesIn - this.lastBytes) / dt;
    this.lastBytes = this.bytesIn;
    this.lastTime = elapsedS;
    const badFrames = [...this.notices.values()].reduce((a, b) => a + b, 0);
    return formatStatusLine({ elapsedS, rates, bytesPerS, stats: this.decoder.stats(), badFrames, color: this.color });
  }

  /** Ends decoding (reports a pending partial frame) and returns the accounting. */
  finish(): { stats: CoreStats[]; header: StreamHeader | null } {
    try {
      this.decoder.end();
    } finally {
      this.handOver();
    }
    return { stats: this.decoder.stats(), header: this.decoder.header };
  }

  get receivedBytes(): number {
    return this.bytesIn;
  }
}
