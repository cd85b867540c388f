// Log levels (SPEC §11.2): TP_LOG_ERROR .. TP_LOG_TRACE put their level in the descriptor, and a
// call site below TP_LOG_LEVEL_MIN is gone from the object entirely: no descriptor, no format
// string, no call. Checked on objects built by arm-none-eabi-gcc with the project's flags, read
// with arm-none-eabi-nm/objdump and with the host's own descriptor parser.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSection, parseElf32, sectionData } from '../../host/src/core/elf.js';
import { parseDescriptors } from '../../host/src/core/metadata.js';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'tp-levels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// One function per level, so the code of each call site can be looked at on its own.
const SOURCE = `#include "tracepipe_meta.h"
void at_error(int v) { TP_LOG_ERROR("site error %d", v); }
void at_warn(int v) { TP_LOG_WARN("site warn %d", v); }
void at_info(int v) { TP_LOG_INFO("site info %d", v); }
void at_plain(int v) { TP_LOG("site plain %d", v); }
void at_debug(int v) { TP_LOG_DEBUG("site debug %d", v); }
void at_trace(void) { TP_LOG_TRACE("site trace"); }
`;

function build(min: string | undefined): string {
  const src = join(dir, 'levels.c');
  writeFileSync(src, SOURCE);
  const obj = join(dir, `levels-${min ?? 'default'}.o`);
  const r = spawnSync(
    'arm-none-eabi-gcc',
    ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-ffreestanding', '-mcpu=cortex-m3', '-mthumb',
      ...(min ? [`-DTP_LOG_LEVEL_MIN=${min}`] : []), '-I', join(ROOT, 'firmware', 'include'), '-c', src, '-o', obj],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return obj;
}

function tool(name: string, args: string[]): string {
  const r = spawnSync(name, args, { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** The descriptors of the object: format -> level. */
function levels(obj: string): Record<string, string | undefined> {
  const elf = parseElf32(readFileSync(obj));
  const sec = findSection(elf, '.tp_meta');
  const out: Record<string, string | undefined> = {};
  for (const d of sec ? parseDescriptors(sectionData(elf, sec)) : []) out[d.format] = d.level;
  return out;
}

/** The disassembly of one function. */
function body(obj: string, fn: string): string {
  return tool('arm-none-eabi-objdump', ['-d', `--disassemble=${fn}`, obj]);
}

describe('log levels in tracepipe_meta.h', () => {
  it('every level is in its descriptor; TP_LOG is info; nothing is removed by default', () => {
    const obj = build(undefined);
    expect(levels(obj)).toEqual({
      'site error %d': 'error',
      'site warn %d': 'warn',
      'site info %d': 'info',
      'site plain %d': 'info',
      'site debug %d': 'debug',
      'site trace': 'trace',
    });
    expect(tool('arm-none-eabi-nm', [obj]).match(/ tp__desc\.\d+$/gm)).toHaveLength(6);
    expect(body(obj, 'at_trace')).toMatch(/\bb(l|\.w)?\s+[0-9a-f]+ <tp_record>/);
  });

  it('TP_LOG_LEVEL_MIN=TP_LEVEL_WARN removes the info, debug and trace call sites: descriptor, string and call', () => {
    const obj = build('TP_LEVEL_WARN');
    expect(levels(obj)).toEqual({ 'site error %d': 'error', 'site warn %d': 'warn' });
    const nm = tool('arm-none-eabi-nm', [obj]);
    expect(nm.match(/ tp__desc\.\d+$/gm)).toHaveLength(2);
    expect(nm.match(/ tp__slot\.\d+$/gm)).toHaveLength(2);
    const bytes = readFileSync(obj).toString('latin1');
    for (const gone of ['site info', 'site plain', 'site debug', 'site trace']) expect(bytes).not.toContain(gone);
    expect(bytes).toContain('site warn %d');
    for (const fn of ['at_info', 'at_plain', 'at_debug', 'at_trace']) {
      const code = body(obj, fn);
      expect(code).toContain(`<${fn}>:`);
      expect(code).not.toContain('tp_record');
      // nothing but the return
      expect(code.trim().split('\n').filter((l) => /^\s+[0-9a-f]+:\t/.test(l)).map((l) => l.split('\t').slice(2).join(' ').trim())).toEqual(['bx lr']);
    }
    expect(body(obj, 'at_warn')).toContain('tp_record');
  });

  it('takes a number too: TP_LOG_LEVEL_MIN=1 keeps only errors', () => {
    expect(levels(build('1'))).toEqual({ 'site error %d': 'error' });
  });
});
