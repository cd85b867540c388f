// Exports with names and typed fields from a real firmware ELF: meta_demo built for the
// MPS2-AN385 and run under QEMU through the CLI, then exported with its metadata.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceDecoder } from '../../host/src/core/decoder.js';
import { loadMetadata, MetadataApplier, nameTable } from '../../host/src/core/metadata.js';
import type { CoreStats, TraceRecord } from '../../host/src/core/types.js';
import { ChromeJsonExporter } from '../../host/src/export/chrome.js';
import { CtfExporter } from '../../host/src/export/ctf.js';
import { fieldTable } from '../../host/src/export/elf-fields.js';
import { DirSinkFactory, MemorySink } from '../../host/src/export/sinks.js';
import { exportRecords } from '../../host/src/export/types.js';
import { readTraceInput } from '../../host/src/io/input.js';

const tmp = mkdtempSync(join(tmpdir(), 'tp-elf-export-'));
const elf = join(tmp, 'meta_demo.elf');
const trace = join(tmp, 'meta.tpt');
let records: TraceRecord[] = [];
let stats: CoreStats[] = [];
let applier: MetadataApplier;

beforeAll(async () => {
  // own build folder: never races another test's build of the same board
  const mk = spawnSync('make', ['-s', 'BOARD=qemu-mps2-an385', `BUILD=${tmp}`, elf], { encoding: 'utf8' });
  if (mk.status !== 0) throw new Error(`make failed: ${mk.stderr}`);
  const { build } = await import('esbuild');
  const cli = resolve('test-artifacts/cli-elf/tracepipe.cjs');
  await build({ entryPoints: ['host/src/bin.ts'], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: cli, external: ['@serialport/bindings-cpp'], logLevel: 'warning' });
  const run = spawnSync(process.execPath, [cli, 'run', '--board', 'qemu-mps2-an385', elf, '-o', trace, '--duration', '20'], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`run failed: ${run.stderr}`);
  applier = new MetadataApplier(loadMetadata(readFileSync(elf)), false, () => {});
  const decoder = new TraceDecoder((r) => records.push(applier.apply(r)));
  await readTraceInput(trace, { data: (bytes, hostNs) => decoder.push(bytes, hostNs) });
  decoder.end();
  stats = decoder.stats();
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('exports with ELF metadata (meta_demo under QEMU)', () => {
  it('CTF: event classes carry the ELF names and typed fields', () => {
    const dir = join(tmp, 'ctf');
    exportRecords(new CtfExporter(new DirSinkFactory(dir)), records, stats, { names: nameTable(applier.meta), fields: fieldTable(applier.meta) });
    const bt = spawnSync('babeltrace2', [dir], { encoding: 'utf8' });
    expect(bt.status).toBe(0);
    expect(bt.stdout.trim().split('\n').length).toBe(records.filter((r) => r.type === 'event').length);
    expect(bt.stdout).toMatch(/ sensor: \{ cpu_id = 0 \}, \{ id = \d+, id_2 = 3, delta = -7, raw = 4095, offset = -100000 \}/);
    expect(bt.stdout).toMatch(/ temperature: .*celsius = 21\.5, precise = 21\.12/);
    expect(bt.stdout).toMatch(/ big_numbers: .*total = 123456789012345, balance = -42 \}/);
    expect(bt.stdout).toMatch(/ label: .*text = "hello", n = 5 \}/);
    expect(bt.stdout).toMatch(/ filter_begin: /);
    expect(bt.stdout).toMatch(/ filter_end: /);
  });

  it('Chrome JSON: names, log text and typed fields', () => {
    const sink = new MemorySink();
    exportRecords(new ChromeJsonExporter(sink), records, stats, { names: nameTable(applier.meta) });
    const te = JSON.parse(sink.text()).traceEvents as { name: string; args?: Record<string, any> }[];
    const sensor = te.find((e) => e.name === 'sensor')!;
    expect(sensor.args!.fields).toEqual({ id: 3, delta: -7, raw: 4095, offset: -100000 });
    expect(te.some((e) => e.name === 'filter')).toBe(true);
    expect(te.some((e) => e.args?.text === 'hex beef BEEF 0000beef 0xff')).toBe(true);
  });
});
