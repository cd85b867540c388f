// Issue 10 §2: a failed write to stdout is one line and a non-zero exit (ENOSPC from
// /dev/full, EBADF from a read-only descriptor); a reader that goes away (EPIPE, `| head -1`)
// stays a quiet success. For decode, export to stdout, stats --json and view -o -.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BOARD, elf, requireBuilt } from '../e2e/helpers.js';
import { bigTrace, hostileDir, lines, sh, smallTrace } from './helpers.js';

const dir = hostileDir('stdout');
let small: string;
let big: string;

beforeAll(() => {
  small = smallTrace(dir);
  big = bigTrace(dir);
});

const commands = (file: string): [string, string][] => [
  ['decode', `decode ${file}`],
  ['decode --format jsonl', `decode --format jsonl ${file}`],
  ['export (jsonl to stdout)', `export --no-wall-clock ${file}`],
  ['export --format csv -o -', `export --format csv -o - ${file}`],
  ['stats --json', `stats --json ${file}`],
  ['view -o -', `view -o - ${file}`],
];

function errorLines(stderr: string): string[] {
  return lines(stderr).filter((l) => !/^tracepipe: (wall clock|wrote)/.test(l));
}

describe('stdout on /dev/full: one line, exit 1', () => {
  for (const [name, args] of commands('SMALL')) {
    it(name, async () => {
      const r = await sh(`$TP ${args.replace('SMALL', small)} > /dev/full`);
      expect(r.code).toBe(1);
      expect(errorLines(r.stderr)).toEqual(['tracepipe: cannot write stdout: no space left on device (ENOSPC)']);
    });
  }
});

describe('the summary of a live command on /dev/full: one line, exit 1', () => {
  it(`run (hostile_strings under QEMU, ${BOARD})`, async () => {
    requireBuilt('hostile_strings');
    const r = await sh(`$TP run --board ${BOARD} ${elf('hostile_strings')} -o ${dir}/run.tpt > /dev/full`);
    expect(r.code).toBe(1);
    expect(lines(r.stderr).filter((l) => !l.startsWith('target: '))).toEqual(['tracepipe: cannot write stdout: no space left on device (ENOSPC)']);
    // the capture itself is whole: it decodes with its FINAL status
    const d = await sh(`$TP decode ${dir}/run.tpt`);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/ status FINAL /);
  }, 90_000);
});

describe('stdout open read-only: one line, exit 1', () => {
  for (const [name, args] of commands('SMALL')) {
    it(name, async () => {
      const r = await sh(`$TP ${args.replace('SMALL', small)} 1< ${small}`);
      expect(r.code).toBe(1);
      expect(errorLines(r.stderr)).toEqual(['tracepipe: cannot write stdout: bad file descriptor (EBADF)']);
    });
  }
});

describe('stdout piped into head -1: quiet success', () => {
  for (const [name, args] of commands('BIG')) {
    it(name, async () => {
      const r = await sh(`($TP ${args.replace('BIG', big)}; echo $? > ${dir}/rc) | head -1`);
      expect(r.code).toBe(0);
      expect(lines(r.stdout)).toHaveLength(1);
      expect(readFileSync(join(dir, 'rc'), 'utf8').trim()).toBe('0');
      expect(errorLines(r.stderr)).toEqual([]);
    });
  }
});
