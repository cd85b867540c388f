// Issue 2 acceptance, clean run: e2e_clean records 100000 self-checking events (seq, seq ^
// 0xA5A5A5A5); `tracepipe run` captures them live through QEMU's UART pty and the host must
// decode every one, in order, with exact payloads, non-decreasing time and no loss, and agree
// with the firmware's ground truth (semihosting, independent of the trace link).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGroundTruth } from '../../host/src/cli/ground-truth.js';
import { BOARD, artifactDir, cli, elf, lines, requireBuilt, statsOf, type CliResult } from './helpers.js';

const EVENTS = 100_000;
const XOR = 0xa5a5a5a5;

describe('e2e clean: 100000 events through the real pty', () => {
  const dir = artifactDir('clean');
  const capture = join(dir, 'clean.tpt');
  const semihost = join(dir, 'semihost.log');
  let run: CliResult;

  beforeAll(async () => {
    requireBuilt('e2e_clean');
    run = await cli(['run', '--board', BOARD, elf('e2e_clean'), '-o', capture, '--semihost-log', semihost], {
      timeoutMs: 90_000,
    });
  }, 120_000);

  it('run exits 0 when the firmware exits, and reports the capture', () => {
    expect(run.stderr).not.toMatch(/tracepipe: (?!warning)/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`capture: ${capture}`);
    expect(run.stdout).toMatch(/stopped: firmware exited/);
    expect(statSync(capture).size).toBeGreaterThan(EVENTS * 5);
  });

  it('decodes exactly the 100000 events, in order, with exact payloads and non-decreasing time', async () => {
    const r = await cli(['decode', '--format', 'jsonl', capture]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const records = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const rec of records) expect(typeof rec.type).toBe('string');
    expect(records.filter((x) => x.type === 'loss')).toEqual([]);
    const events = records.filter((x) => x.type === 'event');
    expect(events.length).toBe(EVENTS);
    let prev = -1n;
    const bad: unknown[] = [];
    for (let seq = 0; seq < events.length; seq++) {
      const e = events[seq];
      const args = e.args as number[];
      const t = BigInt(e.t_ns as string);
      const ok =
        e.core === 0 &&
        e.kind === 'event' &&
        e.id === 1 &&
        args.length === 2 &&
        args[0] === seq &&
        args[1] === (seq ^ XOR) >>> 0 &&
        t >= prev;
      if (!ok && bad.length < 5) bad.push({ expectedSeq: seq, got: e });
      prev = t;
    }
    expect(bad).toEqual([]);
  });

  it('stats --json: identity holds and every loss is 0', async () => {
    const s = await statsOf(capture);
    expect(s.identity).toBe(true);
    expect(s.cores.length).toBe(1);
    expect(s.cores[0]).toMatchObject({ core: 0, generated: EVENTS, decoded: EVENTS, dropped: 0, rejected: 0, overwritten: 0, link_lost: 0 });
    expect(BigInt(s.cores[0].first_ns!)).toBeLessThanOrEqual(BigInt(s.cores[0].last_ns!));
  });

  it("the firmware's ground truth equals the host's numbers", async () => {
    const gt = parseGroundTruth(readFileSync(semihost, 'utf8'));
    expect(gt.done).toBe(true);
    expect(gt.cores.length).toBe(1);
    const s = await statsOf(capture);
    const host = s.cores[0];
    const committed = host.decoded + host.overwritten + host.link_lost;
    // the app's own tally, then the recorder's counters on their separate line
    expect(gt.cores[0]).toEqual({
      core: 0,
      generated: host.generated,
      tallied: true,
      committed,
      dropped: host.dropped,
      rejected: host.rejected,
      overwritten: host.overwritten,
      counters: { committed, dropped: host.dropped, overwritten: host.overwritten, rejected: host.rejected },
    });
    expect(run.stdout).toMatch(/ground truth core 0: .*\(host agrees\)/);
  });
});
