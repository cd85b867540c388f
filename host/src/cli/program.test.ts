// The commander program itself: commands exist, usage errors are CommanderErrors (bin.ts turns
// them into exit 2) written as one `tracepipe: ...` line, and command errors are thrown, not
// printed, so bin.ts is the only place that reports and exits.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliError, UsageError, errorLine } from './errors.js';
import { createProgram } from './program.js';

function program() {
  const out: string[] = [];
  const err: string[] = [];
  const p = createProgram({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  return { p, out, err };
}

async function parse(args: string[]) {
  const h = program();
  let error: unknown;
  try {
    await h.p.parseAsync(['node', 'tracepipe', ...args]);
  } catch (e) {
    error = e;
  }
  return { ...h, error };
}

describe('tracepipe program', () => {
  it('registers run, capture, decode, stats and demo', () => {
    const names = createProgram().commands.map((c) => c.name());
    for (const n of ['run', 'capture', 'decode', 'stats', 'demo']) expect(names).toContain(n);
  });

  it('tracepipe --help lists every command, each with a description', async () => {
    const all = ['run', 'capture', 'decode', 'stats', 'demo', 'export', 'view', 'flash', 'ports', 'dump'];
    const h = await parse(['--help']);
    const text = h.out.join('');
    const commands = text.slice(text.indexOf('Commands:'));
    expect(commands.length).toBeGreaterThan(0);
    for (const n of all) expect(commands).toMatch(new RegExp(`^  ${n} .*\\S`, 'm'));
    for (const c of createProgram().commands) expect(c.description().length, c.name()).toBeGreaterThan(10);
  });

  it('each call builds a fresh program', () => {
    expect(createProgram()).not.toBe(createProgram());
  });

  it('usage errors are CommanderErrors printed as one tracepipe: line', async () => {
    for (const args of [['frobnicate'], ['decode'], ['run', '--duration', 'soon', 'x.elf'], ['capture', '--baud', 'fast'], ['stats', '--bogus', 'f']]) {
      const r = await parse(args);
      expect(r.error, args.join(' ')).toBeInstanceOf(CommanderError);
      expect((r.error as CommanderError).exitCode).not.toBe(0);
      const text = r.err.join('');
      expect(text.split('\n').filter(Boolean).length, text).toBe(1);
      expect(text).toMatch(/^tracepipe: /);
    }
  });

  it('capture of a missing port is one clear error', async () => {
    const r = await parse(['capture', '--port', '/dev/tracepipe-no-such-port', '-o', join(tmpdir(), 'never.tpt')]);
    expect(r.error).toBeInstanceOf(CliError);
    expect(errorLine(r.error)).toBe('tracepipe: serial port /dev/tracepipe-no-such-port not found');
  });

  it('--help and --version are not errors', async () => {
    const h = await parse(['--help']);
    expect((h.error as CommanderError).exitCode).toBe(0);
    expect(h.out.join('')).toMatch(/decode/);
    const v = await parse(['--version']);
    expect((v.error as CommanderError).exitCode).toBe(0);
    expect(v.out.join('')).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('a bad --format is a UsageError (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-cli-'));
    const f = join(dir, 'x.bin');
    writeFileSync(f, Buffer.from([1, 2, 3]));
    const r = await parse(['decode', '--format', 'xml', f]);
    expect(r.error).toBeInstanceOf(UsageError);
    expect((r.error as UsageError).exitCode).toBe(2);
  });

  it('command failures are thrown as errors with one-line messages', async () => {
    const r = await parse(['stats', '/nonexistent/trace.tpt']);
    expect(r.error).toBeInstanceOf(Error);
    expect(errorLine(r.error)).toBe('tracepipe: /nonexistent/trace.tpt: no such file');
    const b = await parse(['run', '--board', 'no-such-board', 'x.elf']);
    expect(b.error).toBeInstanceOf(CliError);
    expect(errorLine(b.error)).toMatch(/^tracepipe: unknown board 'no-such-board'\. Valid boards for run: .*qemu-mps2-an385/);
  });

  it('errorLine folds a multi-line message into one line', () => {
    expect(errorLine(new Error('a\n  b\nc'))).toBe('tracepipe: a b c');
    expect(errorLine('plain')).toBe('tracepipe: plain');
  });
});
