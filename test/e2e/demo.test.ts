// `tracepipe demo`, the README's first command: builds the demo firmware (a no-op after
// `make BOARD=qemu-mps2-an385`), runs it under QEMU for a few seconds, prints the stats and the
// capture path. The capture must decode with every core's books closed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactDir, cli, requireBuilt, statsOf } from './helpers.js';

describe('tracepipe demo', () => {
  it('builds, runs for the duration, prints stats and the capture path', async () => {
    requireBuilt();
    const out = join(artifactDir('demo'), 'demo.tpt');
    const r = await cli(['demo', '--duration', '2', '-o', out], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`capture: ${out}`);
    expect(r.stdout).toMatch(/stopped: duration reached/);
    expect(r.stdout).toMatch(/^total\s+\d+/m);
    expect(r.stdout).toMatch(/identity: generated = decoded \+ dropped \+ overwritten \+ link_lost holds/);
    expect(existsSync(out)).toBe(true);
    const s = await statsOf(out);
    expect(s.identity).toBe(true);
    expect(s.cores[0].decoded).toBeGreaterThan(0);
    expect(s.cores[0].link_lost).toBe(0);
  });
});
