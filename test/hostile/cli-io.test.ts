// Issue 14 §6 and issue 16 §6: `-` is stdin for every input and stdout for every output;
// `export` without -f takes its format from the -o ending (else jsonl); and the commands write
// through the streams given to runCli/createProgram, never process.stdout, so they run
// in-process here with failing streams of our own.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BOARD, elf, requireBuilt } from '../e2e/helpers.js';
import { hostileDir, inProcess, lines, sh, smallTrace } from './helpers.js';

const dir = hostileDir('cli-io');
let small: string;
let bytes: Buffer;

beforeAll(() => {
  small = smallTrace(dir);
  bytes = readFileSync(small);
});

describe('- is stdin', () => {
  it('decode - prints what decode <file> prints', async () => {
    const fromFile = await inProcess(['decode', small]);
    const fromStdin = await inProcess(['decode', '-'], { stdin: bytes });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    expect(lines(fromStdin.stdout).length).toBeGreaterThan(5);
  });

  it('decode - reads a pipe one byte at a time (the capture magic and frames split across reads)', async () => {
    const r = await inProcess(['decode', '-'], { pieces: [...bytes].map((b) => Uint8Array.of(b)) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await inProcess(['decode', small])).stdout);
  });

  it('stats -, export -, view - through a real shell pipe give the same results as from the file', async () => {
    const stats = await sh(`cat ${small} | $TP stats --json -`);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toBe((await sh(`$TP stats --json ${small}`)).stdout);
    const exp = await sh(`cat ${small} | $TP export - -o -`);
    expect(exp.code).toBe(0);
    const ref = await sh(`$TP export ${small}`);
    const body = (t: string) => lines(t).slice(1); // the schema line names the source
    expect(body(exp.stdout)).toEqual(body(ref.stdout));
    expect(JSON.parse(lines(exp.stdout)[0]).source).toBe('stdin');
    const view = await sh(`cat ${small} | $TP view - -o -`);
    expect(view.code).toBe(0);
    expect(view.stdout).toMatch(/^<!doctype html>/i);
    expect(view.stderr).toMatch(/tracepipe: wrote stdout \(\d+ of \d+ events\)/);
  });

  it('view - without -o is a usage error; an empty stdin is one line', async () => {
    const v = await inProcess(['view', '-'], { stdin: bytes });
    expect(v.code).toBe(2);
    expect(lines(v.stderr)).toEqual(['tracepipe: view of stdin: give the HTML file with -o (or -o - for stdout)']);
    const e = await inProcess(['decode', '-']);
    expect(e.code).toBe(1);
    expect(lines(e.stderr)).toEqual(['tracepipe: stdin is empty']);
  });

  it('no temporary copy of stdin is left behind', async () => {
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const r = await sh(`cat ${small} | TMPDIR=${tmp} $TP export - -o ${dir}/from-stdin.csv && ls -A ${tmp}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(join(dir, 'from-stdin.csv'), 'utf8').split('\n')[0]).toMatch(/^type,session,core,/);
  });
});

describe('view -o - is stdout', () => {
  it('writes the HTML to stdout and no file named -', async () => {
    const r = await sh(`$TP view -o - ${small} | head -c 15`, { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.toLowerCase()).toBe('<!doctype html>');
    expect(existsSync(join(dir, '-'))).toBe(false);
  });
});

describe('export without -f', () => {
  it.each([
    ['x.csv', /^type,session,core,/, 'csv'],
    ['x.json', /^\{"displayTimeUnit":"ns","traceEvents":\[/, 'chrome'],
    ['x.perfetto-trace', /^\n/, 'perfetto'],
    ['x.jsonl', /^\{"type":"schema"/, 'jsonl'],
    ['x.NDJSON', /^\{"type":"schema"/, 'jsonl'],
    ['x.txt', /^\{"type":"schema"/, 'jsonl'],
  ])('-o %s', async (name, head, format) => {
    const out = join(dir, name);
    const r = await inProcess(['export', '--no-wall-clock', small, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`wrote .*${name.replace('.', '\\.')} \\(${format}, \\d+ events\\)`));
    expect(readFileSync(out, 'utf8')).toMatch(head);
  });

  it('-o x.ctf and -o <existing folder> write CTF', async () => {
    const r = await inProcess(['export', '--no-wall-clock', small, '-o', join(dir, 'trace.ctf')]);
    expect(r.code).toBe(0);
    expect(statSync(join(dir, 'trace.ctf', 'metadata')).isFile()).toBe(true);
    const folder = join(dir, 'ctf-folder');
    mkdirSync(folder);
    const again = await inProcess(['export', '--no-wall-clock', small, '-o', folder]);
    expect(again.code).toBe(0);
    expect(statSync(join(folder, 'metadata')).isFile()).toBe(true);
  });

  it('no -o: jsonl on stdout', async () => {
    const r = await inProcess(['export', '--no-wall-clock', small]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toMatch(/^\{"type":"schema"/);
  });
});

describe('commands write through the injected streams', () => {
  afterEach(() => vi.restoreAllMocks());

  const cases: [string, string[]][] = [
    ['decode', ['decode', 'SMALL']],
    ['stats', ['stats', 'SMALL']],
    ['stats --json', ['stats', '--json', 'SMALL']],
    ['export', ['export', '--no-wall-clock', 'SMALL']],
    ['view -o -', ['view', '--no-wall-clock', '-o', '-', 'SMALL']],
    // commands that write plain lines (no StreamSink): CliIo checks those writes too
    ['ports', ['ports']],
    ['ports --json', ['ports', '--json']],
  ];

  for (const [name, args] of cases) {
    it(`${name}: never process.stdout; an ENOSPC stream is one line and exit 1; EPIPE is exit 0 and silent`, async () => {
      const argv = args.map((a) => (a === 'SMALL' ? small : a));
      const spy = vi.spyOn(process.stdout, 'write');
      const ok = await inProcess(argv);
      expect(ok.code).toBe(0);
      expect(ok.stdout.length).toBeGreaterThan(0);
      expect(spy).not.toHaveBeenCalled();
      const full = await inProcess(argv, { failStdout: 'ENOSPC' });
      expect(full.code).toBe(1);
      expect(lines(full.stderr).filter((l) => !l.includes('wrote stdout'))).toEqual(['tracepipe: cannot write stdout: failed on purpose (ENOSPC)']);
      const gone = await inProcess(argv, { failStdout: 'EPIPE' });
      expect(gone.code).toBe(0);
      expect(gone.stderr).toBe('');
    });
  }
});

describe('live commands write their summary through the injected stdout', () => {
  afterEach(() => vi.restoreAllMocks());

  it(`run (hostile_strings under QEMU, ${BOARD}) in-process`, async () => {
    requireBuilt('hostile_strings');
    const spy = vi.spyOn(process.stdout, 'write');
    const capture = join(dir, 'run.tpt');
    const r = await inProcess(['run', '--board', BOARD, elf('hostile_strings'), '-o', capture]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toMatch(new RegExp(`^capture: ${capture} \\(\\d+ bytes in [\\d.]+ s; stopped: firmware exited\\)$`));
    expect(r.stdout).toContain('ground truth core 0: firmware (recorder counters) generated=5 committed=5 dropped=0 rejected=0; recorder counters overwritten=0 (host agrees)');
    expect(spy).not.toHaveBeenCalled();
  }, 90_000);
});

describe('a file literally named -', () => {
  it('is read as ./-', async () => {
    writeFileSync(join(dir, '-'), bytes);
    const r = await sh(`$TP decode ./- | head -1`, { cwd: dir });
    expect(r.stdout).toMatch(/^header v2/);
  });
});
