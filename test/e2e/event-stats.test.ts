// stats --events on a real capture (issue 12 §4): meta_demo runs under QEMU, captured live
// through the pty; the per-event counts of `stats --events --json --elf` must equal what
// `decode --elf` prints, counted by core, kind and name, and every span/ISR begin must pair.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BOARD, artifactDir, cli, elf, lines, requireBuilt } from './helpers.js';

const GROUP: Record<string, string> = { span_begin: 'span', span_end: 'span', isr_enter: 'isr', isr_exit: 'isr' };
const ENDS = new Set(['span_end', 'isr_exit']);

describe('stats --events on a QEMU capture of meta_demo', () => {
  const dir = artifactDir('event-stats');
  const capture = join(dir, 'meta_demo.tpt');

  beforeAll(async () => {
    requireBuilt('meta_demo');
    const run = await cli(['run', '--board', BOARD, elf('meta_demo'), '-o', capture], { timeoutMs: 60_000 });
    expect(run.code).toBe(0);
  }, 120_000);

  it('counts by name equal decode --elf; spans and ISRs pair with nothing cut', async () => {
    const dec = await cli(['decode', '--events-only', '-f', 'jsonl', '--elf', elf('meta_demo'), capture]);
    expect(dec.code).toBe(0);
    const want = new Map<string, number>();
    for (const l of lines(dec.stdout)) {
      const e = JSON.parse(l) as { core: number; kind: string; name?: string; id: number };
      // a span or ISR row counts its begins
      if (ENDS.has(e.kind)) continue;
      const key = `${e.core} ${GROUP[e.kind] ?? e.kind} ${e.name}`;
      want.set(key, (want.get(key) ?? 0) + 1);
    }
    const r = await cli(['stats', '--events', '--json', '--elf', elf('meta_demo'), capture]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      events: { core: number; kind: string; name: string; count: number; durations?: { pairs: number; cut: number; open: number; unpaired_ends: number; min_ns: string | null; max_ns: string | null }; counter?: { last: string } }[];
    };
    const got = new Map(j.events.map((e) => [`${e.core} ${e.kind} ${e.name}`, e.count]));
    expect(got).toEqual(want);
    // meta_demo's own call sites (apps/meta_demo/main.c): spans filter and flash_write, ISR APP_TIMER,
    // counters queue_depth and battery (last value 3300 mV)
    const byName = new Map(j.events.map((e) => [e.name, e]));
    for (const n of ['filter', 'flash_write', 'APP_TIMER']) {
      const d = byName.get(n)?.durations;
      expect(d, n).toBeDefined();
      expect([d!.pairs, d!.cut, d!.open, d!.unpaired_ends], n).toEqual([byName.get(n)!.count, 0, 0, 0]);
      expect(BigInt(d!.min_ns!) <= BigInt(d!.max_ns!)).toBe(true);
    }
    expect(byName.get('battery')?.counter?.last).toBe('3300');
    // the text form names the same rows
    const t = await cli(['stats', '--events', '--elf', elf('meta_demo'), capture]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^durations, ns/m);
    expect(t.stdout).toMatch(/^ {2}0 +span +flash_write +1 +0 +0 /m);
  });
});
