// Flight recorder and `tracepipe dump` (issue 3 §1): apps/flight_recorder records from boot in
// overwrite mode with no host and transmits nothing; `dump` sends CMD_DUMP, receives the ring,
// and decodes it with the same accounting. Required: overwritten > 0, the identity exact, the
// firmware's ground truth equal to the host's numbers, and every event one the firmware sent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGroundTruth } from '../../host/src/cli/ground-truth.js';
import { startQemu, type QemuInstance } from '../../host/src/io/qemu.js';
import { BOARD, artifactDir, cli, elf, emulatorOf, lines, requireBuilt } from '../e2e/helpers.js';
import { decodeFile, stressCheck } from './decode.js';

const APP = 'flight_recorder';

async function checkDump(capture: string, semihostLog: string): Promise<void> {
  const semihost = readFileSync(semihostLog, 'utf8');
  const gt = parseGroundTruth(semihost);
  expect(gt.done, semihost).toBe(true);
  const fw = gt.cores[0];
  const generated = new Map<number, number>();
  for (const m of semihost.matchAll(/^TPCTX core=0 ctx=(\d+) generated=(\d+)/gm)) generated.set(+m[1], +m[2]);
  expect([...generated.values()].reduce((a, b) => a + b, 0)).toBe(fw.generated);

  const d = await decodeFile(capture);
  // the dump is the first thing the target ever sent: a BOOT header, so the books start at reset
  expect(d.headers[0].header.boot).toBe(true);
  expect(d.headers[0].header.mode).toBe('overwrite');
  expect(d.notices.filter((n) => n.level !== 'info')).toEqual([]);
  expect(d.statuses.some((s) => s.final)).toBe(true);
  expect(d.stats.length).toBe(1);
  const host = d.stats[0];
  expect(host.generated).toBe(host.decoded + host.dropped + host.rejected + host.overwritten + host.link_lost);
  expect({ generated: host.generated, dropped: host.dropped, rejected: host.rejected, overwritten: host.overwritten }).toEqual({
    generated: fw.generated,
    dropped: fw.dropped,
    rejected: fw.rejected,
    overwritten: fw.overwritten,
  });
  expect(host.link_lost).toBe(0);
  expect(host.overwritten).toBeGreaterThan(0);
  expect(host.decoded).toBeGreaterThan(0);
  const chk = stressCheck(d.events, generated);
  expect({ torn: chk.torn, dup: chk.duplicatedOrReordered, invented: chk.invented }).toEqual({ torn: 0, dup: 0, invented: 0 });
  // the ring holds the newest events: the last thread event recorded is in the dump
  const lastThread = d.events.filter((e) => e.args[0] === 0n).pop();
  expect(lastThread).toBeDefined();
  expect(Number(lastThread!.args[1])).toBe(generated.get(0)! - 1);
}

describe('tracepipe dump of a flight recorder', () => {
  let q: QemuInstance | undefined;
  afterEach(async () => {
    await q?.stop(500);
    q = undefined;
  });

  it('--board: runs the firmware, dumps its ring; overwritten > 0, ground truth == host', async () => {
    requireBuilt(APP);
    const dir = artifactDir('dump-board');
    const capture = join(dir, 'dump.tpt');
    const log = join(dir, 'semihost.log');
    const r = await cli(['dump', '--board', BOARD, elf(APP), '-o', capture, '--semihost-log', log, '--after', '0.5'], {
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/FINAL status from every core/);
    expect(r.stdout).toMatch(/\(host agrees\)/);
    await checkDump(capture, log);
  });

  it('--port: dumps a target that has been recording on its own', async () => {
    requireBuilt(APP);
    const dir = artifactDir('dump-port');
    const capture = join(dir, 'dump.tpt');
    const log = join(dir, 'semihost.log');
    q = await startQemu({ emulator: emulatorOf(), elf: elf(APP), semihostLog: log });
    await new Promise((r) => setTimeout(r, 800));
    const r = await cli(['dump', '--port', q.ptyPath, '-o', capture], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    // the firmware exits once the host acknowledged the dump
    const exit = await q.exited;
    expect(exit.code).toBe(0);
    await checkDump(capture, log);
  });

  it('bad usage is one line and a non-zero exit', async () => {
    requireBuilt();
    const none = await cli(['dump']);
    expect(none.code).toBe(2);
    expect(lines(none.stderr)).toEqual(['tracepipe: dump needs either --port <path> or --board <board> <app.elf>']);
    const missing = await cli(['dump', '--port', '/dev/tracepipe-missing-port', '-o', '/tmp/tracepipe-h10-never.tpt']);
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual(['tracepipe: serial port /dev/tracepipe-missing-port not found']);
    const notElf = await cli(['dump', '--board', BOARD, 'package.json', '-o', '/tmp/tracepipe-h10-never.tpt']);
    expect(notElf.code).toBe(1);
    expect(lines(notElf.stderr)).toEqual(['tracepipe: package.json is not a 32-bit ARM ELF (build it with arm-none-eabi-gcc)']);
  });
});
