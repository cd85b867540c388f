// Issue 5 acceptance: metadata in the ELF. meta_demo (apps/meta_demo) has 30 call sites of
// every kind; `tracepipe run` captures it live through QEMU's pty, and `decode --elf` must
// print exactly test/meta/meta_demo.golden.txt (the time column is left out: it depends on
// the instruction count of the core, which is not what this test is about). Then: a stream
// from another build is rejected by build id, and .tp_meta costs no flash.
//
// To regenerate the golden after an intended change: TRACEPIPE_UPDATE_GOLDEN=1 npx vitest run test/meta
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { elfSymbols, findSection, parseElf32, PT_LOAD, SHF_ALLOC } from '../../host/src/core/elf.js';
import { loadMetadata } from '../../host/src/core/metadata.js';
import { parseGroundTruth } from '../../host/src/cli/ground-truth.js';
import { BOARD, ROOT, artifactDir, cli, elf, lines, requireBuilt, type CliResult } from '../e2e/helpers.js';

const GOLDEN = join(__dirname, 'meta_demo.golden.txt');
const TIME = /^\d+\.\d{9} /;
const CROSS = 'arm-none-eabi-';

function withoutTime(text: string): string[] {
  return lines(text).map((l) => {
    if (!TIME.test(l)) throw new Error(`line without a time column: ${l}`);
    return l.replace(TIME, '');
  });
}

