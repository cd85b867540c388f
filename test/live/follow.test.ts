// `--follow` (issue 12 §1): run and dump print every decoded record on stdout as it is decoded,
// and what they print is exactly what `decode` prints offline for the capture they wrote, with
// the same filters. Real firmware under QEMU through the pty; the summary goes to stderr.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordFilter } from '../../host/src/cli/record-filter.js';
import type { TraceEvent, TraceRecord } from '../../host/src/core/types.js';
import { startQemu } from '../../host/src/io/qemu.js';
import { artifactDir, cli, emulatorOf, lines, ROOT } from '../e2e/helpers.js';

const elfOf = (board: string, app: string) => join(ROOT, 'build', board, `${app}.elf`);

async function ensureBuilt(board: string, app: string): Promise<void> {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('make', ['-s', `BOARD=${board}`, `build/${board}/${app}.elf`], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

async function followed(args: string[], capture: string): Promise<string> {
  const r = await cli([...args, '-o', capture, '--force'], { timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
  // the summary is on stderr, so stdout holds records only
  expect(r.stderr).toMatch(/identity: generated = decoded \+ dropped \+ overwritten \+ link_lost \+ rejected holds/);
  expect(r.stdout).not.toMatch(/^capture: /m);
  return r.stdout;
}

async function decoded(capture: string, args: string[]): Promise<string> {
  const r = await cli(['decode', capture, ...args], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('run --follow', () => {
  it('two cores (an521 demo): the followed records equal the offline decode of the capture, names from the run ELF', async () => {
    await ensureBuilt('qemu-mps2-an521', 'demo');
    const capture = join(artifactDir('follow'), 'an521-demo.tpt');
    const elf = elfOf('qemu-mps2-an521', 'demo');
    const out = await followed(['run', elf, '--duration', '1.5', '--follow'], capture);
    expect(out).toBe(await decoded(capture, ['--elf', elf]));
    expect(out).toMatch(/^header v2/m);
    expect(out).toMatch(/ core 1 span_begin filter$/m);
    expect(out).toMatch(/ core 0 event {6}work_done iteration=1 checksum=\d+$/m);
    expect(out).toMatch(/ status FINAL /);
  });

  it('filters by kind, core, level and name glob, the same way decode does', async () => {
    await ensureBuilt('qemu-mps2-an521', 'demo');
    const capture = join(artifactDir('follow'), 'an521-filtered.tpt');
    const elf = elfOf('qemu-mps2-an521', 'demo');
    const filters = ['--kind', 'log,mark', '--level', 'debug', '--core', '0'];
    const out = await followed(['run', elf, '--duration', '1.5', '--follow', ...filters], capture);
    expect(out).toBe(await decoded(capture, ['--elf', elf, ...filters]));
    const got = lines(out);
    expect(got.filter((l) => / core 0 mark {7}boot$/.test(l))).toHaveLength(1);
    expect(got.filter((l) => / core 0 log {8}demo on qemu-mps2-an521: 2 core\(s\), tick 1000 Hz$/.test(l))).toHaveLength(1);
    // a debug line per hundred iterations, each after its mark
    expect(got.filter((l) => / DEBUG iteration \d+00: checksum [0-9a-f]{8}$/.test(l)).length).toBe(got.filter((l) => / mark {7}hundred$/.test(l)).length);
    expect(got.filter((l) => / core 1 |TRACE| event | span_| isr_|^header/.test(l))).toEqual([]);

    // the same capture through other filters: decode is the reference for the follow output
    const warn = lines(await decoded(capture, ['--elf', elf, '--kind', 'log', '--level', 'warn']));
    expect(warn.filter((l) => /DEBUG|TRACE| demo on /.test(l))).toEqual([]);
    const byName = lines(await decoded(capture, ['--elf', elf, '--name', 'work*', '--kind', 'event,span']));
    expect(byName.length).toBeGreaterThan(0);
    expect(byName.filter((l) => !/ (span_begin|span_end) +work$| event {6}work_done /.test(l))).toEqual([]);
  });

  it('device strings go through escapeText: one line per record, no terminal control', async () => {
    const capture = join(artifactDir('follow'), 'hostile.tpt');
    const elf = elfOf('qemu-mps2-an385', 'hostile_strings');
    const out = await followed(['run', elf, '--follow'], capture);
    expect(out).toBe(await decoded(capture, ['--elf', elf]));
    expect(out).not.toMatch(/[\x1b\x9b\r\u202e]/);
    expect(out).toContain('\\u001b');
  });

  it('--site appends the call site from the ELF', async () => {
    const capture = join(artifactDir('follow'), 'meta-site.tpt');
    const elf = elfOf('qemu-mps2-an385', 'meta_demo');
    const out = await followed(['run', elf, '--follow', '--site', '--kind', 'log'], capture);
    expect(out).toBe(await decoded(capture, ['--elf', elf, '--site', '--kind', 'log']));
    expect(out).toMatch(/ log {8}meta_demo start {2}@ apps\/meta_demo\/main\.c:\d+$/m);
  });

  it('filter options without --follow, and unknown kinds or levels, are one usage line', async () => {
    const elf = elfOf('qemu-mps2-an385', 'demo');
    for (const [args, msg] of [
      [['run', elf, '--level', 'warn'], /--level goes with --follow/],
      [['run', elf, '--follow', '--kind', 'frobs'], /unknown kind 'frobs' for --kind/],
      [['decode', join(ROOT, 'build', 'demo.tpt'), '--level', 'loud'], /unknown level 'loud' for --level/],
    ] as [string[], RegExp][]) {
      const r = await cli(args, { timeoutMs: 30_000 });
      expect(r.code).not.toBe(0);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe('capture --follow', () => {
  it('a target on a port (a QEMU pty): followed with --elf, equal to the offline decode', async () => {
    const elf = elfOf('qemu-mps2-an385', 'meta_demo');
    const q = await startQemu({ emulator: emulatorOf(), elf });
    try {
      const capture = join(artifactDir('follow'), 'capture-port.tpt');
      const out = await followed(['capture', '--port', q.ptyPath, '--elf', elf, '--follow', '--duration', '3'], capture);
      expect(out).toBe(await decoded(capture, ['--elf', elf]));
      expect(out).toMatch(/ log {8}meta_demo start$/m);
    } finally {
      await q.stop(500);
    }
  });
});

describe('dump --follow', () => {
  it('the dumped ring, followed, equals the offline decode of the dump file', async () => {
    const capture = join(artifactDir('follow'), 'flight.tpt');
    const elf = elfOf('qemu-mps2-an385', 'flight_recorder');
    const out = await followed(['dump', '--board', 'qemu-mps2-an385', elf, '--after', '0.5', '--follow'], capture);
    expect(out).toBe(await decoded(capture, ['--elf', elf]));
    expect(out).toMatch(/ status FINAL /);
  });
});

describe('recordFilter', () => {
  const ev = (over: Partial<TraceEvent>): TraceRecord => ({ type: 'event', session: 0, core: 0, seq: 0, ticks: 0n, tNs: 0n, kind: 'event', id: 7, args: [], ...over }) as TraceRecord;
  it('levels: at or above the asked severity; a log without a level counts as info', () => {
    const keep = recordFilter({ level: 'info' });
    expect(keep(ev({ kind: 'log', level: 'warn' } as Partial<TraceEvent>))).toBe(true);
    expect(keep(ev({ kind: 'log', level: 'info' } as Partial<TraceEvent>))).toBe(true);
    expect(keep(ev({ kind: 'log', level: 'debug' } as Partial<TraceEvent>))).toBe(false);
    expect(keep(ev({ kind: 'log' }))).toBe(true);
    expect(recordFilter({ level: 'warn' })(ev({ kind: 'log' }))).toBe(false);
    // other kinds are not logs: the level does not touch them
    expect(recordFilter({ level: 'error' })(ev({ kind: 'mark' }))).toBe(true);
  });
  it('names: globs on the name or the id; losses stay', () => {
    const keep = recordFilter({ name: ['mot?r_*,4*'] });
    expect(keep(ev({ name: 'motor_step' }))).toBe(true);
    expect(keep(ev({ name: 'rotor_step' }))).toBe(false);
    expect(keep(ev({ id: 42 }))).toBe(true);
    expect(keep(ev({ id: 7 }))).toBe(false);
    expect(keep({ type: 'loss', session: 0, core: 0, cause: 'dropped', count: 3, fromNs: 0n, toNs: 1n } as TraceRecord)).toBe(true);
  });
});
