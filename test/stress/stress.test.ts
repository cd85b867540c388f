// Interrupt stress on qemu-mps2-an385 (issue 3 §2): stress_discard and stress_overwrite, where the
// thread and two nested timer interrupts write >= 10^6 self-checking events into one channel, run
// through `tracepipe run` (QEMU UART on a real pty, read with @serialport/stream). Required: 0
// torn, duplicated or invented events (per-context sequence check), the identity exact, and the
// firmware's ground truth equal to the host's numbers. Figures go to test-artifacts/stress.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGroundTruth } from '../../host/src/cli/ground-truth.js';
import { BOARD, ROOT, artifactDir, cli, elf, requireBuilt } from '../e2e/helpers.js';
import { decodeFile, stressCheck } from './decode.js';

const figures: Record<string, unknown> = {};

afterAll(() => {
  if (Object.keys(figures).length === 0) return;
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  writeFileSync(join(ROOT, 'test-artifacts', 'stress.json'), `${JSON.stringify(figures, null, 2)}\n`);
});

describe.each([['stress_discard'], ['stress_overwrite']])('%s through the pty', (app) => {
  it('>= 10^6 events: nothing torn, duplicated or invented; identity exact; ground truth == host', async () => {
    requireBuilt(app);
    const dir = artifactDir(`stress-${app}`);
    const capture = join(dir, 'trace.tpt');
    const log = join(dir, 'semihost.log');
    const r = await cli(['run', '--board', BOARD, elf(app), '-o', capture, '--semihost-log', log], { timeoutMs: 150_000 });
    expect(r.code, r.stderr).toBe(0);
    const semihost = readFileSync(log, 'utf8');
    const gt = parseGroundTruth(semihost);
    expect(gt.done).toBe(true);
    const fw = gt.cores[0];
    const generated = new Map<number, number>();
    for (const m of semihost.matchAll(/^TPCTX core=0 ctx=(\d+) generated=(\d+)/gm)) generated.set(+m[1], +m[2]);
    expect([...generated.keys()].sort()).toEqual([0, 1, 2]);
    expect([...generated.values()].reduce((a, b) => a + b, 0)).toBe(fw.generated);
    expect(fw.generated).toBeGreaterThanOrEqual(1_000_000);

    const d = await decodeFile(capture);
    expect(d.stats.length).toBe(1);
    const host = d.stats[0];
    expect(host.generated).toBe(host.decoded + host.dropped + host.rejected + host.overwritten + host.link_lost);
    expect({ generated: host.generated, dropped: host.dropped, rejected: host.rejected, overwritten: host.overwritten }).toEqual({
      generated: fw.generated,
      dropped: fw.dropped,
      rejected: fw.rejected,
      overwritten: fw.overwritten,
    });
    expect(host.decoded + host.overwritten + host.link_lost).toBe(fw.committed);
    expect(host.link_lost).toBe(0);
    expect(d.notices.filter((n) => n.level !== 'info')).toEqual([]);

    const chk = stressCheck(d.events, generated);
    expect({ torn: chk.torn, dup: chk.duplicatedOrReordered, invented: chk.invented }).toEqual({ torn: 0, dup: 0, invented: 0 });
    expect(d.events.length).toBe(host.decoded);
    // all three contexts got through, so the nesting really happened on the wire
    for (const c of [0, 1, 2]) expect(chk.perCtx.get(c) ?? 0).toBeGreaterThan(0);
    if (app === 'stress_discard') expect(host.dropped).toBeGreaterThan(0);
    else expect(host.dropped + host.overwritten).toBeGreaterThan(0);

    figures[app] = {
      transport: 'QEMU UART0 on a pty, read by tracepipe run (@serialport/stream)',
      generated: fw.generated,
      decoded: host.decoded,
      dropped: host.dropped,
      overwritten: host.overwritten,
      link_lost: host.link_lost,
      per_context_generated: Object.fromEntries(generated),
      per_context_decoded: Object.fromEntries(chk.perCtx),
      torn: chk.torn,
      duplicated: chk.duplicatedOrReordered,
      invented: chk.invented,
      identity: true,
      ground_truth_matches: true,
    };
  }, 180_000);
});
