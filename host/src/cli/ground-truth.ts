// The firmware's own report, printed by test and demo apps over semihosting (a path independent
// of the trace link), apps/tpgt.h:
//   TPGT core=<c> generated=<n> committed=<n> dropped=<n> rejected=<n>                the app's own tally
//   TPCNT core=<c> committed=<n> dropped=<n> overwritten=<n> rejected=<n>             tp_get_counters()
//   TPGT done
// TPGT holds what the app knows by itself: its record calls and what the checked calls
// returned. TPCNT holds the recorder's counters, the ones also sent on the wire: the only
// source of `overwritten` (an eviction happens after the record call). Apps that record through
// calls without a checked form print TPGT with generated only; their results come from TPCNT.
import type { CoreStats } from '../core/types.js';

export interface RecorderCounters {
  committed: number;
  dropped: number;
  overwritten: number;
  rejected: number;
}

type Outcomes = Pick<RecorderCounters, 'committed' | 'dropped' | 'rejected'>;

export interface GroundTruth {
  core: number;
  generated: number;
  /** True when committed/dropped/rejected are the app's own tally (else copied from `counters`). */
  tallied: boolean;
  committed: number;
  /** Refused because the ring was full. */
  dropped: number;
  /** Refused for another reason (recording stopped, invalid core, too large, API misuse). */
  rejected: number;
  /** From the recorder's counters (TPCNT): the app cannot know it. */
  overwritten: number;
  counters: RecorderCounters;
}

const TALLY = /^TPGT core=(\d+) generated=(\d+)(?: committed=(\d+) dropped=(\d+) rejected=(\d+))?\s*$/;
const COUNTERS = /^TPCNT core=(\d+) committed=(\d+) dropped=(\d+) overwritten=(\d+) rejected=(\d+)\s*$/;

/** One parsed console line. A core's GroundTruth is complete once its TPCNT line follows. */
export type GroundTruthLine =
  | 'done'
  | { kind: 'tally'; core: number; generated: number; own?: Outcomes }
  | { kind: 'counters'; core: number; counters: RecorderCounters };

function parseLine(line: string): GroundTruthLine | undefined {
  if (/^TPGT done\s*$/.test(line)) return 'done';
  let m = TALLY.exec(line);
  if (m) {
    const own = m[3] === undefined ? undefined : { committed: +m[3], dropped: +m[4], rejected: +m[5] };
    return { kind: 'tally', core: +m[1], generated: +m[2], own };
  }
  m = COUNTERS.exec(line);
  if (m) {
    return { kind: 'counters', core: +m[1], counters: { committed: +m[2], dropped: +m[3], overwritten: +m[4], rejected: +m[5] } };
  }
  return undefined;
}

/** Feeds console lines one at a time; `line` returns a core's ground truth when it is complete
 * (at its TPCNT line), 'done', 'partial' for a ground-truth line that completes nothing yet,
 * or undefined for any other line. */
export class GroundTruthReader {
  private pending = new Map<number, { generated: number; own?: Outcomes }>();

  line(text: string): GroundTruth | 'done' | 'partial' | undefined {
    const l = parseLine(text);
    if (l === undefined || l === 'done') return l;
    if (l.kind === 'tally') {
      this.pending.set(l.core, { generated: l.generated, own: l.own });
      return 'partial';
    }
    const t = this.pending.get(l.core);
    if (!t) return 'partial';
    this.pending.delete(l.core);
    const c = l.counters;
    const own = t.own ?? { committed: c.committed, dropped: c.dropped, rejected: c.rejected };
    return { core: l.core, generated: t.generated, tallied: t.own !== undefined, ...own, overwritten: c.overwritten, counters: c };
  }
}

export function parseGroundTruth(text: string): { cores: GroundTruth[]; done: boolean } {
  const cores: GroundTruth[] = [];
  let done = false;
  const reader = new GroundTruthReader();
  for (const line of text.split(/\r?\n/)) {
    const gt = reader.line(line);
    if (gt === 'done') done = true;
    else if (gt && gt !== 'partial') cores.push(gt);
  }
  return { cores, done };
}

/** Host totals per core (summed over sessions) against the firmware's report; one line per core.
 * generated, dropped and rejected are checked against the app's own tally, overwritten against
 * the recorder's counters (the app cannot know it), and decoded + overwritten + link_lost
 * against the app's committed count. */
export function compareGroundTruth(truth: GroundTruth[], stats: CoreStats[]): { lines: string[]; match: boolean } {
  let match = true;
  const lines: string[] = [];
  for (const t of truth) {
    const mine = stats.filter((s) => s.core === t.core);
    const sum = (f: (s: CoreStats) => number): number => mine.reduce((n, s) => n + f(s), 0);
    const host = {
      generated: sum((s) => s.generated),
      dropped: sum((s) => s.dropped),
      rejected: sum((s) => s.rejected),
      overwritten: sum((s) => s.overwritten),
      committed: sum((s) => s.decoded + s.overwritten + s.link_lost),
    };
    const ok =
      host.generated === t.generated &&
      host.dropped === t.dropped &&
      host.rejected === t.rejected &&
      host.overwritten === t.overwritten &&
      host.committed === t.committed;
    match &&= ok;
    const source = t.tallied ? 'app' : 'recorder counters';
    lines.push(
      `core ${t.core}: firmware (${source}) generated=${t.generated} committed=${t.committed} dropped=${t.dropped} rejected=${t.rejected}; ` +
        `recorder counters overwritten=${t.overwritten}` +
        (ok
          ? ' (host agrees)'
          : `; host generated=${host.generated} committed=${host.committed} dropped=${host.dropped} rejected=${host.rejected} ` +
            `overwritten=${host.overwritten} (MISMATCH)`),
    );
  }
  return { lines, match };
}
