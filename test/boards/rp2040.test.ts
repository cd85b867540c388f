// rp2040-pico under rp2040js (issue 15), over UART: `tracepipe run --board rp2040-pico` runs the
// firmware in our runner (host/src/io/rp2040: both cores, SIO FIFOs, boot-ROM handshake, time
// paced to wall time) and reads UART0 through a real pty with @serialport/stream; the ground
// truth comes from UART1 on a separate path (the runner's stderr). Sized to the emulator's
// speed (about 0.05-0.2x real time on this machine): the multi-core app is built with 10^5
// events per core instead of 10^6.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGroundTruth } from '../../host/src/cli/ground-truth.js';
import { ROOT, artifactDir, cli, lines, statsOf, type CliResult } from '../e2e/helpers.js';
import { expectHostEqualsFirmware } from '../helpers/ground-truth.js';
import { decodeFile, stressCheck } from '../stress/decode.js';
import { boardElf, decodeStream, requireBoardBuilt } from './helpers.js';

const BOARD = 'rp2040-pico';
const XOR = 0xa5a5a5a5;
const MC_BUILD = 'build/rp2040-pico-mc100k';
const MC_EVENTS = 100_000;
const MC_ID_BASE = 0x10;

interface Run {
  run: CliResult;
  capture: string;
  log: string;
}

async function runApp(name: string, elf: string, extra: string[] = [], timeoutMs = 120_000): Promise<Run> {
  const dir = artifactDir(`rp2040-${name}`);
  const capture = join(dir, `${name}.tpt`);
  const log = join(dir, 'console.log');
  const run = await cli(['run', '--board', BOARD, elf, '-o', capture, '--semihost-log', log, ...extra], { timeoutMs });
  return { run, capture, log };
}

function expectCleanExit(r: Run): void {
  expect(r.run.code, r.run.stderr).toBe(0);
  expect(r.run.stdout).toMatch(/stopped: firmware exited/);
  expect(r.run.stderr).not.toMatch(/tracepipe: (?!warning|rp2040js)/);
}

describe('rp2040-pico under rp2040js, UART: clean run', () => {
  let r: Run;
  beforeAll(async () => {
    requireBoardBuilt(BOARD, 'e2e_clean');
    r = await runApp('clean', boardElf(BOARD, 'e2e_clean'));
  }, 150_000);

  it('exact payloads in order, time non-decreasing, identity true, every loss 0, ground truth equal', async () => {
    expectCleanExit(r);
    const host = await expectHostEqualsFirmware(r.log, r.capture);
    expect(host).toMatchObject({ generated: 100_000, decoded: 100_000, dropped: 0, overwritten: 0, link_lost: 0 });
    let n = 0;
    let bad = 0;
    let prevT = -1n;
    const d = await decodeStream(r.capture, (rec) => {
      if (rec.type !== 'event') return;
      const [seq, check] = rec.args as number[];
      const t = BigInt(rec.t_ns as string);
      if (!(rec.id === 1 && rec.core === 0 && seq === n && check === (seq ^ XOR) >>> 0 && t >= prevT)) bad++;
      prevT = t;
      n++;
    });
    expect(d.code).toBe(0);
    expect({ n, bad }).toEqual({ n: 100_000, bad: 0 });
  });
});

describe('rp2040-pico under rp2040js, UART: overload', () => {
  let r: Run;
  beforeAll(async () => {
    requireBoardBuilt(BOARD, 'e2e_overload');
    r = await runApp('overload', boardElf(BOARD, 'e2e_overload'));
  }, 150_000);

  it("the firmware's ground truth equals the host's exactly; drops happened; payloads consistent", async () => {
    expectCleanExit(r);
    const host = await expectHostEqualsFirmware(r.log, r.capture);
    expect(host.dropped).toBeGreaterThan(0);
    expect(host.decoded).toBeGreaterThan(0);
    let prevSeq = -1;
    let bad = 0;
    await decodeStream(r.capture, (rec) => {
      if (rec.type !== 'event') return;
      const [seq, check] = rec.args as number[];
      if (!(rec.id === 2 && check === (seq ^ XOR) >>> 0 && seq > prevSeq)) bad++;
      prevSeq = seq;
    });
    expect(bad).toBe(0);
  });
});

