// `tracepipe export --format parquet` and `tracepipe query` through the bundled CLI, on
// synthetic traces built with the decode core's encoder: query results equal `decode` and
// `stats` on the same inputs, 64-bit times stay exact, and errors are one line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamWriter } from '../../host/src/core/encode.js';
import { synthTrace } from '../export/synth.js';
import { builtCli, cutSpansTrace, extremeTrace, jsonl, runner, type Run } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'tp-data-'));
let tp: (...args: string[]) => Run;
const ds = join(tmp, 'dataset');
const lossy = join(tmp, 'lossy.bin');
const other = join(tmp, 'other.bin');
const extreme = join(tmp, 'extreme.bin');
const cut = join(tmp, 'cut.bin');
const TIMES = [(1n << 53n) + 1n, (1n << 62n) + 3n, (1n << 63n) - 100n];

beforeAll(async () => {
  tp = runner(builtCli());
  writeFileSync(lossy, synthTrace({ evicted: [2], linkLost: [4], corrupted: [6], drops: [[1, 5], [7, 3]], rejects: [[3, 2]], packetsPerCore: 9, eventsPerPacket: 20 }));
  writeFileSync(other, synthTrace({ cores: 1, seed: 777, linkLost: [1], packetsPerCore: 5, eventsPerPacket: 15 }));
  writeFileSync(extreme, extremeTrace(TIMES));
  writeFileSync(cut, cutSpansTrace());
  for (const [file, board] of [[lossy, 'board-a'], [other, 'board-b'], [extreme, 'board-a']]) {
    const r = tp('export', file, '--format', 'parquet', '-o', ds, '--board', board, '--packets');
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function q(sql: string, ...inputs: string[]): Record<string, unknown>[] {
  const r = tp('query', sql, ...inputs, '--format', 'jsonl');
  expect(r.code, r.stderr).toBe(0);
  return jsonl(r.stdout);
}

function captureOf(file: string): string {
  const rows = q(`SELECT capture FROM captures WHERE source = '${file}'`, ds);
  expect(rows).toHaveLength(1);
  return rows[0].capture as string;
}

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

describe('export --format parquet', () => {
  it('writes one Hive partition per table and capture, and a versioned _schema.json', () => {
    const id = captureOf(lossy);
    for (const t of ['events', 'losses', 'captures', 'packets']) {
      expect(existsSync(join(ds, t, 'board=board-a', `capture=${id}`, 'part-0.parquet'))).toBe(true);
    }
    expect(readdirSync(join(ds, 'events')).sort()).toEqual(['board=board-a', 'board=board-b']);
    expect(q('SELECT DISTINCT schema_version FROM captures', ds)).toEqual([{ schema_version: 2 }]);
    expect(existsSync(join(ds, '_schema.json'))).toBe(true);
  });

  it('exporting a capture again replaces its partition: rows are not doubled', () => {
    const before = q('SELECT count(*)::INTEGER AS n FROM events', ds)[0].n;
    expect(tp('export', other, '--format', 'parquet', '-o', ds, '--board', 'board-b', '--packets').code).toBe(0);
    expect(q('SELECT count(*)::INTEGER AS n FROM events', ds)[0].n).toBe(before);
  });

  it('refuses a folder that holds something else, before writing anything', () => {
    const foreign = join(tmp, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const r = tp('export', lossy, '--format', 'parquet', '-o', foreign);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tracepipe: .*not a tracepipe dataset \(holds notes\.txt\)/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
  });
});

describe('query equals decode and stats', () => {
  it('events: every decoded event, in timeline order, with exact times and raw words', () => {
    const dec = jsonl(tp('decode', lossy, '--format', 'jsonl', '--events-only').stdout);
    const rows = q(`SELECT session, core, t_ns, kind, id, args, blob FROM events WHERE capture = '${captureOf(lossy)}' ORDER BY ord`, ds);
    expect(rows.length).toBe(dec.length);
    rows.forEach((r, i) => {
      const e = dec[i];
      expect([r.session, r.core, r.t_ns, r.kind, r.id]).toEqual([e.session ?? 0, e.core, e.t_ns, e.kind, String(e.id)]);
      expect((r.args as string[] | null)?.map(String) ?? []).toEqual((e.args as unknown[]).map(String));
    });
  });

  it('losses: every loss record of decode; sums by cause equal stats per core', () => {
    const dec = jsonl(tp('decode', lossy, '--format', 'jsonl').stdout).filter((r) => r.type === 'loss');
    const id = captureOf(lossy);
    const rows = q(`SELECT core, cause, count, from_ns, to_ns FROM losses WHERE capture = '${id}' ORDER BY ord`, ds);
    expect(rows.map((r) => [r.core, r.cause, Number(r.count), r.from_ns, r.to_ns])).toEqual(dec.map((d) => [d.core, d.cause, d.count, d.from_ns, d.to_ns]));
    const stats = JSON.parse(tp('stats', lossy, '--json').stdout) as { cores: Record<string, unknown>[]; total: Record<string, number>; identity: boolean };
    const sums = q(
      `SELECT core, sum(count) FILTER (cause = 'dropped')::BIGINT AS dropped, sum(count) FILTER (cause = 'overwritten')::BIGINT AS overwritten,
         sum(count) FILTER (cause = 'link_lost')::BIGINT AS link_lost, sum(count) FILTER (cause = 'rejected')::BIGINT AS rejected FROM losses WHERE capture = '${id}' GROUP BY core ORDER BY core`,
      ds,
    );
    const decoded = q(`SELECT core, count(*)::BIGINT AS decoded, min(t_ns) AS first_ns, max(t_ns) AS last_ns FROM events WHERE capture = '${id}' GROUP BY core ORDER BY core`, ds);
    expect(stats.cores.length).toBe(2);
    stats.cores.forEach((c, i) => {
      const sum = (k: string) => Number(sums[i][k] ?? 0);
      expect([sums[i].core, sum('dropped'), sum('overwritten'), sum('link_lost'), sum('rejected')]).toEqual([c.core, c.dropped, c.overwritten, c.link_lost, c.rejected]);
      expect([Number(decoded[i].decoded), decoded[i].first_ns, decoded[i].last_ns]).toEqual([c.decoded, c.first_ns, c.last_ns]);
    });
    // the captures row carries the same books
    const cap = q(`SELECT generated, decoded, dropped, overwritten, link_lost, rejected, identity, cores FROM captures WHERE capture = '${id}'`, ds)[0];
    const books = ['generated', 'decoded', 'dropped', 'overwritten', 'link_lost', 'rejected'];
    expect(books.map((k) => Number(cap[k]))).toEqual(books.map((k) => stats.total[k]));
    expect(stats.total.rejected).toBe(4);
    expect(cap.identity).toBe(stats.identity);
    const perCore = (c: Record<string, unknown>) => books.map((k) => Number(c[k]));
    expect((cap.cores as Record<string, unknown>[]).map(perCore)).toEqual(stats.cores.map(perCore));
  });

  it('- reads a capture from stdin, with the same answers as the file (and only once)', () => {
    const sql = 'SELECT core, kind, count(*)::BIGINT AS n, sum(t_ns)::HUGEINT AS s FROM events GROUP BY ALL ORDER BY ALL';
    const piped = (...args: string[]) =>
      spawnSync(process.execPath, [builtCli(), 'query', ...args], { input: readFileSync(lossy), encoding: 'utf8', env: { ...process.env, TRACEPIPE_DEBUG: '' } });
    const r = piped(sql, '-', '--format', 'jsonl');
    expect(r.status, r.stderr).toBe(0);
    expect(jsonl(r.stdout)).toEqual(q(sql, lossy));
    expect(jsonl(piped('SELECT source FROM captures', '-', '--format', 'jsonl').stdout)).toEqual([{ source: 'stdin' }]);
    const twice = piped('SELECT 1', '-', '-');
    expect(twice.status).not.toBe(0);
    expect(twice.stderr.trim().split('\n')).toEqual(['tracepipe: - (stdin) can be given once']);
  });

  it('the captures row says whether the books closed, as stats --json does', () => {
    // a stream that ends without its FINAL status: the books are proven only up to the last counters
    const open = join(tmp, 'open.bin');
    const w = new StreamWriter();
    w.raw(Uint8Array.of(0));
    w.header({ boot: true, cores: 1, mode: 'discard', timerBits: 32, timerHz: 1_000_000_000, packetSize: 256, packets: 8, ts: 0, session: 1, buildId: 'ef' });
    w.beginPacket(0, 0, 100, 0, 0, 0).event('mark', 1, 110).event('mark', 1, 120).endPacket(130);
    writeFileSync(open, w.bytes());
    for (const [file, want] of [[lossy, true], [open, false]] as const) {
      const stats = JSON.parse(tp('stats', file, '--json').stdout) as { closed: boolean };
      expect(stats.closed).toBe(want);
      expect(q('SELECT closed FROM captures', file)).toEqual([{ closed: want }]);
    }
    expect(q(`SELECT closed FROM captures WHERE capture = '${captureOf(lossy)}'`, ds)).toEqual([{ closed: true }]);
  });

  it('a capture file is queried directly, with the same answers as its exported dataset', () => {
    const sql = 'SELECT core, kind, count(*)::BIGINT AS n, sum(t_ns)::HUGEINT AS s FROM events GROUP BY ALL ORDER BY ALL';
    const direct = q(sql, lossy);
    const fromDataset = q(sql.replace('FROM events', `FROM events WHERE capture = '${captureOf(lossy)}'`), ds);
    expect(direct.length).toBeGreaterThan(5);
    expect(direct).toEqual(fromDataset);
  });

  it('many captures, two boards: counts per board equal the decoded events of each file', () => {
    const n = (f: string) => jsonl(tp('decode', f, '--format', 'jsonl', '--events-only').stdout).length;
    const rows = q('SELECT board, count(*)::BIGINT AS n FROM events GROUP BY board ORDER BY board', ds);
    expect(rows.map((r) => [r.board, Number(r.n)])).toEqual([
      ['board-a', n(lossy) + n(extreme)],
      ['board-b', n(other)],
    ]);
  });

  it('packets: per packet, its event count and time range', () => {
    const dec = jsonl(tp('decode', other, '--format', 'jsonl', '--events-only').stdout);
    const rows = q(`SELECT sum(events)::BIGINT AS n, count(*)::BIGINT AS packets FROM packets WHERE board = 'board-b'`, ds);
    expect(Number(rows[0].n)).toBe(dec.length);
    expect(Number(rows[0].packets)).toBe(4); // 5 packets, one lost on the link
  });
});

describe('64-bit times', () => {
  it('are exact just beyond 2^53 and just below 2^63, in the dataset and in arithmetic', () => {
    const dec = jsonl(tp('decode', extreme, '--format', 'jsonl', '--events-only').stdout);
    const id = captureOf(extreme);
    const rows = q(`SELECT t_ns, t_ns::VARCHAR AS text, value FROM events WHERE capture = '${id}' ORDER BY ord`, ds);
    expect(rows.map((r) => r.t_ns)).toEqual(dec.map((e) => e.t_ns));
    expect(rows.map((r) => r.text)).toEqual(TIMES.flatMap((t) => [t.toString(), (t + 1n).toString()]));
    expect(rows.filter((r) => r.value !== null).map((r) => r.value)).toEqual(TIMES.map(() => '18446744073709551600'));
    const sum = TIMES.reduce((a, t) => a + 2n * t + 1n, 0n);
    const agg = q(`SELECT sum(t_ns)::VARCHAR AS s, max(t_ns) - min(t_ns) AS span FROM events WHERE capture = '${id}'`, ds)[0];
    expect(agg.s).toBe(sum.toString());
    expect(agg.span).toBe(((1n << 63n) - 100n + 1n - ((1n << 53n) + 1n)).toString());
    // stored as Parquet INT64, not as a double or text
    const file = join(ds, 'events', 'board=board-a', `capture=${id}`, 'part-0.parquet');
    const schema = q(`SELECT name, type FROM parquet_schema('${file}') WHERE name IN ('t_ns', 'ticks')`, ds);
    expect(schema).toEqual([
      { name: 't_ns', type: 'INT64' },
      { name: 'ticks', type: 'INT64' },
    ]);
  });
  it('a time past 2^63 - 1 ns (292 years) is refused in one line, and the dataset is left as it was', () => {
    const past = join(tmp, 'past.bin');
    writeFileSync(past, extremeTrace([(1n << 63n) + 5n]));
    const before = q('SELECT count(*)::INTEGER AS n FROM events', ds)[0].n;
    const captures = q('SELECT count(*)::INTEGER AS n FROM captures', ds)[0].n;
    const r = tp('export', past, '--format', 'parquet', '-o', ds);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toBe('tracepipe: core 0: t_ns 9223372036854775813 is past 2^63 - 1 ns (292 years), the most the dataset\'s INT64 times hold; nothing was written\n');
    expect(q('SELECT count(*)::INTEGER AS n FROM events', ds)[0].n).toBe(before);
    expect(q('SELECT count(*)::INTEGER AS n FROM captures', ds)[0].n).toBe(captures);
  });
});

describe('spans and isrs', () => {
  it('pair begin and end per core and id, with durations equal to the decoded times', () => {
    const dec = jsonl(tp('decode', lossy, '--format', 'jsonl', '--events-only').stdout);
    // pairing by a stack per core and id, independent of the SQL
    const open = new Map<string, bigint[]>();
    const want: string[] = [];
    for (const e of dec) {
      const key = `${e.core}/${e.id}`;
      if (e.kind === 'isr_enter') open.set(key, [...(open.get(key) ?? []), BigInt(e.t_ns as string)]);
      if (e.kind === 'isr_exit') {
        const s = open.get(key)!;
        want.push(`${e.core} ${e.id} ${BigInt(e.t_ns as string) - s.pop()!}`);
      }
    }
    const rows = q(`SELECT core, id, duration_ns, complete, cut FROM isrs WHERE capture = '${captureOf(lossy)}'`, ds);
    expect(rows.map((r) => `${r.core} ${r.id} ${r.duration_ns}`).sort()).toEqual(want.sort());
    expect(rows.every((r) => r.complete === true)).toBe(true);
  });

  it('say which pairs a loss cut, and keep the half pairs it left', () => {
    const rows = q('SELECT id, begin_ns, end_ns, duration_ns, complete, cut FROM spans ORDER BY id', cut);
    expect(rows).toEqual([
      { id: '7', begin_ns: '100', end_ns: '150', duration_ns: '50', complete: true, cut: false },
      { id: '8', begin_ns: '180', end_ns: null, duration_ns: null, complete: false, cut: true },
      { id: '9', begin_ns: null, end_ns: '330', duration_ns: null, complete: false, cut: true },
    ]);
    expect(q('SELECT id, duration_ns, complete, cut FROM isrs', cut)).toEqual([{ id: '16', duration_ns: '10', complete: true, cut: false }]);
    const losses = q('SELECT cause, count FROM losses', cut);
    expect(losses.map((l) => [l.cause, Number(l.count)])).toEqual([['link_lost', 2]]);
  });
});

describe('output formats', () => {
  it('csv and parquet hold the same rows as jsonl', () => {
    const sql = 'SELECT core, t_ns, kind FROM events ORDER BY ord LIMIT 50';
    const rows = q(sql, lossy);
    const csv = tp('query', sql, lossy, '--format', 'csv');
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('core,t_ns,kind');
    expect(lines.slice(1)).toEqual(rows.map((r) => `${r.core},${r.t_ns},${r.kind}`));
    const out = join(tmp, 'result.parquet');
    expect(tp('query', sql, lossy, '--format', 'parquet', '-o', out).code).toBe(0);
    expect(q(`SELECT core, t_ns, kind FROM read_parquet('${out}')`, lossy)).toEqual(rows);
  });

  it('table: a header, aligned rows and the row count', () => {
    const r = tp('query', 'SELECT core, count(*) AS n FROM events GROUP BY core ORDER BY core', lossy);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^core\s+n$/);
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('(2 rows)');
  });
});

describe('errors are one line, no stack', () => {
  const oneLine = (r: Run, code: number, re: RegExp) => {
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n').filter((l) => !l.includes('warning'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(re);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };
  it('bad SQL', () => {
    oneLine(tp('query', 'SELEC 1', ds), 1, /^tracepipe: query: Parser Error: syntax error at or near "SELEC"$/);
    oneLine(tp('query', 'SELECT nope FROM events', ds), 1, /^tracepipe: query: Binder Error: Referenced column "nope" not found/);
    oneLine(tp('query', "SELECT 'x'::INTEGER", ds), 1, /^tracepipe: query: Conversion Error: /);
    oneLine(tp('query', 'SELECT * FROM no_such_table', ds), 1, /^tracepipe: query: Catalog Error: Table with name no_such_table does not exist/);
  });
  it('missing files, folders that are not datasets, bad options', () => {
    oneLine(tp('query', 'SELECT 1', join(tmp, 'missing.tpt')), 1, /^tracepipe: .*missing\.tpt: no such file or folder$/);
    oneLine(tp('query', 'SELECT 1', tmp), 1, /is not a tracepipe dataset/);
    oneLine(tp('query', 'SELECT 1', lossy, '--format', 'parquet'), 2, /--format parquet writes a file/);
    oneLine(tp('export', lossy, '--format', 'parquet'), 2, /a Parquet dataset is a folder/);
    const notTrace = join(tmp, 'junk.bin');
    writeFileSync(notTrace, 'hello, not a trace');
    oneLine(tp('query', 'SELECT 1', notTrace), 1, /junk\.bin is not a tracepipe trace/);
  });
});

describe('DuckDB is loaded only by the commands that need it', () => {
  it('decode runs without loading it; query loads it', () => {
    const probe = join(tmp, 'probe.cjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write('duckdb loaded: ' + Object.keys(require.cache).some((k) => k.includes('@duckdb')) + '\\n'));\n");
    const withProbe = (...args: string[]) => tpProbe(probe, ...args);
    expect(withProbe('decode', lossy).stderr).toContain('duckdb loaded: false');
    expect(withProbe('query', 'SELECT 1', lossy).stderr).toContain('duckdb loaded: true');
  });
});

function tpProbe(probe: string, ...args: string[]): Run {
  const r = runner(builtCli());
  const old = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `--require ${probe}`;
  try {
    return r(...args);
  } finally {
    if (old === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = old;
  }
}

describe('the same capture twice', () => {
  it('is counted twice, and the query says so on stderr', () => {
    const r = tp('query', 'SELECT count(*)::BIGINT AS n FROM captures', ds, lossy, '--format', 'jsonl');
    expect(r.code).toBe(0);
    expect(jsonl(r.stdout)).toEqual([{ n: '4' }]);
    expect(r.stderr).toContain(`warning: capture ${captureOf(lossy)} is in 2 of the inputs; its rows count 2 times`);
  });
});
