// run --baud (issue 12 §1): the host reads the emulator's pty no faster than an 8N1 UART at that
// baud rate, so the pty fills, QEMU's CMSDK UART holds TXFULL and the guest's drain stalls: the
// demo (about 20 kB/s unpaced) must then lose events to its discard-mode ring, as on a board,
// with the books still closed. The bound on the bytes is the rate plus the pty's and the flush's
// slack, not a timing measurement.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactDir, cli, ROOT, statsOf } from '../e2e/helpers.js';

const ELF = join(ROOT, 'build', 'qemu-mps2-an385', 'demo.elf');

describe('run --baud paces the emulated link', () => {
  it('at 9600 baud the demo drops in its ring; unpaced it does not', async () => {
    const paced = join(artifactDir('baud'), 'paced.tpt');
    const r = await cli(['run', ELF, '-o', paced, '--force', '--duration', '2', '--baud', '9600'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const bytes = Number(/capture: .* \((\d+) bytes/.exec(r.stdout)?.[1]);
    // 2 s at 960 B/s, plus at most the pty buffer and the flush read at full speed
    expect(bytes).toBeLessThan(2 * 960 + 96 * 1024);
    const s = await statsOf(paced);
    expect(s.identity).toBe(true);
    expect(s.cores[0].dropped).toBeGreaterThan(0);
    expect(s.cores[0].link_lost).toBe(0);

    const free = join(artifactDir('baud'), 'unpaced.tpt');
    const u = await cli(['run', ELF, '-o', free, '--force', '--duration', '2'], { timeoutMs: 120_000 });
    expect(u.code, u.stderr).toBe(0);
    const f = await statsOf(free);
    expect(f.identity).toBe(true);
    expect(f.cores[0].dropped).toBe(0);
    expect(f.cores[0].decoded).toBeGreaterThan(s.cores[0].decoded);
  });

  it('--baud alone takes the board.json uart.baud; a bad rate is one usage line', async () => {
    const out = join(artifactDir('baud'), 'board.tpt');
    const r = await cli(['run', ELF, '-o', out, '--force', '--duration', '1', '--baud'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect((await statsOf(out)).identity).toBe(true);
    const bad = await cli(['run', ELF, '-o', out, '--force', '--baud', 'fast'], { timeoutMs: 30_000 });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/baud rate/);
  });
});
