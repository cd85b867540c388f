// Issue 2 acceptance, overload: e2e_overload feeds a 4 x 128 B discard-mode ring in bursts far
// above what the link drains. The host's accounting must equal the firmware's ground truth
// (semihosting) exactly, the identity must hold, and drops must really have happened.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectHostEqualsFirmware } from '../helpers/ground-truth.js';
import { BOARD, artifactDir, cli, elf, lines, requireBuilt, statsOf, type CliResult } from './helpers.js';

const XOR = 0xa5a5a5a5;

describe('e2e overload: drops counted exactly', () => {
  const dir = artifactDir('overload');
  const capture = join(dir, 'overload.tpt');
  const semihost = join(dir, 'semihost.log');
  let run: CliResult;

  beforeAll(async () => {
    requireBuilt('e2e_overload');
    run = await cli(['run', '--board', BOARD, elf('e2e_overload'), '-o', capture, '--semihost-log', semihost], {
      timeoutMs: 90_000,
    });
  }, 120_000);

  it('run exits 0 when the firmware exits', () => {
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/stopped: firmware exited/);
  });

  it('ground truth (generated, committed, dropped, overwritten) equals the host; identity holds; dropped > 0', async () => {
    const host = await expectHostEqualsFirmware(semihost, capture);
    expect(host.dropped).toBeGreaterThan(0);
    expect(host.decoded).toBeGreaterThan(0);
  });

  it('every received event is one the firmware sent: consistent payload, strictly increasing seq', async () => {
    const r = await cli(['decode', '--format', 'jsonl', capture]);
    expect(r.code).toBe(0);
    const records = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    const events = records.filter((x) => x.type === 'event');
    let prevSeq = -1;
    let prevT = -1n;
    let bad = 0;
    for (const e of events) {
      const [seq, check] = e.args as number[];
      const t = BigInt(e.t_ns as string);
      if (!(e.id === 2 && check === (seq ^ XOR) >>> 0 && seq > prevSeq && t >= prevT)) bad++;
      prevSeq = seq;
      prevT = t;
    }
    expect(bad).toBe(0);
    // the drops are reported as loss records whose counts add up to the total
    const dropped = records
      .filter((x) => x.type === 'loss' && x.cause === 'dropped')
      .reduce((n, x) => n + (x.count as number), 0);
    const s = await statsOf(capture);
    expect(dropped).toBe(s.cores[0].dropped);
  });
});