describe('rp2040-pico under rp2040js, UART: both cores record at once (multicore_discard, 2 x 10^5)', () => {
  let r: Run;
  beforeAll(async () => {
    execFileSync('make', ['-s', `BOARD=${BOARD}`, `BUILD=${MC_BUILD}`, `BOARD_CFLAGS=-DMC_EVENTS=${MC_EVENTS}u`, `${MC_BUILD}/multicore_discard.elf`], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    r = await runApp('multicore', join(ROOT, MC_BUILD, 'multicore_discard.elf'), [], 150_000);
  }, 200_000);

  it('per-core identity and ground truth; per-core order; merged time non-decreasing; the cores overlap', async () => {
    expectCleanExit(r);
    const gt = parseGroundTruth(readFileSync(r.log, 'utf8'));
    expect(gt.done).toBe(true);
    expect(gt.cores.map((c) => c.core)).toEqual([0, 1]);
    const stats = await statsOf(r.capture);
    expect(stats.identity).toBe(true);
    for (const fw of gt.cores) {
      const host = stats.cores[fw.core];
      expect(fw.generated).toBe(MC_EVENTS);
      const { core, generated, dropped, rejected, overwritten, link_lost } = host;
      expect({ core, generated, dropped, rejected, overwritten, link_lost }).toEqual({
        core: fw.core,
        generated: fw.generated,
        dropped: fw.dropped,
        rejected: fw.rejected,
        overwritten: fw.overwritten,
        link_lost: 0,
      });
      expect(host.decoded).toBe(fw.committed);
      expect(host.decoded).toBeGreaterThan(0);
    }
    const lastSeq = [-1, -1];
    const span: [bigint, bigint][] = [
      [-1n, -1n],
      [-1n, -1n],
    ];
    let bad = 0;
    let backwards = 0;
    let prevT = -1n;
    await decodeStream(r.capture, (rec) => {
      if (rec.type !== 'event') return;
      const core = rec.core as number;
      const [c, seq] = rec.args as number[];
      const t = BigInt(rec.t_ns as string);
      if (!(rec.id === MC_ID_BASE + core && c === core && seq > lastSeq[core] && seq < MC_EVENTS)) bad++;
      lastSeq[core] = seq;
      if (t < prevT) backwards++;
      prevT = t;
      if (span[core][0] < 0n) span[core][0] = t;
      span[core][1] = t;
    });
    expect({ bad, backwards }).toEqual({ bad: 0, backwards: 0 });
    // both cores were recording at the same time, not one after the other
    expect(span[0][0] < span[1][1] && span[1][0] < span[0][1]).toBe(true);
  });
});

describe('rp2040-pico under rp2040js, UART: flight recorder and tracepipe dump', () => {
  it('dumps the ring; overwritten > 0; ground truth equals the host; every event one the firmware sent', async () => {
    requireBoardBuilt(BOARD, 'flight_recorder');
    const dir = artifactDir('rp2040-dump');
    const capture = join(dir, 'dump.tpt');
    const log = join(dir, 'console.log');
    const r = await cli(['dump', '--board', BOARD, boardElf(BOARD, 'flight_recorder'), '-o', capture, '--semihost-log', log, '--after', '0.5'], {
      timeoutMs: 90_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\(host agrees\)/);
    const text = readFileSync(log, 'utf8');
    const gt = parseGroundTruth(text);
    expect(gt.done, text).toBe(true);
    const generated = new Map<number, number>();
    for (const m of text.matchAll(/^TPCTX core=0 ctx=(\d+) generated=(\d+)/gm)) generated.set(+m[1], +m[2]);
    const d = await decodeFile(capture);
    expect(d.headers[0].header.boot).toBe(true);
    expect(d.headers[0].header.mode).toBe('overwrite');
    const host = d.stats[0];
    expect(host.generated).toBe(host.decoded + host.dropped + host.rejected + host.overwritten + host.link_lost);
    const { dropped, rejected, overwritten, link_lost } = host;
    expect({ generated: host.generated, dropped, rejected, overwritten, link_lost }).toEqual({
      generated: gt.cores[0].generated,
      dropped: gt.cores[0].dropped,
      rejected: gt.cores[0].rejected,
      overwritten: gt.cores[0].overwritten,
      link_lost: 0,
    });
    expect(host.overwritten).toBeGreaterThan(0);
    const chk = stressCheck(d.events, generated);
    expect({ torn: chk.torn, dup: chk.duplicatedOrReordered, invented: chk.invented }).toEqual({ torn: 0, dup: 0, invented: 0 });
  }, 120_000);
});

describe('rp2040-pico under rp2040js: bad input', () => {
  it('an image that does not fit SRAM is one tracepipe line, a non-zero exit and no capture', async () => {
    requireBoardBuilt('qemu-mps2-an385', 'demo');
    const dir = artifactDir('rp2040-bad');
    // outside build/<board>/, so only the runner's own check can catch it
    const elf = join(dir, 'flash-image.elf');
    copyFileSync(boardElf('qemu-mps2-an385', 'demo'), elf);
    const capture = join(dir, 'never.tpt');
    const r = await cli(['run', '--board', BOARD, elf, '-o', capture]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^tracepipe: .*segment at 0x0 .* is outside SRAM/)]);
    expect(existsSync(capture)).toBe(false);
  });
});
