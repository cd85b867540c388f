// Issue 6 §6: `stats` reports the fit of target time to the host's receive times (origin, drift,
// error bound, samples) for a capture, and says there is none for a raw stream. The capture is a
// real one: the demo firmware under QEMU through the pty.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptureParser, type CaptureMeta } from '../../host/src/core/capture-format.js';
import { BOARD, artifactDir, cli, elf, lines, requireBuilt, type CliResult } from './helpers.js';

interface WallClockJson {
  origin_utc: string;
  origin_unix_ns: string;
  drift_ppm: number;
  error_bound_ns: number;
  samples_used: number;
  samples_rejected: number;
  reliable: boolean;
}

describe('stats: wall-clock fit', () => {
  const dir = artifactDir('wall-clock');
  const capture = join(dir, 'demo.tpt');
  const raw = join(dir, 'demo.raw');
  let run: CliResult;
  let meta: CaptureMeta | undefined;

  beforeAll(async () => {
    requireBuilt('demo');
    run = await cli(['run', '--board', BOARD, elf('demo'), '-o', capture, '--duration', '2'], { timeoutMs: 60_000 });
    const parts: Uint8Array[] = [];
    const p = new CaptureParser({ meta: (m) => (meta = m), data: (_t, bytes) => parts.push(bytes.slice()) });
    p.push(readFileSync(capture));
    p.end();
    // the same bytes without host receive times, as QEMU's `-serial file:` would write them
    writeFileSync(raw, Buffer.concat(parts));
  }, 90_000);

  it('stats --json of a capture carries wall_clock with a finite, positive error bound near the capture start', async () => {
    expect(run.code, run.stderr).toBe(0);
    const r = await cli(['stats', '--json', capture]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { identity: boolean; wall_clock: WallClockJson | null };
    expect(s.identity).toBe(true);
    const wc = s.wall_clock;
    expect(wc).not.toBeNull();
    expect(Object.keys(wc!).sort()).toEqual(
      ['drift_ppm', 'error_bound_ns', 'origin_unix_ns', 'origin_utc', 'reliable', 'samples_rejected', 'samples_used'].sort(),
    );
    // the flag is the documented rule applied to the bound (stats-format.ts: over 10 ms is unreliable)
    expect(wc!.reliable).toBe(wc!.error_bound_ns <= 10_000_000);
    expect(wc!.origin_utc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const originNs = BigInt(wc!.origin_unix_ns);
    // the ISO string and the exact ns say the same
    expect(BigInt(Date.parse(wc!.origin_utc)) * 1_000_000n + BigInt(wc!.origin_utc.slice(23, 29))).toBe(originNs);
    expect(Number.isFinite(wc!.error_bound_ns)).toBe(true);
    expect(wc!.error_bound_ns).toBeGreaterThan(0);
    expect(Number.isFinite(wc!.drift_ppm)).toBe(true);
    expect(Math.abs(wc!.drift_ppm)).toBeLessThanOrEqual(1000);
    expect(Number.isInteger(wc!.samples_used)).toBe(true);
    expect(wc!.samples_used).toBeGreaterThanOrEqual(4);
    expect(wc!.samples_rejected).toBeGreaterThanOrEqual(0);
    // target time 0 is the target's boot or CMD_START: within seconds of the capture's start
    const start = meta?.start_time;
    expect(typeof start).toBe('string');
    const startNs = BigInt(Date.parse(start as string)) * 1_000_000n;
    const gapS = Number(originNs - startNs) / 1e9;
    expect(Math.abs(gapS)).toBeLessThan(5);
  });

  it('the text output has one wall-clock line with the same origin', async () => {
    const j = JSON.parse((await cli(['stats', '--json', capture])).stdout) as { wall_clock: WallClockJson };
    const r = await cli(['stats', capture]);
    expect(r.code, r.stderr).toBe(0);
    const wallLines = lines(r.stdout).filter((l) => l.startsWith('wall clock:'));
    expect(wallLines).toHaveLength(1);
    // a loaded host may delay every sample of a window: then the line says UNRELIABLE instead
    expect(wallLines[0]).toMatch(
      j.wall_clock.reliable
        ? /^wall clock: t_ns 0 = \S+Z, drift [+-]\d+\.\d\d ppm, error bound [\d.]+ (ns|µs|ms|s) \(\d+ samples used, \d+ rejected\)$/
        : /^wall clock: UNRELIABLE, error bound [\d.]+ (ms|s) exceeds 10\.00 ms \(host receive times were delayed\); rough t_ns 0 = \S+Z, drift [+-]\d+\.\d\d ppm \(\d+ samples used, \d+ rejected\)$/,
    );
    expect(wallLines[0]).toContain(j.wall_clock.origin_utc);
  });

  it('a raw stream has no host receive times: wall_clock null, and the text says so', async () => {
    const r = await cli(['stats', '--json', raw]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { wall_clock: unknown; cores: unknown[] };
    expect(s.cores.length).toBeGreaterThan(0);
    expect(s).toHaveProperty('wall_clock', null);
    const t = await cli(['stats', raw]);
    expect(lines(t.stdout).filter((l) => l.startsWith('wall clock:'))).toEqual([
      'wall clock: none (a raw stream, or too few host receive times to fit)',
    ]);
  });
});
