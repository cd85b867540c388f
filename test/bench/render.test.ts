// bench/render.mjs turns results + bench/targets.json + bench/peers.json into BENCHMARKS.md.
// These tests check the renderer and the data files against each other on a small fixed
// results object; nothing is measured and no figure is timed.
import { describe, expect, it } from 'vitest';
import { METRICS, QUOTED_TARGETS, evaluate, loadData, render, verdictOf, type BenchData } from '../../bench/render.mjs';

const data = loadData();

const rec = (event2: number) => [{ kind: 'event0', n: 100096, insnsPerEvent: 20 }, { kind: 'event2', n: 100096, insnsPerEvent: event2 }];
const wireRun = (whole: number, bytes: number) => ({ n: 30000, wholeCpuInsnsPerEvent: whole * 2, wholeCpuBatchedInsnsPerEvent: whole, batch: 32, wireBytesPerEvent: bytes, uartBytes: 1, dropped: 0 });
const masked = (insns: number) => ({ wire: { small: {}, random: {} }, otherBytes: 0, badFrames: 0, masked: { method: 'dynamic (TCG plugin)', longestRuntime: { insns, fn: 'record_slow2', count: 1 }, longestInit: { insns: 500, fn: 'tp_init' } } });
/** bench/sections/maskedpaths.mjs's figures of one board: every stress run at insns. */
const paths = (insns: number) => ({
  paths: { stress_discard: 'drops', flight_recorder: 'CMD_DUMP' },
  builds: {
    '-O2': { opt: '-O2', profile: 'full', apps: { stress_discard: { insns, fn: 'turn', sections: 9 }, flight_recorder: { insns, fn: 'pump', sections: 9 } } },
    '-Os': { opt: '-Os', profile: 'full', apps: { stress_discard: { insns, fn: 'turn', sections: 9 }, flight_recorder: { insns, fn: 'pump', sections: 9 } } },
  },
});
const fp = (flash: number, ramPerCore: number) => ({
  typical: { flash, ram: 500, text: flash - 100, rodata: 100, data: 0, bss: 500, flashByObject: { 'firmware/src/tp_ring.o': flash } },
  allKinds: { flash: flash + 1000 },
  writerStatePerCore: 36,
  drainStatePerCoreMeasured: ramPerCore - 36,
  ramPerCore,
  packetHeaderInRing: 44,
});
const timing = (eventsPerS: number, mbPerS: number, rss: number) => ({ ok: true, runs: 3, medianWallS: 1, medianCpuS: 1, eventsPerS, eventsPerCpuS: eventsPerS, mbPerS, maxRssMB: rss });

/** A run where: record on M3 is exactly at issue 13's limit (25), M0 misses (40), the masked
 * section misses on one build only, microbit flash meets the full-profile limit but not 1.5 KB,
 * stats meets 40 M events/s but not 20× babeltrace2, nothing was measured for live or the
 * tiny profile, and the container sweep found no crash. */
