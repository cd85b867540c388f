// The metadata macros check argument types at compile time (SPEC §11.4): each snippet below
// is compiled with the project's flags for the Cortex-M3 board; the wrong ones must fail to
// compile, with the reason in GCC's message, and the right one must compile.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'tp-meta-cc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function compile(body: string): { ok: boolean; stderr: string } {
  const file = join(dir, 'snippet.c');
  writeFileSync(
    file,
    `#include "tracepipe_meta.h"\nvoid snippet(unsigned u, int i, float f, const char *s, int *p, unsigned long long ull);\n` +
      `void snippet(unsigned u, int i, float f, const char *s, int *p, unsigned long long ull)\n{\n` +
      `(void)u; (void)i; (void)f; (void)s; (void)p; (void)ull;\n${body}\n}\n`,
  );
  const r = spawnSync(
    'arm-none-eabi-gcc',
    ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-ffreestanding', '-mcpu=cortex-m3', '-mthumb',
      '-I', join(ROOT, 'firmware', 'include'), '-c', file, '-o', join(dir, 'snippet.o')],
    { encoding: 'utf8' },
  );
  return { ok: r.status === 0, stderr: r.stderr };
}

describe('tracepipe_meta.h compile-time checks', () => {
  it('accepts correct call sites of every macro', () => {
    const r = compile(
      'TP_LOG("u=%u i=%d f=%f s=%s x=%08x ll=%llu", u, i, f, s, u, ull);\n' +
        'TP_LOG("no args");\n' +
        'TP_EVENT(ev, TP_U8(a, u), TP_I64(b, i), TP_F32(c, f), TP_STR(d, s));\n' +
        'TP_EVENT(empty);\nTP_MARK(here);',
    );
    expect(r.stderr).toBe('');
    expect(r.ok).toBe(true);
  });

  const wrong: [string, string, RegExp][] = [
    ['a string for %d', 'TP_LOG("%d", s);', /format '%d' expects argument of type 'int'/],
    ['an int for %s', 'TP_LOG("%s", i);', /format '%s' expects argument of type 'char \*'/],
    ['a 64-bit value for %u', 'TP_LOG("%u", ull);', /format '%u' expects/],
    ['too few arguments', 'TP_LOG("%d %d", i);', /expects a matching 'int' argument/],
    ['too many arguments', 'TP_LOG("%d", i, i);', /too many arguments for format/],
    ['a pointer other than char*', 'TP_LOG("%p", p);', /_Generic|not compatible with any association/],
    ['a float for an integer field', 'TP_EVENT(e, TP_U32(x, f));', /argument 0 has the wrong type/],
    ['an integer for a string field', 'TP_EVENT(e, TP_STR(x, i));', /argument 0 has the wrong type/],
    ['nine arguments', 'TP_LOG("%d%d%d%d%d%d%d%d%d", i, i, i, i, i, i, i, i, i);', /at most 8 arguments per call site/],
  ];
  for (const [what, body, reason] of wrong) {
    it(`rejects ${what}`, () => {
      const r = compile(body);
      expect(r.ok).toBe(false);
      expect(r.stderr).toMatch(reason);
    });
  }
});
