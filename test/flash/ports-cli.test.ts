// `tracepipe ports` through the real OS binding on this machine: whatever is plugged in, it
// prints a table (or says there is none) and tells what `capture` without --port would do.
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
});