function fixture() {
  const board = (cores: number, r2: number, whole: number, m: [number, number], f: ReturnType<typeof fp>) => ({
    cores,
    timerHz: 25_000_000,
    cpu: 'cortex-m3',
    opt: {
      '-O2': { record: rec(r2), wireSmall: wireRun(whole, 5.5), wireRandom: wireRun(whole * 2, 11.5), kinds: masked(m[0]) },
      '-Os': { record: rec(r2 + 1), wireSmall: wireRun(whole + 10, 5.5), wireRandom: wireRun(whole * 2 + 10, 11.5), kinds: masked(m[1]) },
    },
    footprint: f,
    maskedPaths: paths(40),
  });
  return {
    date: '2026-12-01T00:00:00.000Z',
    machine: { cpu: 'test', cores: 2, memGiB: 1, os: 'test', node: 'v20', qemu: 'q', gcc: 'g', babeltrace2: 'b', loadavgAtStart: [1, 1, 1] },
    config: { events: 1000, exportEvents: 1000, runs: 3, liveSeconds: 10 },
    elapsedS: 60,
    target: {
      boards: {
        'qemu-mps2-an385': board(1, 25, 150, [60, 64], fp(5000, 48)),
        microbit: board(1, 40, 300, [64, 64], fp(4096, 48)),
        'qemu-mps2-an521': board(2, 30, 200, [65, 50], fp(5500, 49)),
      },
    },
    host: {
      trace: { events: 1000, bytes: 7000 },
      decode: {
        runs: 3,
        maxRssMB: 100,
        accounting: { eventsPerS: 30e6, mbPerS: 200, decoded: 1000, medianS: 1, medianCpuS: 1 },
        objects: { eventsPerS: 8e6, mbPerS: 50, decoded: 1000, medianS: 1, medianCpuS: 1 },
      },
      stats: timing(40e6, 280, 100),
      decodeJsonl: timing(3e6, 21, 90),
      decodeText: { events: 1000, bytes: 7000, tracepipe: timing(1.5e6, 10, 80), babeltrace2: timing(0.5e6, 3, 20) },
      statsBig: { events: 10000, bytes: 70000, ...timing(40e6, 280, 151) },
      statsSmall: { events: 100, maxRssMB: 90 },
      exports: { events: 1000, bytes: 7000, runs: 1, formats: { ctf: timing(20e6, 140, 100), jsonl: timing(3e6, 21, 100) } },
      babeltrace2: { ...timing(4e6, 30, 20), ctfBytes: 100000 },
    },
    reliability: {
      v2: { file_bytes: 1000, mutations_tried: 400, crashes: 0, events_invented: 0, identity_failures: 0, refused: 1, bytes_lost_per_damaged_byte_median: 1, bytes_lost_per_damaged_byte_mean: 2.5, bytes_lost_per_damaged_byte_max: 9, events_lost_median: 3, events_lost_max: 40, by_kind: { flip: { mutations: 100, bytes_lost_per_damaged_byte_median: 0, events_lost_median: 2 } } },
      v1: { file_bytes: 900, mutations_tried: 400, crashes: 0, events_invented: 2, identity_failures: 0, bytes_lost_per_damaged_byte_median: 8, bytes_lost_per_damaged_byte_mean: 30, bytes_lost_per_damaged_byte_max: 900, events_lost_median: 10, events_lost_max: 400 },
    },
  };
}

const byId = (r: object, d: BenchData = data) => Object.fromEntries(evaluate(r, d.targets).map((e) => [e.id, e]));

describe('bench data files', () => {
  it('every target names a known metric, an issue with a title, a valid op and a unique id', () => {
    const ids = new Set<string>();
    for (const t of data.targets.targets) {
      expect(ids.has(t.id), t.id).toBe(false);
      ids.add(t.id);
      if (t.metric !== null) expect(Object.keys(METRICS), t.id).toContain(t.metric);
      expect(Object.keys(data.targets.issues), t.id).toContain(String(t.issue));
      expect(['<=', '>=', 'is'], t.id).toContain(t.op);
      expect(typeof t.limit === (t.op === 'is' ? 'boolean' : 'number'), t.id).toBe(true);
    }
  });

  it('every target the report quotes in its sections is in bench/targets.json', () => {
    const ids = data.targets.targets.map((t) => t.id);
    for (const id of QUOTED_TARGETS) expect(ids).toContain(id);
  });

  it('the issues\' headline targets are there with their limits', () => {
    const t = Object.fromEntries(data.targets.targets.map((x) => [x.id, x]));
    expect([t['i13.record.m3'].op, t['i13.record.m3'].limit]).toEqual(['<=', 25]);
    expect([t['i13.masked'].op, t['i13.masked'].limit]).toEqual(['<=', 64]);
    expect([t['i13.whole.m3.small'].op, t['i13.whole.m3.small'].limit]).toEqual(['<=', 150]);
    expect([t['i11.stats'].op, t['i11.stats'].limit]).toEqual(['>=', 40e6]);
    expect([t['i11.stats.bt2'].op, t['i11.stats.bt2'].limit]).toEqual(['>=', 20]);
  });
});

