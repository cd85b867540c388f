// Exports with names and typed values from a real firmware ELF (issue 14 item 2): meta_demo
// built for the MPS2-AN385 and run under QEMU through the CLI, then exported with `--elf`
// in every structured format. The expected values are the C arguments of apps/meta_demo/main.c,
// written here by hand (not taken from the decoder): signed as signed, floats as numbers,
// strings as strings, 64-bit exact. Without `--elf` each format says its values are raw.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvLine } from '../../host/src/export/csv.js';
import { tuiViewPlugin } from '../../host/build-plugins.mjs';
import { parseText, protocDecode, readTrace } from './perfetto-text.js';

const tmp = mkdtempSync(join(tmpdir(), 'tp-elf-export-'));
const elf = join(tmp, 'meta_demo.elf');
const trace = join(tmp, 'meta.tpt');
const cli = resolve('test-artifacts/cli-elf/tracepipe.cjs');

function tp(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`tracepipe ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  // own build folder: never races another test's build of the same board
  const mk = spawnSync('make', ['-s', 'BOARD=qemu-mps2-an385', `BUILD=${tmp}`, elf], { encoding: 'utf8' });
  if (mk.status !== 0) throw new Error(`make failed: ${mk.stderr}`);
  const { build } = await import('esbuild');
  await build({ entryPoints: ['host/src/bin.ts'], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: cli, external: ['@serialport/bindings-cpp'], logLevel: 'warning', plugins: [tuiViewPlugin] });
  const run = spawnSync(process.execPath, [cli, 'run', '--board', 'qemu-mps2-an385', elf, '-o', trace, '--duration', '20'], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`run failed: ${run.stderr}`);
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Log call sites of meta_demo by format, with the typed values their C arguments have. */
const LOGS: Record<string, (number | string)[]> = {
  'hex %x %X %08x %#x': [0xbeef, 0xbeef, 0xbeef, 255],
  'dec [%5d][%-5d][%05d][%+d][% d][%.3d]': [42, 42, -42, 7, 7, 5],
  'unsigned %u %u': [0, 4000000000],
  'chars %c%c%c [%3c]': [97, 98, 99, 122],
  'widths u8=%hhu i8=%hhd u16=%hu i16=%hd': [200, -56, 65535, -1],
  // past 2^53: decimal strings (the JSONL convention for 64-bit values)
  '64-bit %llu %lld %llx': ['18446744073709551615', '-9000000000000000000', '81985529216486895'],
  'name=%s len=%u': ['motor-A', 7],
  'str [%.3s][%8s][%-8s]': ['abcdef', 'right', 'left'],
  'float %f %.2f %8.3f %e': [3.14159, 2.5, -0.33333334, 12345.678],
  'double %.9f %.3e': [2.718281828459045, 6.02214076e23],
  'eight %d %d %d %d %d %d %d %d': [1, 2, 3, 4, 5, 6, 7, 8],
  'meta_demo start': [],
};
const asFields = (vals: (number | string)[]) => Object.fromEntries(vals.map((v, i) => [`a${i}`, v]));

describe('exports with ELF metadata carry typed values (meta_demo under QEMU)', () => {
  it('JSONL: logs, events and counters have typed fields by name; the schema says typed, or raw without --elf', () => {
    const lines = tp('export', trace, '-f', 'jsonl', '--elf', elf).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'schema', values: 'typed' });
    const events = lines.filter((l) => l.type === 'event');
    for (const [format, vals] of Object.entries(LOGS)) {
      const e = events.find((x) => x.kind === 'log' && x.name === format);
      expect(e, format).toBeDefined();
      expect(e.fields).toEqual(asFields(vals));
    }
    // the wire words stay in args: zigzag for signed
    expect(events.find((x) => x.name?.startsWith('dec ')).args).toEqual([84, 84, 83, 14, 14, 10]);
    const adc = events.filter((x) => x.name === 'adc ch%u = %d mV');
    expect(adc.map((x) => x.fields)).toEqual([{ a0: 0, a1: 1200 }, { a0: 1, a1: -35 }, { a0: 2, a1: 3300 }]);
    expect(adc.map((x) => x.text)).toEqual(['adc ch0 = 1200 mV', 'adc ch1 = -35 mV', 'adc ch2 = 3300 mV']);
    expect(events.find((x) => x.name === 'sensor').fields).toEqual({ id: 3, delta: -7, raw: 4095, offset: -100000 });
    expect(events.find((x) => x.name === 'temperature').fields).toEqual({ celsius: 21.5, precise: 21.123456789 });
    expect(events.find((x) => x.name === 'big_numbers').fields).toEqual({ total: 123456789012345, balance: -42 });
    expect(events.find((x) => x.name === 'label').fields).toEqual({ text: 'hello', n: 5 });
    const battery = events.find((x) => x.name === 'battery');
    expect(battery).toMatchObject({ kind: 'counter', fields: { value: 3300 }, unit: 'mV' });
    expect(events.filter((x) => x.name === 'queue_depth').map((x) => [x.fields.value, x.unit])).toEqual([[2, 'items'], [3, 'items'], [4, 'items']]);
    const raw = tp('export', trace, '-f', 'jsonl').trim().split('\n').map((l) => JSON.parse(l));
    expect(raw[0]).toMatchObject({ type: 'schema', values: 'raw' });
    expect(raw.some((l) => l.fields !== undefined)).toBe(false);
  });

  it('CSV: a0… typed, named in arg_names, units, wire words in args_raw; values column says typed or raw', () => {
    const rows = tp('export', trace, '-f', 'csv', '--elf', elf).trimEnd().split('\r\n').map(parseCsvLine);
    const cols = rows[0];
    const body = rows.slice(1).map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i]])));
    const row = (name: string) => body.find((r) => r.name === name)!;
    const dec = row('dec [%5d][%-5d][%05d][%+d][% d][%.3d]');
    expect([dec.a0, dec.a1, dec.a2, dec.a3, dec.a4, dec.a5]).toEqual(['42', '42', '-42', '7', '7', '5']);
    expect(dec).toMatchObject({ values: 'typed', arg_names: 'a0;a1;a2;a3;a4;a5', args_raw: '84 84 83 14 14 10', text: 'dec [   42][42   ][-0042][+7][ 7][005]' });
    const big = row('64-bit %llu %lld %llx');
    expect([big.a0, big.a1, big.a2]).toEqual(['18446744073709551615', '-9000000000000000000', '81985529216486895']);
    const fl = row('float %f %.2f %8.3f %e');
    expect([fl.a0, fl.a1, fl.a2, fl.a3]).toEqual(['3.14159', '2.5', '-0.33333334', '12345.678']);
    expect(row('name=%s len=%u')).toMatchObject({ a0: 'motor-A', a1: '7' });
    const eight = row('eight %d %d %d %d %d %d %d %d');
    expect([eight.a6, eight.a7]).toEqual(['7', '8']);
    expect(row('sensor')).toMatchObject({ a0: '3', a1: '-7', a2: '4095', a3: '-100000', arg_names: 'id;delta;raw;offset' });
    expect(row('battery')).toMatchObject({ a0: '3300', unit: 'mV', arg_names: 'value' });
    const rawRows = tp('export', trace, '-f', 'csv').trimEnd().split('\r\n').map(parseCsvLine).slice(1);
    const ev = rawRows.filter((r) => r[0] === 'event');
    expect(ev.every((r) => r[cols.indexOf('values')] === 'raw')).toBe(true);
    expect(ev.some((r) => r.slice(cols.indexOf('a0'), cols.indexOf('a0') + 6).join(' ') === '84 84 83 14 14 10')).toBe(true);
  });

  it('Chrome JSON: typed fields (1200 mV, not the wire 2400), counter tracks with units; raw words only with --raw', () => {
    type Te = { name: string; ph: string; args?: Record<string, any> };
    const doc = JSON.parse(tp('export', trace, '-f', 'chrome', '--elf', elf));
    const te = doc.traceEvents as Te[];
    expect(doc.metadata.values).toBe('typed');
    const adc = te.filter((e) => e.name === 'adc ch%u = %d mV');
    expect(adc.map((e) => e.args!.fields)).toEqual([{ a0: 0, a1: 1200 }, { a0: 1, a1: -35 }, { a0: 2, a1: 3300 }]);
    expect(adc.every((e) => e.args!.a1 === undefined && e.args!.args_raw === undefined)).toBe(true);
    expect(te.find((e) => e.name === 'float %f %.2f %8.3f %e')!.args!.fields).toEqual(asFields(LOGS['float %f %.2f %8.3f %e']));
    expect(te.find((e) => e.name === 'sensor')!.args!.fields).toEqual({ id: 3, delta: -7, raw: 4095, offset: -100000 });
    const battery = te.filter((e) => e.ph === 'C' && e.name === 'core0 battery (mV)');
    expect(battery.map((e) => e.args!.value)).toEqual([3300]);
    const withRaw = JSON.parse(tp('export', trace, '-f', 'chrome', '--elf', elf, '--raw')).traceEvents as Te[];
    expect(withRaw.filter((e) => e.name === 'adc ch%u = %d mV').map((e) => e.args!.args_raw)).toEqual([[0, 2400], [1, 69], [2, 6600]]);
    const raw = JSON.parse(tp('export', trace, '-f', 'chrome'));
    expect(raw.metadata.values).toBe('raw');
  });

  it('Perfetto protobuf (read by protoc): typed annotations by name, signed as int, floats as double, strings; counters with units; raw words only with --raw', () => {
    const file = join(tmp, 'meta.perfetto-trace');
    tp('export', trace, '-o', file, '--elf', elf);
    const { tracks, events } = readTrace(parseText(protocDecode(file)));
    const args = (name: string) => events.filter((e) => e.name === name).map((e) => Object.fromEntries(e.args));
    expect(args('adc ch%u = %d mV')).toEqual([
      { text: 'adc ch0 = 1200 mV', a0: '0', a1: '1200' },
      { text: 'adc ch1 = -35 mV', a0: '1', a1: '-35' },
      { text: 'adc ch2 = 3300 mV', a0: '2', a1: '3300' },
    ]);
    expect(args('64-bit %llu %lld %llx')[0]).toMatchObject({ a0: '18446744073709551615', a1: '-9000000000000000000', a2: '81985529216486895' });
    expect(args('name=%s len=%u')[0]).toMatchObject({ a0: 'motor-A', a1: '7' });
    expect(Number(args('float %f %.2f %8.3f %e')[0].a0)).toBeCloseTo(3.14159, 5);
    expect(args('sensor')[0]).toEqual({ text: 'sensor id=3 delta=-7 raw=4095 offset=-100000', id: '3', delta: '-7', raw: '4095', offset: '-100000' });
    const battery = [...tracks.values()].find((t) => t.name === 'core0 battery (mV)')!;
    expect(events.filter((e) => e.track === battery.uuid).map((e) => e.counter)).toEqual(['3300']);
    const info = (f: string) => readTrace(parseText(protocDecode(f))).events.find((e) => e.name === 'trace')!;
    expect(info(file).args.get('values')).toBe('typed');
    const withRaw = join(tmp, 'meta-raw.perfetto-trace');
    tp('export', trace, '-o', withRaw, '--elf', elf, '--raw');
    expect(readTrace(parseText(protocDecode(withRaw))).events.filter((e) => e.name === 'adc ch%u = %d mV').map((e) => e.args.get('raw1'))).toEqual(['2400', '69', '6600']);
    const raw = join(tmp, 'meta-none.perfetto-trace');
    tp('export', trace, '-o', raw);
    expect(info(raw).args.get('values')).toBe('raw');
  });

  it('CTF: babeltrace2 prints decoded values under real names; log classes are log_<id> with format and call site', () => {
    const dir = join(tmp, 'ctf');
    spawnSync(process.execPath, [cli, 'export', trace, '-f', 'ctf', '-o', dir, '--elf', elf], { encoding: 'utf8' });
    const bt = spawnSync('babeltrace2', [dir], { encoding: 'utf8' });
    expect(bt.status).toBe(0);
    expect(bt.stderr).toBe('');
    const out = bt.stdout;
    expect(out.trim().split('\n')).toHaveLength(43);
    expect(out).toMatch(/ log_\d+: \{ cpu_id = 0 \}, \{ id = \d+, a0 = 42, a1 = 42, a2 = -42, a3 = 7, a4 = 7, a5 = 5, text = "dec \[   42\]\[42   \]\[-0042\]\[\+7\]\[ 7\]\[005\]" \}/);
    expect(out).toMatch(/ log_\d+: .*a0 = 0, a1 = 1200, text = "adc ch0 = 1200 mV" \}/);
    expect(out).toMatch(/ log_\d+: .*a0 = 1, a1 = -35, text = "adc ch1 = -35 mV" \}/);
    expect(out).toMatch(/ log_\d+: .*a0 = 18446744073709551615, a1 = -9000000000000000000, a2 = 81985529216486895, /);
    expect(out).toMatch(/ log_\d+: .*a0 = 3\.14159, a1 = 2\.5, a2 = -0\.33333\d*, a3 = 12345\.\d+, /);
    expect(out).toMatch(/ log_\d+: .*a0 = "motor-A", a1 = 7, text = "name=motor-A len=7" \}/);
    expect(out).toMatch(/ log_\d+: .*a0 = 200, a1 = -56, a2 = 65535, a3 = -1, /);
    expect(out).toMatch(/ sensor: \{ cpu_id = 0 \}, \{ id = \d+, id_2 = 3, delta = -7, raw = 4095, offset = -100000 \}/);
    expect(out).toMatch(/ temperature: .*celsius = 21\.5, precise = 21\.12/);
    expect(out).toMatch(/ big_numbers: .*total = 123456789012345, balance = -42 \}/);
    expect(out).toMatch(/ label: .*text = "hello", n = 5 \}/);
    expect(out).toMatch(/ battery: .*value = 3300 \}/);
    expect(out).toMatch(/ filter_begin: /);
    expect(out).toMatch(/ filter_end: /);
    // no class is named by a format string
    for (const l of out.trim().split('\n')) expect(/\) ([^:]+): \{/.exec(l)![1]).not.toContain('%');
    const meta = readFileSync(join(dir, 'metadata'), 'utf8');
    expect(meta).toMatch(/\/\* format: adc ch%u = %d mV \*\/\nevent \{\n\tname = "log_\d+";\n\tid = \d+;\n\tmodel\.emf\.uri = "apps\/meta_demo\/main\.c:\d+";/);
    expect(meta).toContain('values = "typed";');
    expect(meta).toContain('unit_battery = "mV";');
    const rawDir = join(tmp, 'ctf-raw');
    spawnSync(process.execPath, [cli, 'export', trace, '-f', 'ctf', '-o', rawDir], { encoding: 'utf8' });
    expect(readFileSync(join(rawDir, 'metadata'), 'utf8')).toContain('values = "raw";');
  });
});
