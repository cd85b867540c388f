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
import { ROOT, artifactDir, cli, lines, type CliResult } from '../e2e/helpers.js';
import { expectHostEqualsFirmware } from '../helpers/ground-truth.js';
import { boardElf, requireBoardBuilt } from './helpers.js';
import { expectCleanPayloads, expectDumpAgrees, expectMulticore, expectOverloadPayloads } from './rp2040-checks.js';

const BOARD = 'rp2040-pico';
const MC_BUILD = 'build/rp2040-pico-mc100k';
const MC_EVENTS = 100_000;
const OV_BUILD = 'build/rp2040-pico-ov100';
const OV_BURSTS = 100;

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
    await expectCleanPayloads(r.capture, 100_000);
  });
});

describe('rp2040-pico under rp2040js, UART: overload', () => {
  let r: Run;
  beforeAll(async () => {
    // 100 bursts every 4 ms instead of 400 every 20 ms (8 simulated s of a polling loop, minutes
    // of rp2040js on a loaded machine): the same overload, sized to the emulator.
    execFileSync('make', ['-s', `BOARD=${BOARD}`, `BUILD=${OV_BUILD}`, `BOARD_CFLAGS=-DBURSTS=${OV_BURSTS}u -DTICK_PERIOD=4000u`, `${OV_BUILD}/e2e_overload.elf`], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    r = await runApp('overload', join(ROOT, OV_BUILD, 'e2e_overload.elf'));
  }, 150_000);

  it("the firmware's ground truth equals the host's exactly; drops happened; payloads consistent", async () => {
    expectCleanExit(r);
    const host = await expectHostEqualsFirmware(r.log, r.capture);
    expect(host.generated).toBe(OV_BURSTS * 64);
    expect(host.dropped).toBeGreaterThan(0);
    expect(host.decoded).toBeGreaterThan(0);
    await expectOverloadPayloads(r.capture);
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
    await expectMulticore(readFileSync(r.log, 'utf8'), r.capture, MC_EVENTS);
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
    await expectDumpAgrees(r, capture, log);
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