describe('met / missed', () => {
  it('verdictOf: limits are inclusive, a missing value is not measured', () => {
    expect(verdictOf('<=', 25, 25)).toBe(true);
    expect(verdictOf('<=', 25, 25.01)).toBe(false);
    expect(verdictOf('>=', 20, 20)).toBe(true);
    expect(verdictOf('>=', 20, 19.99)).toBe(false);
    expect(verdictOf('is', true, true)).toBe(true);
    expect(verdictOf('is', true, false)).toBe(false);
    expect(verdictOf('<=', 25, null)).toBe(null);
    expect(() => verdictOf('<', 25, 1)).toThrow(/unknown op/);
  });

  it('evaluates the fixture target by target', () => {
    const e = byId(fixture());
    expect(e['i13.record.m3'].ok).toBe(true); // exactly 25
    expect(e['i7.record'].ok).toBe(true);
    expect(e['i13.record.m0'].ok).toBe(false); // 40 > 32
    expect(e['i13.masked'].ok).toBe(false); // an521 -O2: 65
    expect(e['i13.masked'].value).toContain('qemu-mps2-an521 -O2');
    expect(e['i13.whole.m3.small'].ok).toBe(true); // 150
    expect(e['i13.whole.m0.small'].ok).toBe(true); // 300
    expect(e['i13.whole.m0.random'].ok).toBe(true); // 600
    expect(e['i13.flash.full'].ok).toBe(true); // 4096
    expect(e['i7.flash'].ok).toBe(false);
    expect(e['i13.flash.tiny'].ok).toBe(null);
    expect(e['i13.ram'].ok).toBe(false); // an521: 49
    expect(e['i7.ram'].ok).toBe(true);
    expect(e['i11.stats'].ok).toBe(true); // 40 M
    expect(e['i11.stats.bt2'].ok).toBe(false); // 10×
    expect(e['i11.stats.bt2'].value).toMatch(/^10\.00×/);
    expect(e['i11.jsonl'].ok).toBe(true); // decode jsonl at 3 M lines/s
    expect(e['i11.export.jsonl'].ok).toBe(true);
    expect(e['i11.rss.big'].ok).toBe(false); // 151 MB
    expect(e['i11.export.ctf'].ok).toBe(true);
    expect(e['i11.export.csv'].ok).toBe(null); // not in the fixture's exports
    expect(e['i11.decode.text.bt2'].ok).toBe(true); // 3×
    expect(e['i11.decode.text.bt2'].value).toMatch(/^3\.00×/);
    expect(e['i7.decode.bt2'].ok).toBe(false); // 2×
    expect(e['i7.memory'].ok).toBe(true);
    expect(e['i7.live'].ok).toBe(null);
    expect(e['i10.crashes'].ok).toBe(true);
    expect(e['i10.invented'].ok).toBe(false); // v1 invented 2
  });

  it('a masked-section figure missing from one build is not measured, not met', () => {
    const r = fixture();
    for (const b of Object.values(r.target.boards)) for (const o of Object.values(b.opt)) o.kinds = masked(10);
    expect(byId(r)['i13.masked'].ok).toBe(true);
    delete (r.target.boards.microbit.opt['-Os'] as { kinds?: unknown }).kinds;
    expect(byId(r)['i13.masked'].ok).toBe(null);
  });

  it('the masked section is the max over the stress paths too, and names the run', () => {
    const r = fixture();
    for (const b of Object.values(r.target.boards)) for (const o of Object.values(b.opt)) o.kinds = masked(10);
    r.target.boards.microbit.maskedPaths.builds['-Os'].apps.flight_recorder.insns = 65;
    const e = byId(r)['i13.masked'];
    expect(e.ok).toBe(false);
    expect(e.value).toMatch(/^65 insns \(microbit -Os flight_recorder, pump;/);
  });

  it('a stress-path run that failed leaves the masked section not measured, unless a figure already misses', () => {
    const r = fixture();
    for (const b of Object.values(r.target.boards)) for (const o of Object.values(b.opt)) o.kinds = masked(10);
    (r.target.boards['qemu-mps2-an521'].maskedPaths.builds['-O2'].apps as Record<string, unknown>).stress_discard = { error: 'qemu exited 1' };
    expect(byId(r)['i13.masked'].ok).toBe(null);
    expect(byId(r)['i13.masked'].value).toContain('not measured: qemu-mps2-an521 -O2 stress_discard');
    r.target.boards.microbit.opt['-O2'].kinds = masked(70);
    expect(byId(r)['i13.masked'].ok).toBe(false);
    expect(byId(r)['i13.masked'].value).toMatch(/^at least 70 insns/);
  });

  it('a limit changed in the data changes the verdict', () => {
    const d: BenchData = structuredClone(data);
    d.targets.targets.find((t) => t.id === 'i13.record.m3')!.limit = 24;
    expect(byId(fixture(), d)['i13.record.m3'].ok).toBe(false);
  });

  it('a target naming an unknown metric is an error, not a silent NOT MEASURED', () => {
    const d: BenchData = structuredClone(data);
    d.targets.targets.push({ ...d.targets.targets[0], id: 'x', metric: 'no.such.metric' });
    expect(() => evaluate(fixture(), d.targets)).toThrow(/unknown metric no\.such\.metric/);
  });
});

describe('render', () => {
  const md = render(fixture());
  const row = (start: string) => md.split('\n').find((l) => l.startsWith(`| ${start}`));

  it('prints each target with its verdict, grouped by issue', () => {
    expect(md).toContain('### Issue 13:');
    expect(md).toContain('### Issue 7:');
    expect(md.indexOf('### Issue 13:')).toBeLessThan(md.indexOf('### Issue 7:'));
    expect(row('≤ 25 insns record, 2-arg event as a call, M3 -O2')).toMatch(/\| 25\.0 insns \| \*\*MET\*\* \|$/);
    expect(row('≤ 32 insns record')).toMatch(/\*\*MISSED\*\* \|$/);
    expect(row('≤ 1.5 KB flash, core + UART transport, tiny profile')).toMatch(/\*\*NOT MEASURED\*\* \|$/);
    expect(row('≥ 40 M events/s `stats`')).toMatch(/\*\*MET\*\* \|$/);
    // a miss on a metric brings its explanation; a met metric brings none
    expect(md).toContain('- **Flash on M0.**'); // issue 7's 1.5 KB
    expect(md).toContain('- **Record cost.**'); // met on M3, missed on M0: the reason is M0's
    expect(md).toContain('On M0 (micro:bit)');
    expect(md).not.toContain('- **Live.**'); // not measured
    expect(row('0 events invented over every container mutation')).toMatch(/\| 2 \| \*\*MISSED\*\* \|$/);
  });

  it('carries every peer figure of bench/peers.json and the ratios to babeltrace2', () => {
    for (const t of data.peers.tracers) expect(row(t.name), t.name).toContain(`| ${t.record} | ${t.wire} | ${t.code} |`);
    expect(md).toContain(data.peers.babeltrace2.name);
    expect(row('`tracepipe stats`')).toMatch(/\| 10\.00× \|$/);
    expect(row('decode core, event objects')).toMatch(/\| 2\.00× \|$/);
  });

  it('renders the reliability table from the script\'s object, and "not measured" without it', () => {
    expect(row('v2 |')).toBe('| v2 | 1000 | 400 | 0 | 0 | 0 | 1 | 1.00 / 2.50 / 9.00 | 3 / 40 |');
    expect(row('v1 |')).toBe('| v1 | 900 | 400 | 0 | 2 | 0 | — | 8.00 / 30.00 / 900.00 | 10 / 400 |');
    expect(row('flip |')).toBe('| flip | 100, 0.00, 2 | — |');
    const r = fixture() as Partial<ReturnType<typeof fixture>>;
    delete r.reliability;
    expect(render(r)).toMatch(/## 8\. Reliability: damaged capture files\n\nNot measured\./);
    expect(render({ ...r, reliability: { notMeasured: 'bench/reliability.mjs is not in this tree' } })).toContain('Not measured (bench/reliability.mjs is not in this tree).');
  });

  it('renders the data section: export rate, size against the .tpt, the queries, Dask beside DuckDB, and the scaled-down label', () => {
    const d = {
      capture: { events: 2_000_000, generated: 2_010_000, link_lost: 10_000, tptBytes: 14e6, rawBytes: 13.9e6 },
      export: { wallS: 20, cpuS: 15, maxRssMB: 300, eventsPerS: 100_000, mbPerS: 0.7, datasetBytes: 21e6, bytesPerEvent: 10.5, vsTpt: 1.5 },
      dataset: { copies: 50, boards: 2, events: 100_000_000, asked: 100_000_000, method: 'one export of 2000000 events, its files hard-linked under 50 capture ids on 2 boards' },
      queries: {
        span: { ok: true, wallS: 40, cpuS: 60, maxRssMB: 900, rows: 2, spans: 6e6 },
        loss: { ok: true, wallS: 2, cpuS: 1, maxRssMB: 100, rows: 2, correct: true },
      },
      dask: { events: 500_000, workers: 2, partitions: 1, daskWallS: 30, daskCpuS: 10, duckdbWallS: 6, duckdbQueries: 4, agree: true },
    };
    const md1 = render({ ...fixture(), data: d });
    const row1 = (start: string) => md1.split('\n').find((l) => l.startsWith(`| ${start}`));
    expect(row1('`export --format parquet`')).toBe('| `export --format parquet` | 2.00 M | 20.00 | 15.00 | 300 | 100.0 k events/s, 0.70 MB/s of .tpt |');
    expect(row1('per-span-duration query')).toMatch(/^\| per-span-duration query \(`spans`[^|]*\| 100\.00 M \| 40\.00 \| 60\.00 \| 900 \| 2\.50 M events\/s \|$/);
    expect(row1('per-board loss query')).toContain("sums equal the capture's link_lost × copies");
    expect(md1).toContain('21.00 MB of Parquet (ZSTD) for a 14.00 MB .tpt: 1.50× the capture, 10.5 B per event');
    expect(row1('Dask distributed, local')).toBe('| Dask distributed, local cluster of 2 worker processes (cluster start-up included) | 30.00 | 10.00 | identical to DuckDB |');
    expect(row1('DuckDB, `tracepipe query`')).toContain('| 6.00 |');
    expect(md1).not.toContain('scaled down');
    const t = byId({ ...fixture(), data: d });
    expect([t['i17.query.events'].ok, t['i17.loss.correct'].ok, t['i17.dask.agree'].ok]).toEqual([true, true, true]);

    // fewer events than asked: labelled in the table and the target missed; no Dask: not measured
    const small = { ...d, dataset: { ...d.dataset, events: 10_000_000 }, dask: { notMeasured: 'python3-distributed is not installed' } };
    const md2 = render({ ...fixture(), data: small });
    expect(md2).toContain('(**scaled down**: 10.00 M events, not the 100.00 M asked)');
    expect(md2).toContain('Dask distributed beside DuckDB: not measured (python3-distributed is not installed).');
    const t2 = byId({ ...fixture(), data: small });
    expect([t2['i17.query.events'].ok, t2['i17.dask.agree'].ok]).toEqual([false, null]);
    expect(render(fixture())).toMatch(/## 9\. Traces as data[^\n]*\n\nNot measured\./);
  });

  it('renders a results object with no sections at all', () => {
    const md0 = render({ date: 'd', machine: { loadavgAtStart: [] } });
    expect(md0).toContain('## Targets');
    expect(md0).not.toContain('**MET**');
    expect(md0).not.toContain('**MISSED**');
  });
});
