// Scale-out, shown: the fleet questions answered by DuckDB (`tracepipe query`) and by Dask
// distributed (Debian 12's python3-distributed, a local cluster of two worker processes) over
// the same dataset of real QEMU captures from two boards. Debian 12's Dask has no Parquet
// reader, so the export also writes the partitions as CSV (--csv), and the test checks that
// both forms hold the same rows. The answers must be identical.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { boardElf, requireBoardBuilt } from '../boards/helpers.js';
import { builtCli, queryRows, runner, type Run } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const tmp = mkdtempSync(join(tmpdir(), 'tp-data-dask-'));
const ds = join(tmp, 'fleet');
let tp: (...args: string[]) => Run;
const runs = [
  { board: 'qemu-mps2-an385', app: 'meta_demo' },
  { board: 'qemu-mps2-an385', app: 'e2e_overload' },
  { board: 'qemu-mps2-an521', app: 'multicore_discard' },
];

beforeAll(() => {
  for (const r of runs) requireBoardBuilt(r.board, r.app);
  tp = runner(builtCli());
  runs.forEach((r, i) => {
    const file = join(tmp, `${i}-${r.app}.tpt`);
    const run = tp('run', '--board', r.board, boardElf(r.board, r.app), '-o', file, '--duration', '2');
    expect(run.code, run.stderr).toBe(0);
    const ex = tp('export', file, '--elf', boardElf(r.board, r.app), '--format', 'parquet', '--csv', '-o', ds);
    expect(ex.code, ex.stderr).toBe(0);
  });
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const q = (sql: string) => queryRows(tp, sql, ds);

it('the CSV form holds the same rows as the Parquet dataset', () => {
  const csv = (t: string) => `read_csv('${ds}/csv/${t}/*/*/part-0.csv', hive_partitioning = true, hive_types = {'board': 'VARCHAR', 'capture': 'VARCHAR'})`;
  const cols = { events: 'board, capture, ord, session, core, seq, t_ns, kind, id, name, text, site', losses: 'board, capture, ord, session, core, cause, count, from_ns, to_ns' };
  for (const [t, c] of Object.entries(cols)) {
    const [n] = q(`SELECT count(*)::BIGINT AS n FROM ${t}`);
    expect(Number(n.n)).toBeGreaterThan(0);
    const diff = q(`SELECT (SELECT count(*) FROM (SELECT ${c} FROM ${t} EXCEPT ALL SELECT ${c} FROM ${csv(t)}))::BIGINT AS a,
                           (SELECT count(*) FROM (SELECT ${c} FROM ${csv(t)} EXCEPT ALL SELECT ${c} FROM ${t}))::BIGINT AS b`);
    expect(diff).toEqual([{ a: '0', b: '0' }]);
  }
});

it('Dask on two workers and DuckDB give identical answers', () => {
  const py = spawnSync(PYTHON, [resolve('test/data/dask_questions.py'), ds], { encoding: 'utf8', timeout: 240_000 });
  expect(py.status, py.stderr).toBe(0);
  const dask = JSON.parse(py.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  expect(dask.workers).toBe(2);
  expect(dask.partitions).toBe(runs.length);

  const perBoard = Object.fromEntries(q('SELECT board, count(*)::BIGINT AS n FROM events GROUP BY board').map((r) => [r.board, Number(r.n)]));
  const lost = Object.fromEntries(q('SELECT board, cause, sum(count)::BIGINT AS n FROM losses GROUP BY ALL').map((r) => [`${r.board}/${r.cause}`, Number(r.n)]));
  const [s] = q(`WITH d AS (SELECT duration_ns, row_number() OVER (ORDER BY duration_ns) AS rn, count(*) OVER () AS n FROM spans WHERE complete)
                 SELECT count(*)::BIGINT AS n, min(duration_ns) AS min, max(duration_ns) AS max, max(duration_ns) FILTER (rn = (99 * n + 99) // 100) AS p99 FROM d`);
  const [c] = q('SELECT (sum(t_ns::HUGEINT) % 18446744073709551616)::VARCHAR AS sum, count(*)::BIGINT AS n FROM events');
  const duck = {
    events_per_board: perBoard,
    lost,
    spans: { n: Number(s.n), min: Number(s.min), max: Number(s.max), p99: Number(s.p99) },
    t_ns_sum_mod_2_64: c.sum,
    events: Number(c.n),
  };
  expect(Object.keys(perBoard).sort()).toEqual(['qemu-mps2-an385', 'qemu-mps2-an521']);
  expect(duck.spans.n).toBeGreaterThan(0);
  expect(Object.values(lost).some((n) => n > 0)).toBe(true);
  const { workers: _w, partitions: _p, ...answers } = dask;
  expect(answers).toEqual(duck);
});
