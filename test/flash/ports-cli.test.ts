// `tracepipe ports` on this machine, through the listing path it takes here (sysfs on Linux,
// with or without udevadm): whatever is plugged in, it prints a table (or says there is none)
// and tells what `capture` without --port would do.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, lines, requireBuilt } from '../e2e/helpers.js';

describe('tracepipe ports', () => {
  it('lists the ports with their USB identity and the capture choice, exit 0', async () => {
    requireBuilt();
    const r = await cli(['ports']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    if (out[0] === 'no serial ports found') {
      expect(out).toHaveLength(1);
    } else {
      expect(out[0].split(/\s{2,}/)).toEqual(['PATH', 'VID:PID', 'MANUFACTURER', 'PRODUCT', 'PROBABLY']);
      expect(out.at(-1)).toMatch(/^capture without --port/);
      for (const row of out.slice(1, -1)) expect(row).toMatch(/^\/dev\/|^COM\d+/);
    }
  });

  it('--json gives the same ports as one JSON object, with the source and the capture choice', async () => {
    requireBuilt();
    const [j, t] = [await cli(['ports', '--json']), await cli(['ports'])];
    expect(j.stderr).toBe('');
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.stdout) as { source: string; ports: Array<{ path: string; vendorId?: string }>; capture: { port: string | null; reason: string } };
    expect(doc.source).toBe(process.platform === 'linux' ? 'sysfs' : 'binding');
    const tablePaths = lines(t.stdout).slice(1, -1).map((l) => l.split(/\s{2,}/)[0]);
    expect(doc.ports.map((p) => p.path)).toEqual(tablePaths);
    expect(typeof doc.capture.reason).toBe('string');
    if (doc.capture.port !== null) expect(doc.ports.map((p) => p.path)).toContain(doc.capture.port);
  });

  it('capture without --port makes the choice ports announced, without udevadm', async () => {
    requireBuilt();
    const doc = JSON.parse((await cli(['ports', '--json'])).stdout) as { capture: { port: string | null; reason: string } };
    const out = join(mkdtempSync(join(tmpdir(), 'tp-ports-')), 'x.tpt');
    const r = await cli(['capture', '-o', out, '--duration', '0.5'], { timeoutMs: 30_000 });
    expect(r.stderr).not.toMatch(/udevadm/);
    if (doc.capture.port === null) {
      expect(lines(r.stderr)).toEqual([`tracepipe: ${doc.capture.reason}`]);
      expect(r.code).toBe(1);
    } else {
      expect(lines(r.stderr)[0]).toBe(`tracepipe: using ${doc.capture.port}, ${doc.capture.reason}`);
    }
  });
});
