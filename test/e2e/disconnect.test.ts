// Issue 3 §4: when QEMU dies mid-capture, or tracepipe itself is killed, the capture file stays
// valid and holds everything received so far; what decodes from it is exactly a prefix of what
// the firmware sent (e2e_clean: seq 0, 1, 2 ... with arg1 = seq ^ 0xA5A5A5A5), nothing invented.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureParser } from '../../host/src/core/capture-format.js';
import { BOARD, artifactDir, cli, elf, lines, requireBuilt } from './helpers.js';

const XOR = 0xa5a5a5a5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The QEMU that a tracepipe process started (its child). */
function qemuChildOf(pid: number): number | undefined {
  try {
    const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' });
    const line = out.split('\n').find((l) => /qemu-system/.test(l));
    return line ? Number(line.trim().split(/\s+/)[0]) : undefined;
  } catch {
    return undefined;
  }
}

async function waitForQemu(child: ChildProcess): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const q = qemuChildOf(child.pid!);
    if (q) return q;
    await sleep(100);
  }
  throw new Error('tracepipe did not start QEMU');
}

/** Decodes a capture and checks that its events are exactly seq 0..n-1 of e2e_clean. */
async function expectExactPrefix(file: string): Promise<{ events: number; stderr: string[] }> {
  const r = await cli(['decode', '-f', 'jsonl', file]);
  expect(r.code, r.stderr).toBe(0);
  const events = lines(r.stdout)
    .map((l) => JSON.parse(l) as { type: string; id: number; args: number[] })
    .filter((x) => x.type === 'event');
  const wrong = events.findIndex((e, seq) => !(e.id === 1 && e.args[0] === seq && e.args[1] === (seq ^ XOR) >>> 0));
  expect(wrong).toBe(-1);
  return { events: events.length, stderr: lines(r.stderr) };
}

describe('link loss mid-capture', () => {
  const dir = artifactDir('disconnect');

  it('QEMU killed mid-capture: run ends at once with one line; the file is complete and decodes', async () => {
    requireBuilt('e2e_clean');
    const out = join(dir, 'qemu-killed.tpt');
    let child: ChildProcess | undefined;
    const run = cli(['run', '--board', BOARD, elf('e2e_clean'), '-o', out], { timeoutMs: 60_000, onSpawn: (c) => (child = c) });
    const qemuPid = await waitForQemu(child!);
    await sleep(2500);
    process.kill(qemuPid, 'SIGKILL');
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tracepipe: QEMU killed by SIGKILL \(capture .* holds everything received\)/);
    const p = new CaptureParser({});
    p.push(readFileSync(out));
    expect(p.end().complete).toBe(true);
    const { events } = await expectExactPrefix(out);
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThan(100_000);
  });

  it('tracepipe killed mid-capture: the file holds what was received, decodes with one warning', async () => {
    requireBuilt('e2e_clean');
    const out = join(dir, 'tracepipe-killed.tpt');
    let child: ChildProcess | undefined;
    const run = cli(['run', '--board', BOARD, elf('e2e_clean'), '-o', out], { timeoutMs: 60_000, onSpawn: (c) => (child = c) });
    const qemuPid = await waitForQemu(child!);
    await sleep(2500);
    child!.kill('SIGKILL');
    await run;
    // nothing is left to stop the orphaned QEMU: do it here
    try {
      process.kill(qemuPid, 'SIGKILL');
    } catch {
      // already gone
    }
    const p = new CaptureParser({});
    p.push(readFileSync(out));
    const end = p.end();
    expect(end.complete).toBe(false);
    expect(end.dataBytes).toBeGreaterThan(0);
    const { events, stderr } = await expectExactPrefix(out);
    expect(events).toBeGreaterThan(0);
    expect(stderr.length).toBe(1);
    expect(stderr[0]).toMatch(/^tracepipe: warning: input cut short/);
  });
});