describe('meta_demo: names and formatted logs from the ELF, end to end', () => {
  const dir = artifactDir('meta');
  const capture = join(dir, 'meta_demo.tpt');
  const semihost = join(dir, 'semihost.log');
  // Same app with 20 more call sites: another build id.
  const otherBuild = join(dir, 'build-extra');
  const otherElf = join(otherBuild, 'meta_demo.elf');
  let run: CliResult;

  beforeAll(async () => {
    requireBuilt('meta_demo');
    execFileSync(
      'make',
      ['-s', `BOARD=${BOARD}`, `BUILD=${otherBuild}`, 'BOARD_CFLAGS=-DMETA_DEMO_EXTRA=20', otherElf],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    run = await cli(
      ['run', '--board', BOARD, elf('meta_demo'), '-o', capture, '--semihost-log', semihost, '--elf', elf('meta_demo')],
      { timeoutMs: 60_000 },
    );
  }, 120_000);

  it('runs to completion with no loss; the firmware generated 43 records', () => {
    expect(run.stderr).not.toMatch(/tracepipe: (?!warning)/);
    expect(run.code).toBe(0);
    const gt = parseGroundTruth(readFileSync(semihost, 'utf8'));
    expect(gt.done).toBe(true);
    expect(gt.cores.map((g) => [g.core, g.generated, g.committed, g.dropped, g.rejected, g.overwritten])).toEqual([[0, 43, 43, 0, 0, 0]]);
  });

  it('decode --elf prints names and formatted logs equal to the golden file', async () => {
    const r = await cli(['decode', '--events-only', '--elf', elf('meta_demo'), capture]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = withoutTime(r.stdout);
    if (process.env.TRACEPIPE_UPDATE_GOLDEN) writeFileSync(GOLDEN, `${got.join('\n')}\n`);
    const want = lines(readFileSync(GOLDEN, 'utf8'));
    expect(got).toEqual(want);
    expect(want.length).toBe(43);
  });

  it("the golden's log lines are what the C library's printf prints for the same calls", () => {
    // apps/meta_demo/main.c built natively with TP_LOG = printf (printf_shim.h): an oracle
    // independent of the host formatter. The firmware cuts %s at TP_META_STR_MAX = 32 bytes.
    const exe = join(dir, 'printf-oracle');
    // board.h takes its TP_BOARD_* from the header make generates from board.json
    writeFileSync(join(dir, 'tp_board_gen.h'), execFileSync('node', ['firmware/tools/board_header.mjs', `boards/${BOARD}/board.json`], { cwd: ROOT }));
    execFileSync('gcc', ['-std=c11', '-O1', '-w', '-I', 'firmware/include', '-I', 'apps', '-I', `boards/${BOARD}`, '-I', dir,
      '-include', 'test/meta/printf_shim.h', 'apps/meta_demo/main.c', '-o', exe], { cwd: ROOT });
    const oracle = lines(execFileSync(exe, { encoding: 'utf8' }));
    const golden = lines(readFileSync(GOLDEN, 'utf8'))
      .filter((l) => l.startsWith('core 0 log '))
      .map((l) => l.replace(/^core 0 log +/, ''));
    expect(golden.length).toBe(oracle.length);
    golden.forEach((g, i) => {
      const want = oracle[i].startsWith('long ') ? oracle[i].slice(0, 'long '.length + 32) : oracle[i];
      expect(g).toBe(want);
    });
  });

  it('every golden line is what apps/meta_demo/main.c records, printed from its own source', () => {
    // The app built natively with each recording macro turned into a printf of its kind, name
    // and values (event_shim.h): the golden's event, field, span, counter, mark and ISR lines
    // get an expectation that the CLI did not write. Logs are cut at TP_META_STR_MAX as above.
    const exe = join(dir, 'event-oracle');
    writeFileSync(join(dir, 'tp_board_gen.h'), execFileSync('node', ['firmware/tools/board_header.mjs', `boards/${BOARD}/board.json`], { cwd: ROOT }));
    execFileSync('gcc', ['-std=gnu11', '-O1', '-w', '-I', 'firmware/include', '-I', 'apps', '-I', `boards/${BOARD}`, '-I', dir,
      '-include', 'test/meta/event_shim.h', 'apps/meta_demo/main.c', '-o', exe], { cwd: ROOT });
    const want = lines(execFileSync(exe, { encoding: 'utf8' })).map((l) => {
      const [kind, text] = l.split('\t');
      const t = kind === 'log' && text.startsWith('long ') ? text.slice(0, 'long '.length + 32) : text;
      return `core 0 ${kind.padEnd(10)} ${t}`;
    });
    expect(want.length).toBe(43);
    expect(lines(readFileSync(GOLDEN, 'utf8'))).toEqual(want);
  });

  it('without --elf the same events decode with raw ids and arguments', async () => {
    const r = await cli(['decode', '--events-only', capture]);
    expect(r.code).toBe(0);
    const raw = withoutTime(r.stdout);
    expect(raw.length).toBe(43);
    expect(raw.every((l) => / id=\d+/.test(l))).toBe(true);
    expect(r.stdout).not.toContain('motor_step');
  });

  it('decode --format jsonl --elf carries name, text and typed fields', async () => {
    const r = await cli(['decode', '--format', 'jsonl', '--events-only', '--elf', elf('meta_demo'), capture]);
    expect(r.code).toBe(0);
    const evs = lines(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    const sensor = evs.find((e) => e.name === 'sensor');
    expect(sensor?.fields).toEqual({ id: 3, delta: -7, raw: 4095, offset: -100000 });
    const adc = evs.filter((e) => e.name === 'adc ch%u = %d mV').map((e) => e.text);
    expect(adc).toEqual(['adc ch0 = 1200 mV', 'adc ch1 = -35 mV', 'adc ch2 = 3300 mV']);
  });

  it('stats --elf counts events per name', async () => {
    const r = await cli(['stats', '--elf', elf('meta_demo'), capture]);
    expect(r.code).toBe(0);
    const out = lines(r.stdout).map((l) => l.trim().replace(/\s+/g, ' '));
    expect(out).toContain('3 event motor_step');
    expect(out).toContain('3 log adc ch%u = %d mV');
    expect(out).toContain('3 span_begin filter');
    expect(out).toContain('1 isr_exit APP_TIMER');
  });

  it('an ELF of another build is rejected with one error line; --force decodes with one warning', async () => {
    const bad = await cli(['decode', '--events-only', '--elf', otherElf, capture]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(lines(bad.stderr)).toHaveLength(1);
    expect(bad.stderr).toMatch(/^tracepipe: build-id mismatch: the ELF has [0-9a-f]{40} but the stream has [0-9a-f]{40}/);
    expect(bad.stderr).toContain('--force');

    const forced = await cli(['decode', '--events-only', '--force', '--elf', otherElf, capture]);
    expect(forced.code).toBe(0);
    expect(lines(forced.stderr)).toHaveLength(1);
    expect(forced.stderr).toMatch(/warning: .*--force/);
    expect(withoutTime(forced.stdout)).toHaveLength(43);

    const badStats = await cli(['stats', '--elf', otherElf, capture]);
    expect(badStats.code).toBe(1);
    expect(badStats.stderr).toMatch(/build-id mismatch/);
  });

  it('.tp_meta and .tp_ids take 0 bytes of flash (readelf flags, size, program headers)', () => {
    const path = elf('meta_demo');
    const readelf = execFileSync(`${CROSS}readelf`, ['-S', '-W', path], { encoding: 'utf8' });
    // [Nr] Name Type Addr Off Size ES Flg Lk Inf Al
    const row = (name: string) => {
      const m = readelf.split('\n').find((l) => l.includes(` ${name} `));
      if (!m) throw new Error(`${name} missing from readelf -S`);
      const f = m.replace(/^.*\]\s*/, '').trim().split(/\s+/);
      return { size: parseInt(f[4], 16), flags: f.length === 10 ? f[6] : '' };
    };
    for (const name of ['.tp_meta', '.tp_ids']) {
      const r = row(name);
      expect(r.size).toBeGreaterThan(0);
      expect(r.flags).not.toContain('A');
    }
    // Berkeley text+data is what goes to flash: it must equal the sum of the allocated
    // sections with contents, which excludes the metadata.
    const berkeley = execFileSync(`${CROSS}size`, [path], { encoding: 'utf8' }).split('\n')[1].trim().split(/\s+/);
    const flash = Number(berkeley[0]) + Number(berkeley[1]);
    const e = parseElf32(readFileSync(path));
    const allocated = e.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0 && s.type !== 8).reduce((a, s) => a + s.size, 0);
    expect(flash).toBe(allocated);
    const meta = findSection(e, '.tp_meta')!;
    for (const p of e.programHeaders.filter((h) => h.type === PT_LOAD)) {
      expect(meta.offset >= p.offset + p.filesz || meta.offset + meta.size <= p.offset).toBe(true);
    }
    // and the flash image (what a programmer writes) holds no format, name or file string
    const image = join(dir, 'meta_demo.bin');
    execFileSync(`${CROSS}objcopy`, ['-O', 'binary', path, image]);
    const flashText = readFileSync(image).toString('latin1');
    expect(flashText.length).toBe(flash);
    for (const s of ['adc ch%u', 'motor_step', 'queue_depth', 'APP_TIMER', 'meta_demo/main.c']) {
      expect(flashText.includes(s)).toBe(false);
    }
    expect(readFileSync(path).toString('latin1').includes('adc ch%u')).toBe(true);
  });

  it('every descriptor id is its slot: span and counter ids equal their symbols in .tp_ids', () => {
    const bytes = readFileSync(elf('meta_demo'));
    const meta = loadMetadata(bytes);
    const e = parseElf32(bytes);
    const ids = findSection(e, '.tp_ids')!;
    const sym = new Map(elfSymbols(e).filter((s) => s.shndx === ids.index).map((s) => [s.name, s.value]));
    expect(meta.descriptors.find((d) => d.name === 'filter')?.id).toBe(sym.get('tp_span__filter'));
    expect(meta.descriptors.find((d) => d.name === 'battery')?.id).toBe(sym.get('tp_counter__battery'));
    // one slot per call site, ids dense from 0
    const slotIds = meta.descriptors.filter((d) => !d.fixedId).map((d) => d.id).sort((a, b) => a - b);
    expect(slotIds).toEqual([...Array(ids.size).keys()]);
    expect(slotIds.length).toBeGreaterThanOrEqual(20);
  });
});
