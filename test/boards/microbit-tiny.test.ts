// Issue 13, the tiny profile (make PROFILE=tiny, PORTING.md) on an M0 under emulation: the
// micro:bit's e2e suites with the same assertions as the full profile (identity exact, ground
// truth equal to the host, drops as the overload makes them), and `dump`, which a tiny target
// cannot do, failing at once with one clear line instead of waiting for FINAL statuses.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { artifactDir, cli } from '../e2e/helpers.js';
import { e2eCleanSuite, e2eOverloadSuite } from './e2e-suites.js';
import { boardElf, buildTiny, decodeStream } from './helpers.js';

const BOARD = 'microbit';

e2eCleanSuite(BOARD, 'tiny');
e2eOverloadSuite(BOARD, 'tiny');

describe('microbit (tiny profile): dump', () => {
  beforeAll(() => buildTiny(BOARD, 'e2e_overload'), 120_000);

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
