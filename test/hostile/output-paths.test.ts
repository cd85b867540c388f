// Issue 10 §1: an output error never removes what -o names unless it is a regular file this
// run created. Symlinks (to /dev/full, to /dev/stdout), FIFOs, devices, missing and read-only
// folders, existing files, and -o naming the input through a symlink, each through the real
// CLI and file system. /dev/full itself is only ever reached through a symlink in a temp
// folder, so the old code (which removed the path) could only remove the symlink.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../e2e/helpers.js';
import { bigTrace, hostileDir, lines, sh, smallTrace } from './helpers.js';

const dir = hostileDir('output-paths');
let small: string;
let big: string;

beforeAll(() => {
  small = smallTrace(dir);
  big = bigTrace(dir);
});

/** Folder entries that look like a leftover temporary output. */
function leftovers(folder: string): string[] {
  return readdirSync(folder).filter((n) => n.endsWith('.tmp'));
}

function expectOneErrorLine(stderr: string, pattern: RegExp): void {
  const errs = lines(stderr).filter((l) => !l.startsWith('tracepipe: wall clock'));
  expect(errs, stderr).toHaveLength(1);
  expect(errs[0]).toMatch(/^tracepipe: /);
  expect(errs[0]).toMatch(pattern);
}

describe('-o through a symlink to /dev/full', () => {
  for (const format of ['csv', 'jsonl', 'perfetto', 'chrome']) {
    it(`export --format ${format}: one error line, exit 1, the symlink and /dev/full both survive`, async () => {
      const link = join(dir, `full-${format}`);
      symlinkSync('/dev/full', link);
      const r = await sh(`$TP export --format ${format} -o ${link} ${small}`);
      expect(r.code).toBe(1);
      expectOneErrorLine(r.stderr, /cannot write .*full-.*: no space left on device \(ENOSPC\)/);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe('/dev/full');
      expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
      // and again: the second run meets the same device, not a regular file left by the first
      const again = await sh(`$TP export --format ${format} -o ${link} ${small}`);
      expect(again.code).toBe(1);
      expect(statSync(link).isCharacterDevice()).toBe(true);
    });
  }

  it('view -o: the same', async () => {
    const link = join(dir, 'full.html');
    symlinkSync('/dev/full', link);
    const r = await sh(`$TP view -o ${link} ${small}`);
    expect(r.code).toBe(1);
    expectOneErrorLine(r.stderr, /no space left on device/);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });
});

describe('-o through a symlink to /dev/stdout, piped into head -1', () => {
  it('the reader going away is a quiet success (exit 0, no error line) and the symlink stays', async () => {
    const link = join(dir, 'stdout-link2');
    symlinkSync('/proc/self/fd/1', link);
    // sh has no PIPESTATUS: the exit status of tracepipe goes to a file.
    const r = await sh(`($TP export --format csv -o ${link} ${big}; echo $? > ${dir}/rc) | head -1`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^type,session,core,[^\n]*\n$/);
    expect(readFileSync(join(dir, 'rc'), 'utf8').trim()).toBe('0');
    expect(r.stderr.split('\n').filter((l) => l && !l.includes('wall clock'))).toEqual([]);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });
});

