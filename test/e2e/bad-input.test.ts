// Issue 2 acceptance, bad input: a capture cut at an arbitrary byte decodes up to the cut with
// exactly one warning; anything that is not a trace, a missing file, an unknown board or a
// missing port gives one clear line and a non-zero exit, never a stack trace. The capture used
// is a real one: the demo firmware under QEMU, stopped by --duration (flush, then kill).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptureParser } from '../../host/src/core/capture-format.js';
import { BOARD, artifactDir, cli, elf, lines, requireBuilt, statsOf, type CliResult } from './helpers.js';

/** A deterministic pseudo-random generator (xorshift32): the same cuts on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

function rawStream(capture: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const p = new CaptureParser({ data: (_t, bytes) => parts.push(bytes.slice()) });
  p.push(capture);
  p.end();
  return Buffer.concat(parts);
}

/** File offset of the first received byte. */
function dataOffset(capture: Uint8Array): number {
  let first = -1;
  const p = new CaptureParser({ data: (_t, _bytes, offset) => void (first < 0 && (first = offset)) });
  p.push(capture);
  return first;
}

function expectOneErrorLine(r: CliResult, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBeNull();
  expect(r.stdout).toBe('');
  const err = lines(r.stderr);
  expect(err.length, r.stderr).toBe(1);
  expect(err[0]).toMatch(/^tracepipe: /);
  expect(err[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const eventsOf = (jsonl: string) =>
  lines(jsonl)
    .map((l) => JSON.parse(l) as { type: string })
    .filter((r) => r.type === 'event');

describe('bad input', () => {
  const dir = artifactDir('bad-input');
  const capture = join(dir, 'demo.tpt');
  let run: CliResult;
  let full: Uint8Array;
  let fullEvents: unknown[];
  let fullDecodeStderr: string;

  beforeAll(async () => {
    requireBuilt('demo');
    run = await cli(['run', '--board', BOARD, elf('demo'), '-o', capture, '--duration', '1.5'], { timeoutMs: 60_000 });
    full = readFileSync(capture);
    const d = await cli(['decode', '-f', 'jsonl', capture]);
    fullEvents = eventsOf(d.stdout);
    fullDecodeStderr = d.stderr;
  }, 90_000);

  it('a --duration run flushes and stops the target: every core closed, identity, no warning', async () => {
    expect(run.code, run.stderr).toBe(0);
    // CMD_STOP after the flush: the stream ends on a frame boundary, so decoding warns of nothing
    expect(fullDecodeStderr).toBe('');
    expect(run.stdout).toMatch(/stopped: duration reached/);
    expect(run.stderr).not.toMatch(/FINAL status/);
    const s = await statsOf(capture);
    expect(s.identity).toBe(true);
    expect(s.cores[0].decoded).toBeGreaterThan(100);
    expect(fullEvents.length).toBe(s.cores[0].decoded);
  });

  it('a capture cut at arbitrary bytes: the events before the cut, one warning line, exit 0', async () => {
    const next = rng(0x7ace);
    const firstData = dataOffset(full);
    // inside the preamble or the metadata: no trace data at all, one error line
    for (const cut of [5, 11, firstData - 20]) {
      const file = join(dir, `cut-${cut}.tpt`);
      writeFileSync(file, full.subarray(0, cut));
      expectOneErrorLine(await cli(['decode', '-f', 'jsonl', file]), /no trace data/);
    }
    // anywhere after the first 2000 received bytes
    const from = firstData + 2000;
    const cuts = Array.from({ length: 5 }, () => from + Math.floor(next() * (full.length - from)));
    for (const cut of cuts) {
      const file = join(dir, `cut-${cut}.tpt`);
      writeFileSync(file, full.subarray(0, cut));
      const r = await cli(['decode', '-f', 'jsonl', file]);
      expect(r.code, `cut ${cut}: ${r.stderr}`).toBe(0);
      const warn = lines(r.stderr);
      expect(warn.length, `cut ${cut}: ${r.stderr}`).toBe(1);
      expect(warn[0]).toMatch(/^tracepipe: warning: input cut short/);
      const got = eventsOf(r.stdout);
      expect(got.length).toBeGreaterThan(0);
      expect(got.length).toBeLessThanOrEqual(fullEvents.length);
      expect(got).toEqual(fullEvents.slice(0, got.length));
    }
  });

  it('a raw byte stream (like QEMU -serial file:) decodes the same, and a mid-frame cut gives one warning', async () => {
    const raw = rawStream(full);
    const rawFile = join(dir, 'demo.raw');
    writeFileSync(rawFile, raw);
    const r = await cli(['decode', '-f', 'jsonl', rawFile]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(eventsOf(r.stdout)).toEqual(fullEvents);
    // a cut inside a frame: the byte before the cut is not a delimiter
    let cut = Math.floor(raw.length * 0.61);
    while (raw[cut - 1] === 0) cut++;
    const cutFile = join(dir, 'demo-cut.raw');
    writeFileSync(cutFile, raw.subarray(0, cut));
    const c = await cli(['decode', '-f', 'jsonl', cutFile]);
    expect(c.code).toBe(0);
    expect(lines(c.stderr).length).toBe(1);
    expect(c.stderr).toMatch(/^tracepipe: warning: input cut short/);
    const got = eventsOf(c.stdout);
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(fullEvents.slice(0, got.length));
  });

  it('files that are not traces: one error line, non-zero exit, no stack trace', async () => {
    const next = rng(1234);
    const random = Buffer.from(Array.from({ length: 64 * 1024 }, () => Math.floor(next() * 256)));
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f5b0b30000000049454e44ae426082', 'hex'),
    ]);
    const cases: [string, Buffer | string][] = [
      ['random.bin', random],
      ['image.png', png],
      ['notes.txt', 'tracepipe capture notes\nline two\n'],
      ['empty.bin', Buffer.alloc(0)],
    ];
    for (const [name, content] of cases) {
      const file = join(dir, name);
      writeFileSync(file, content);
      for (const cmd of ['decode', 'stats']) {
        expectOneErrorLine(await cli([cmd, file]), /not a tracepipe trace|is empty/);
      }
    }
    expectOneErrorLine(await cli(['decode', join(dir, 'does-not-exist.tpt')]), /no such file/);
    const folder = join(dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    expectOneErrorLine(await cli(['stats', folder]), /folder/);
  });

  it('run with an unknown board lists the valid boards; a missing or non-ARM ELF is named', async () => {
    const r = await cli(['run', '--board', 'no-such-board', elf('demo')]);
    expectOneErrorLine(r, /unknown board 'no-such-board'.*qemu-mps2-an385/);
    expectOneErrorLine(await cli(['run', '--board', BOARD, join(dir, 'missing.elf')]), /missing\.elf: no such file/);
    const notElf = join(dir, 'not-firmware.elf');
    writeFileSync(notElf, 'this is not firmware\n');
    expectOneErrorLine(await cli(['run', '--board', BOARD, notElf]), /not-firmware\.elf is not an ELF file/);
    expectOneErrorLine(await cli(['run', '--board', BOARD, process.execPath]), /is not a 32-bit ARM ELF/);
    const noQemu = await cli(['run', '--board', BOARD, elf('demo'), '-o', join(dir, 'never.tpt')], {
      env: { TRACEPIPE_QEMU: '/nonexistent/qemu-system-arm' },
    });
    expectOneErrorLine(noQemu, /qemu-system-arm not found/);
  });

  it('usage errors exit 2 with one line', async () => {
    const r = await cli(['decode', '--format', 'xml', capture]);
    expectOneErrorLine(r, /unknown format 'xml'/);
    expect(r.code).toBe(2);
    const u = await cli(['run', '--duration', 'soon', elf('demo')]);
    expectOneErrorLine(u, /duration/);
    expect(u.code).toBe(2);
  });

  it('bad output paths and firmware of another board are one line, before any other output', async () => {
    const folder = join(dir, 'out-folder');
    mkdirSync(folder, { recursive: true });
    // a capture: without the early checks the wall-clock line came first
    expectOneErrorLine(await cli(['export', '-f', 'jsonl', '-o', folder, capture]), /out-folder is a folder/);
    expectOneErrorLine(await cli(['export', '-f', 'csv', '-o', join(dir, 'nope', 'x.csv'), capture]), /folder .*nope does not exist/);
    expectOneErrorLine(await cli(['export', '-f', 'ctf', capture]), /CTF is a folder/);
    expectOneErrorLine(await cli(['view', '-o', folder, capture]), /out-folder is a folder/);
    expectOneErrorLine(await cli(['view', '-o', join(dir, 'nope', 'v.html'), capture]), /does not exist/);
    // `make BOARD=x` puts firmware in build/x/: run on another board would lock the CPU up
    const built = join(dir, 'build', BOARD);
    mkdirSync(built, { recursive: true });
    writeFileSync(join(built, 'demo.elf'), readFileSync(elf('demo')));
    const r = await cli(['run', '--board', 'microbit', join(built, 'demo.elf'), '-o', join(dir, 'never.tpt')]);
    expectOneErrorLine(r, new RegExp(`built for board '${BOARD}', not 'microbit'`));
    const f = await cli(['flash', '--board', 'microbit', join(built, 'demo.elf'), '--out', join(dir, 'never.hex')]);
    expectOneErrorLine(f, /built for board/);
    const d = await cli(['dump', '--board', 'microbit', join(built, 'demo.elf'), '-o', join(dir, 'never.tpt')]);
    expectOneErrorLine(d, /built for board/);
    for (const cmd of ['capture', 'dump']) {
      expectOneErrorLine(await cli([cmd, '--port', folder, '-o', join(dir, 'never.tpt')]), /out-folder is a folder, not a serial port$/);
    }
  });
});
