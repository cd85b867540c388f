// The firmware's own counters, printed by test and demo apps over semihosting (a path independent
// of the trace link): `TPGT core=<c> generated=<n> committed=<n> dropped=<n> overwritten=<n> rejected=<n>`
// (rejected since wire v2; older apps omit it: 0), then `TPGT done`.
import type { CoreStats } from '../core/types.js';

export interface GroundTruth {
  core: number;
  generated: number;
  committed: number;
  dropped: number;
  overwritten: number;
  rejected: number;
}

const LINE = /^TPGT core=(\d+) generated=(\d+) committed=(\d+) dropped=(\d+) overwritten=(\d+)(?: rejected=(\d+))?\s*$/;

export function parseGroundTruthLine(line: string): GroundTruth | 'done' | undefined {
  if (/^TPGT done\s*$/.test(line)) return 'done';
  const m = LINE.exec(line);
  if (!m) return undefined;
  return { core: +m[1], generated: +m[2], committed: +m[3], dropped: +m[4], overwritten: +m[5], rejected: +(m[6] ?? 0) };
}

export function parseGroundTruth(text: string): { cores: GroundTruth[]; done: boolean } {
  const cores: GroundTruth[] = [];
  let done = false;
  for (const line of text.split(/\r?\n/)) {
    const gt = parseGroundTruthLine(line);
    if (gt === 'done') done = true;
    else if (gt) cores.push(gt);
  }
  return { cores, done };
}

/** Host totals per core (summed over sessions) against the firmware's counters; one line per core. */
export function compareGroundTruth(truth: GroundTruth[], stats: CoreStats[]): { lines: string[]; match: boolean } {
  let match = true;
  const lines: string[] = [];
  for (const t of truth) {
    const mine = stats.filter((s) => s.core === t.core);
    const host = {
      generated: mine.reduce((n, s) => n + s.generated, 0),
      dropped: mine.reduce((n, s) => n + s.dropped, 0),
      overwritten: mine.reduce((n, s) => n + s.overwritten, 0),
      rejected: mine.reduce((n, s) => n + s.rejected, 0),
    };
    const ok = host.generated === t.generated && host.dropped === t.dropped && host.overwritten === t.overwritten &&
      host.rejected === t.rejected;
    match &&= ok;
    lines.push(
      `core ${t.core}: firmware generated=${t.generated} dropped=${t.dropped} overwritten=${t.overwritten} rejected=${t.rejected}` +
        (ok
          ? ' (host agrees)'
          : `; host generated=${host.generated} dropped=${host.dropped} overwritten=${host.overwritten} rejected=${host.rejected} (MISMATCH)`),
    );
  }
  return { lines, match };
}