describe('-o a FIFO', () => {
  it('a reader reads everything; the FIFO stays a FIFO', async () => {
    const fifo = join(dir, 'pipe1');
    execFileSync('mkfifo', [fifo]);
    const r = await sh(`cat ${fifo} > ${dir}/fifo-copy & $TP export --format csv -o ${fifo} ${small}; rc=$?; wait; exit $rc`);
    expect(r.code).toBe(0);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    const copy = readFileSync(join(dir, 'fifo-copy'), 'utf8');
    const file = await sh(`$TP export --format csv -o ${dir}/fifo-ref.csv ${small}`);
    expect(file.code).toBe(0);
    expect(copy).toBe(readFileSync(join(dir, 'fifo-ref.csv'), 'utf8'));
    expect(lines(copy).filter((l) => l.startsWith('event,')).length).toBeGreaterThan(0);
  });

  it('a reader that leaves early: quiet success, the FIFO is not removed', async () => {
    const fifo = join(dir, 'pipe2');
    execFileSync('mkfifo', [fifo]);
    const r = await sh(`head -c 100 ${fifo} > /dev/null & $TP export --format csv -o ${fifo} ${big}; rc=$?; wait; exit $rc`);
    expect(r.code).toBe(0);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
});

describe('-o in a folder that does not exist', () => {
  for (const [format, name] of [['csv', 'x.csv'], ['jsonl', 'x.jsonl'], ['perfetto', 'x.perfetto-trace'], ['chrome', 'x.json'], ['ctf', 'x.ctf']] as const) {
    it(`export --format ${format}: one line, exit 1, nothing created`, async () => {
      const target = join(dir, 'missing', 'deeper', name);
      const r = await sh(`$TP export --format ${format} -o ${target} ${small}`);
      expect(r.code).toBe(1);
      expectOneErrorLine(r.stderr, /folder .*missing\/deeper does not exist/);
      expect(existsSync(join(dir, 'missing'))).toBe(false);
    });
  }

  it('view: the same', async () => {
    const r = await sh(`$TP view -o ${join(dir, 'missing', 'v.html')} ${small}`);
    expect(r.code).toBe(1);
    expectOneErrorLine(r.stderr, /does not exist/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});

describe('-o in a read-only folder (run as an unprivileged user when the suite is root)', () => {
  it('one line, exit 1, no file and no temporary file', async () => {
    const ro = join(dir, 'readonly');
    execFileSync('mkdir', [ro]);
    chmodSync(ro, 0o555);
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = await sh(`$TP export --format csv --no-wall-clock -o ${ro}/x.csv ${small}`, asUser);
    expect(r.code).toBe(1);
    expectOneErrorLine(r.stderr, /cannot write .*readonly\/.*permission denied \(EACCES\)/);
    expect(readdirSync(ro)).toEqual([]);
  });

  it('an existing file that is not writable is not replaced', async () => {
    const folder = join(dir, 'rofile');
    execFileSync('mkdir', [folder]);
    chmodSync(folder, 0o777);
    const file = join(folder, 'keep.csv');
    writeFileSync(file, 'precious\n');
    chmodSync(file, 0o444);
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = await sh(`$TP export --format csv --no-wall-clock -o ${file} ${small}`, asUser);
    expect(r.code).toBe(1);
    expectOneErrorLine(r.stderr, /permission denied \(EACCES\)/);
    expect(readFileSync(file, 'utf8')).toBe('precious\n');
    expect(leftovers(folder)).toEqual([]);
  });
});

describe('an export stopped by a signal', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} while the output is being written: no temporary file left, an earlier file whole`, async () => {
      // The input is a FIFO we keep open: the export has written its first MiB (so its
      // temporary file exists) and waits for more when the signal comes.
      const input = join(dir, `slow-${signal}`);
      execFileSync('mkfifo', [input]);
      const out = join(dir, `interrupted-${signal}.csv`);
      writeFileSync(out, 'precious\n');
      const child = spawn(process.execPath, [CLI, 'export', '--no-wall-clock', '--format', 'csv', input, '-o', out], { stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
      const writer = createWriteStream(input);
      writer.on('error', () => undefined); // EPIPE once the export is gone
      writer.write(readFileSync(big));
      const temp = () => readdirSync(dir).filter((n) => n.startsWith(`.interrupted-${signal}.csv.`));
      // (a writer in place would have cut the earlier file instead: wait for either)
      while (temp().length === 0 && readFileSync(out, 'utf8') === 'precious\n') await new Promise((r) => setTimeout(r, 20));
      child.kill(signal);
      expect(await exited).toBe(signal);
      writer.destroy();
      expect(temp()).toEqual([]);
      expect(readFileSync(out, 'utf8')).toBe('precious\n');
    });
  }
});

describe('-o an existing regular file', () => {
  it('a failed export leaves the earlier file whole', async () => {
    const out = join(dir, 'earlier.csv');
    writeFileSync(out, 'precious\n');
    const notTrace = join(dir, 'not-a-trace.bin');
    writeFileSync(notTrace, Buffer.alloc(4096, 0x55));
    const r = await sh(`$TP export --format csv -o ${out} ${notTrace}`);
    expect(r.code).toBe(1);
    expectOneErrorLine(r.stderr, /not a tracepipe trace/);
    expect(readFileSync(out, 'utf8')).toBe('precious\n');
    expect(leftovers(dir)).toEqual([]);
  });

  it('a successful export replaces it, keeps its permissions and leaves no temporary file', async () => {
    const out = join(dir, 'replace.csv');
    writeFileSync(out, 'old\n');
    chmodSync(out, 0o640);
    const r = await sh(`$TP export --format csv -o ${out} ${small}`);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toMatch(/^type,session,core,/);
    expect(statSync(out).mode & 0o777).toBe(0o640);
    expect(leftovers(dir)).toEqual([]);
  });

  it('-o naming the input through a symlink is refused and the input is untouched', async () => {
    const input = join(dir, 'input-copy.bin');
    writeFileSync(input, readFileSync(small));
    const alias = join(dir, 'input-alias.csv');
    symlinkSync(input, alias);
    const before = readFileSync(input);
    const r = await sh(`$TP export --format csv -o ${alias} ${input}`);
    expect(r.code).toBe(2);
    expectOneErrorLine(r.stderr, /is the input file/);
    expect(readFileSync(input).equals(before)).toBe(true);
  });
});
