// rp2040-pico under rp2040js: the 64-bit time across many TIMERAWL wraps (issue 15, item 5).
// The TIMER starts just before 2^32 µs (`run --timer-preset-us`), and the runner skips the
// simulated time between wraps (`--wrap-every-ms`, the cores stalled meanwhile), so that the
// low word wraps every 20 ms of run time. apps/wrap16 (fewer burst events) records its own
// tp_now() in every event; each decoded time must lie between the firmware's reading before it
// and the next one, the time must never go back, and the host's time of the last event must be
// in the same 2^32 µs epoch as the emulated chip's 64-bit TIMER when it stopped. Before the fix
// in rp2040_timer.c (wait for TIMERAWL != 0 before re-arming ALARM0) the alarm fired at once after the
// first wrap and was cleared unseen, so every later wrap was missed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGroundTruth } from '../../host/src/cli/ground-truth.js';
import { ROOT, artifactDir, cli, statsOf, type CliResult } from '../e2e/helpers.js';
import { decodeStream } from './helpers.js';

const BUILD = 'build/rp2040-pico-wrap';
const ELF = join(ROOT, BUILD, 'wrap16.elf');
const WRAP = 2n ** 32n;
const PRESET_US = 2 ** 32 - 30_000;

let run: CliResult;
let capture: string;
let log: string;

beforeAll(async () => {
  execFileSync('make', ['-s', 'BOARD=rp2040-pico', `BUILD=${BUILD}`, 'BOARD_CFLAGS=-DBURST_EVENTS=1500u', `${BUILD}/wrap16.elf`], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  const dir = artifactDir('rp2040-wrap');
  capture = join(dir, 'wrap.tpt');
  log = join(dir, 'console.log');
  run = await cli(
    ['run', '--board', 'rp2040-pico', ELF, '-o', capture, '--semihost-log', log, '--timer-preset-us', String(PRESET_US), '--wrap-every-ms', '20'],
    { timeoutMs: 120_000 },
  );
}, 180_000);

describe('rp2040-pico: TIMERAWL wraps under rp2040js', () => {
  it('decoded 64-bit time is bracketed by the firmware readings across many wraps and matches the chip', async () => {
    expect(run.code, run.stderr).toBe(0);
    const gt = parseGroundTruth(readFileSync(log, 'utf8'));
    expect(gt.done).toBe(true);
    const stats = await statsOf(capture);
    expect(stats.identity).toBe(true);
    const host = stats.cores[0];
    expect({ generated: host.generated, dropped: host.dropped, rejected: host.rejected, link_lost: host.link_lost }).toEqual({
      generated: gt.cores[0].generated,
      dropped: gt.cores[0].dropped,
      rejected: gt.cores[0].rejected,
      link_lost: 0,
    });
    const ev: { seq: number; fw: bigint; t: bigint }[] = [];
    const d = await decodeStream(capture, (rec) => {
      if (rec.type !== 'event' || rec.id !== 5) return;
      const [seq, lo, hi] = rec.args as number[];
      ev.push({ seq, fw: (BigInt(hi) << 32n) | BigInt(lo), t: BigInt(rec.t_ns as string) / 1000n });
    });
    expect(d.code).toBe(0);
    expect(ev.length).toBe(host.decoded);
    let outside = 0;
    let backwards = 0;
    for (let i = 0; i < ev.length; i++) {
      if (ev[i].t < ev[i].fw || (i + 1 < ev.length && ev[i + 1].seq === ev[i].seq + 1 && ev[i].t > ev[i + 1].fw)) outside++;
      if (i > 0 && ev[i].t < ev[i - 1].t) backwards++;
    }
    expect({ outside, backwards }).toEqual({ outside: 0, backwards: 0 });
    const last = ev[ev.length - 1].t;
    expect(last / WRAP).toBeGreaterThanOrEqual(8n);
    // the firmware counts wraps from its own start, the chip's TIMER started at PRESET_US
    const stopped = /rp2040js: stopped at TIMER (\d+) us/.exec(run.stderr);
    expect(stopped, run.stderr).not.toBeNull();
    expect(BigInt(stopped![1]) / WRAP).toBe(last / WRAP);
  });
});
