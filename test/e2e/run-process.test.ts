// Issue 10 §8, the process side of `run`: QEMU never outlives tracepipe (even after SIGKILL,
// when no handler of tracepipe can run), the summary and the error line agree on how QEMU
// ended, and an existing capture is never overwritten without --force.
import { type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOARD, artifactDir, cli, elf, lines, requireBuilt } from './helpers.js';
import { waitFor } from '../helpers/qemu-tcp.js';

/** QEMU started by the tracepipe process pid (its child once setpriv has exec'd it). */
function qemuChildOf(pid: number): number | undefined {
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      // /proc/<pid>/stat: pid (comm) state ppid ...
      const m = /^(\d+) \((.*)\) \S+ (\d+)/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (m && Number(m[3]) === pid && /^qemu-system/.test(m[2])) return Number(m[1]);
    } catch {
      // gone already
    }
  }
  return undefined;
}

/** A process is gone when /proc no longer has it, or it is a zombie nobody reaped yet. */
function gone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function startRun(out: string, extra: string[] = []): Promise<{ child: ChildProcess; qemu: number; done: ReturnType<typeof cli> }> {
  let child: ChildProcess | undefined;
  const done = cli(['run', '--board', BOARD, elf('e2e_clean'), '-o', out, ...extra], { timeoutMs: 60_000, onSpawn: (c) => (child = c) });
  let qemu: number | undefined;
  await waitFor(() => (qemu = child?.pid !== undefined ? qemuChildOf(child.pid) : undefined) !== undefined, 20_000);
  // the capture is under way once bytes reach the file
  await waitFor(() => {
    try {
      return readFileSync(out).length > 20_000;
    } catch {
      return false;
    }
  }, 30_000);
  return { child: child!, qemu: qemu!, done };
}

describe('run and its QEMU process', () => {
  const dir = artifactDir('run-process');

  it('SIGKILL of tracepipe takes its QEMU with it', async () => {
    requireBuilt('e2e_clean');
    const { child, qemu, done } = await startRun(join(dir, 'tracepipe-killed.tpt'));
    expect(gone(qemu)).toBe(false);
    child.kill('SIGKILL');
    const r = await done;
    expect(r.signal).toBe('SIGKILL');
    try {
      await waitFor(() => gone(qemu), 5000);
    } finally {
      if (!gone(qemu)) process.kill(qemu, 'SIGKILL'); // never leave one behind, even when failing
    }
    expect(gone(qemu)).toBe(true);
  });

  it('SIGKILL of QEMU: the summary and the error line both say so', async () => {
    requireBuilt('e2e_clean');
    const { qemu, done } = await startRun(join(dir, 'qemu-killed.tpt'));
    process.kill(qemu, 'SIGKILL');
    const r = await done;
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/stopped: QEMU killed by SIGKILL\)/);
    expect(r.stdout).not.toMatch(/firmware exited/);
    expect(lines(r.stderr).at(-1)).toMatch(/^tracepipe: QEMU killed by SIGKILL \(capture .* holds everything received\)$/);
  });

  it('-o naming an existing capture is refused without --force, the file untouched; --force replaces it', async () => {
    requireBuilt('e2e_clean');
    const out = join(dir, 'existing.tpt');
    const before = Buffer.from('an earlier capture that must survive\n');
    writeFileSync(out, before);
    const r = await cli(['run', '--board', BOARD, elf('e2e_clean'), '-o', out]);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toEqual([`tracepipe: ${out} already exists: give --force to replace it, or another -o`]);
    expect(r.code).toBe(2);
    expect(readFileSync(out).equals(before)).toBe(true);
    for (const other of [['capture', '--port', '/dev/tracepipe-never-opened'], ['dump', '--port', '/dev/tracepipe-never-opened']]) {
      const c = await cli([...other, '-o', out]);
      expect(lines(c.stderr)).toEqual([`tracepipe: ${out} already exists: give --force to replace it, or another -o`]);
      expect(c.code).toBe(2);
      expect(readFileSync(out).equals(before)).toBe(true);
    }
    const f = await cli(['run', '--board', BOARD, elf('e2e_clean'), '-o', out, '--force', '--duration', '1'], { timeoutMs: 60_000 });
    expect(f.code, f.stderr).toBe(0);
    expect(readFileSync(out).subarray(0, before.length).equals(before)).toBe(false);
    // a device is not a capture: -o /dev/null is still written without --force
    const n = await cli(['run', '--board', BOARD, elf('e2e_clean'), '-o', '/dev/null', '--duration', '0.5'], { timeoutMs: 60_000 });
    expect(n.code, n.stderr).toBe(0);
  });
});
