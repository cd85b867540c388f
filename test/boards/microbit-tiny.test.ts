// Issue 13, the tiny profile (make PROFILE=tiny, PORTING.md) on an M0 under emulation: the
// micro:bit's e2e suites with the same assertions as the full profile (identity exact, ground
// truth equal to the host, drops as the overload makes them), and `dump`, which a tiny target
// cannot do, failing at once with one clear line instead of waiting for FINAL statuses.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptureParser } from '../../host/src/core/capture-format.js';
import { artifactDir, cli, statsOf } from '../e2e/helpers.js';
import { e2eCleanSuite, e2eOverloadSuite } from './e2e-suites.js';
import { boardElf, buildTiny, decodeStream } from './helpers.js';

const BOARD = 'microbit';

e2eCleanSuite(BOARD, 'tiny');
e2eOverloadSuite(BOARD, 'tiny');

describe('microbit (tiny profile): dump, and a stop before the target flushed', () => {
  beforeAll(() => buildTiny(BOARD, 'e2e_overload', 'e2e_clean'), 120_000);

  it('run --duration ends without CMD_FLUSH and says the books are not closed', async () => {
    const capture = join(artifactDir('microbit-tiny-duration'), 'trace.tpt');
    // e2e_clean records for far longer than 1 s before its own tp_flush
    const r = await cli(['run', '--board', BOARD, boardElf(BOARD, 'e2e_clean', 'tiny'), '-o', capture, '--duration', '1'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: the target does not flush on request \(HEADER flag NO_FLUSH, tiny profile\) and did not flush on its own; the books are not closed/);
    expect(r.stderr).not.toMatch(/after CMD_FLUSH/);
    // the commands the host sent, as the capture logged them
    const commands: string[] = [];
    const p = new CaptureParser({ event: (_ns, e) => (e.kind === 'command' ? commands.push(String(e.name)) : undefined) });
    p.push(readFileSync(capture));
    p.end();
    expect(commands).toEqual(['CMD_START', 'CMD_STOP']);
    const s = await statsOf(capture);
    expect(s.closed).toBe(false);
    expect(s.cores[0].decoded).toBeGreaterThan(0);
  }, 70_000);

  it('fails with one line naming NO_FLUSH, and keeps what was received', async () => {
    const capture = join(artifactDir('microbit-tiny-dump'), 'dump.tpt');
    // --timeout far above what the answer takes: a target that made the host wait for FINAL
    // statuses would end in the timeout's message instead
    const r = await cli(['dump', '--board', BOARD, boardElf(BOARD, 'e2e_overload', 'tiny'), '-o', capture, '--after', '0.2', '--timeout', '60'], {
      timeoutMs: 60_000,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tracepipe: the target cannot dump: its HEADER says NO_FLUSH \(.*PROFILE=tiny/)]);
    expect(existsSync(capture)).toBe(true);
    const headers: Record<string, unknown>[] = [];
    const d = await decodeStream(capture, (rec) => {
      if (rec.type === 'header') headers.push(rec);
    });
    expect(d.code).toBe(0);
    expect(headers[0]).toMatchObject({ boot: true, no_flush: true, mode: 'discard' });
  }, 70_000);
});
