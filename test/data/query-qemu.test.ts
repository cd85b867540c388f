// `tracepipe query` on real QEMU captures: the typed-values app on an385 (one core, with its
// ELF) and the two-core an521 app that drops events. Every event's time, name, text and typed
// fields equal `decode --elf`, and the books and names equal `stats --elf --json`; the
// captures row carries the board, build id, ELF, start time and wall-clock fit of the capture.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardElf, requireBoardBuilt } from '../boards/helpers.js';
import { builtCli, jsonl, runner, type Run } from './helpers.js';

const AN385 = 'qemu-mps2-an385';
const AN521 = 'qemu-mps2-an521';
const tmp = mkdtempSync(join(tmpdir(), 'tp-data-qemu-'));
const ds = join(tmp, 'fleet');
let tp: (...args: string[]) => Run;
const captures = [
  { board: AN385, elf: boardElf(AN385, 'meta_demo'), file: join(tmp, 'meta.tpt'), hasSpans: true },
  { board: AN521, elf: boardElf(AN521, 'multicore_discard'), file: join(tmp, 'two-core.tpt'), hasSpans: false },
];

beforeAll(async () => {
  requireBoardBuilt(AN385, 'meta_demo');
  requireBoardBuilt(AN521, 'multicore_discard');
  tp = runner(builtCli());
  for (const c of captures) {
    const r = tp('run', '--board', c.board, c.elf, '-o', c.file, '--duration', '2');
    expect(r.code, r.stderr).toBe(0);
    const e = tp('export', c.file, '--elf', c.elf, '--format', 'parquet', '-o', ds);
    expect(e.code, e.stderr).toBe(0);
  }
}, 240_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function q(sql: string, ...inputs: string[]): Record<string, unknown>[] {
  const r = tp('query', sql, ...inputs, '--format', 'jsonl');
  expect(r.code, r.stderr).toBe(0);
  return jsonl(r.stdout);
}

describe.each(captures)('$board capture', (c) => {
  const where = () => `capture = (SELECT capture FROM captures WHERE source = '${c.file}')`;

  it('events equal decode --elf: times, names, text and typed fields', () => {
    const dec = jsonl(tp('decode', c.file, '--elf', c.elf, '--format', 'jsonl', '--events-only').stdout);
    const rows = q(`SELECT core, t_ns, kind, id, name, text, fields, unit FROM events WHERE ${where()} ORDER BY ord`, ds);
    expect(rows.length).toBe(dec.length);
    expect(rows.length).toBeGreaterThan(20);
    rows.forEach((r, i) => {
      const e = dec[i];
      expect([r.core, r.t_ns, r.kind, r.id, r.name, r.text, r.unit]).toEqual([e.core, e.t_ns, e.kind, String(e.id), e.name ?? null, e.text ?? null, e.unit ?? null]);
      // JSONL writes integers past 2^53 as strings; both say the same number
      const fields = r.fields === null ? undefined : (JSON.parse((r.fields as string).replace(/:(-?\d{16,})/g, ':"$1"')) as Record<string, unknown>);
      const norm = (f: unknown) => (f === undefined ? undefined : Object.fromEntries(Object.entries(f as object).map(([k, v]) => [k, String(v)])));
      expect(norm(fields)).toEqual(norm(e.fields));
    });
  });

  it('books, names and the capture row equal stats --elf --json', () => {
    const stats = JSON.parse(tp('stats', c.file, '--elf', c.elf, '--json').stdout) as {
      cores: Record<string, unknown>[];
      total: Record<string, number>;
      identity: boolean;
      wall_clock: { origin_unix_ns: string } | null;
      events_by_name: { kind: string; name: string; count: number }[];
    };
    const cap = q(`SELECT * FROM captures WHERE ${where()}`, ds)[0];
    expect(cap.board).toBe(c.board);
    expect(cap.elf).toBe(c.elf);
    expect(cap.build_id).toBe(jsonl(tp('decode', c.file, '--format', 'jsonl').stdout).find((r) => r.type === 'header')!.build_id);
    expect(Date.parse(cap.start_utc as string)).toBeGreaterThan(Date.parse('2020-01-01'));
    expect(cap.complete).toBe(true);
    expect((cap.wall_clock as { origin_unix_ns: string }).origin_unix_ns).toBe(stats.wall_clock!.origin_unix_ns);
    expect(cap.identity).toBe(stats.identity);
    for (const k of ['generated', 'decoded', 'dropped', 'overwritten', 'link_lost', 'rejected']) expect(Number(cap[k])).toBe(stats.total[k]);
    const perCore = q(
      `SELECT core, count(*)::BIGINT AS decoded, min(t_ns) AS first_ns, max(t_ns) AS last_ns,
         (SELECT coalesce(sum(count), 0)::BIGINT FROM losses l WHERE l.${where()} AND l.core = e.core AND cause = 'dropped') AS dropped
       FROM events e WHERE ${where()} GROUP BY core ORDER BY core`,
      ds,
    );
    expect(perCore.map((r) => [r.core, Number(r.decoded), r.first_ns, r.last_ns, Number(r.dropped)])).toEqual(
      stats.cores.map((s) => [s.core, s.decoded, s.first_ns, s.last_ns, s.dropped]),
    );
    const names = q(`SELECT kind, coalesce(name, kind || ' ' || id) AS name, count(*)::INTEGER AS count FROM events WHERE ${where()} GROUP BY ALL ORDER BY count DESC, kind, name`, ds);
    expect(names).toEqual(stats.events_by_name);
  });

  it('the capture file queried directly gives the same spans as the dataset', () => {
    const sql = 'SELECT core, name, begin_ns, end_ns, duration_ns, complete, cut FROM spans ORDER BY core, begin_ord';
    const direct = q(sql, c.file, '--elf', c.elf);
    expect(direct.length > 0).toBe(c.hasSpans);
    expect(direct).toEqual(q(sql.replace('FROM spans', `FROM spans WHERE ${where()}`), ds));
    for (const s of direct) if (s.complete) expect(BigInt(s.duration_ns as string)).toBe(BigInt(s.end_ns as string) - BigInt(s.begin_ns as string));
  });
});

it('two boards in one dataset: the drops per board equal stats of each capture', () => {
  const rows = q("SELECT board, coalesce(sum(count) FILTER (cause = 'dropped'), 0)::BIGINT AS dropped FROM captures LEFT JOIN losses USING (board, capture) GROUP BY board ORDER BY board", ds);
  const want = captures.map((c) => [c.board, (JSON.parse(tp('stats', c.file, '--json').stdout) as { total: { dropped: number } }).total.dropped]);
  expect(rows.map((r) => [r.board, Number(r.dropped)])).toEqual(want);
  expect(want[1][1]).toBeGreaterThan(0); // the two-core app does drop
});
