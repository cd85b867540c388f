// Traces as data (issue 17): `export --format parquet` speed, the dataset's size against the
// capture's, the per-span-duration and per-board loss questions of docs/DATA.md over a large
// dataset, and Dask distributed beside DuckDB on the same questions.
//
// The capture is the host section's synthetic trace (bench/host-bench.ts synth), with one byte
// flipped every 200 KB so the link loses packets (link_lost windows for the loss question),
// wrapped in a real .tpt container (CaptureWriter, 4 KiB reads as a UART would give them).
// Exporting 100 M events one by one takes far longer than the section's budget on this
// machine, so the large dataset is that one export's partition files, hard-linked under many
// capture ids and two boards: DuckDB reads every file as a capture of its own, and the figures
// say how many events that made.
//
// Knobs: TPBENCH_DATA_EVENTS (events in the exported capture, default 2000000),
// TPBENCH_DATA_TOTAL (events in the queried dataset, default 100000000), TPBENCH_DASK_EVENTS
// (the capture Dask and DuckDB both answer, default 500000), TPBENCH_DATA_BIG_EVENTS (a second,
// longer capture exported only for its peak RSS and rate beside the first, default 10000000;
// 0 skips it).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, log, nodeJson, put, timed } from '../harness.mjs';

export const name = 'data';
export const about = 'Parquet export, dataset size, span and loss queries over ~100 M events, Dask beside DuckDB';

const PYTHON = '/usr/bin/python3';
const BOARDS = ['bench-a', 'bench-b'];

// The questions, as docs/DATA.md asks them of a fleet.
export const SPAN_SQL = 'SELECT board, id, count(*) AS spans, min(duration_ns) AS min_ns, quantile_disc(duration_ns, 0.99) AS p99_ns, max(duration_ns) AS max_ns FROM spans WHERE complete AND NOT cut GROUP BY ALL ORDER BY ALL';
export const LOSS_SQL = "SELECT board, cause, count(*) AS windows, sum(count)::BIGINT AS lost, (SELECT count(*) FROM events e WHERE e.board = l.board) AS events FROM losses l GROUP BY board, cause ORDER BY board, cause";
// What test/data/dask_questions.py answers, in DuckDB (the SQL of test/data/dask.test.ts).
const DASK_SQL = [
  'SELECT board, count(*)::BIGINT AS n FROM events GROUP BY board',
  'SELECT board, cause, sum(count)::BIGINT AS n FROM losses GROUP BY ALL',
  `WITH d AS (SELECT duration_ns, row_number() OVER (ORDER BY duration_ns) AS rn, count(*) OVER () AS n FROM spans WHERE complete)
   SELECT count(*)::BIGINT AS n, min(duration_ns) AS min, max(duration_ns) AS max, max(duration_ns) FILTER (rn = (99 * n + 99) // 100) AS p99 FROM d`,
  'SELECT (sum(t_ns::HUGEINT) % 18446744073709551616)::VARCHAR AS sum, count(*)::BIGINT AS n FROM events',
];

const TPT_WRAPPER = `
import { readFileSync } from 'node:fs';
import { CaptureWriter } from './host/src/io/capture-writer.ts';
const [raw, out, board] = process.argv.slice(2);
const bytes = readFileSync(raw);
// host times 1 ms per 4 KiB read, as a fast UART would deliver them
let t = 1_800_000_000_000_000_000n;
const w = CaptureWriter.create(out, { source: 'bench', board, start_time: new Date(Number(t / 1_000_000n)).toISOString(), writer: 'tracepipe bench' }, () => t);
w.event({ kind: 'open' }, t);
for (let o = 0; o < bytes.length; o += 4096) { w.data(bytes.subarray(o, o + 4096), t); t += 1_000_000n; }
w.event({ kind: 'end' }, t);
w.close();
`;

async function wrapper(ctx) {
  const out = join(ctx.work, 'tpt-wrap.mjs');
  const { build } = await import('esbuild');
  await build({ stdin: { contents: TPT_WRAPPER, resolveDir: ROOT, loader: 'ts' }, bundle: true, platform: 'node', target: 'node20', format: 'esm', outfile: out, logLevel: 'warning' });
  return out;
}

/** A synthetic capture of n events with link losses, as a .tpt; its stats --json. */
async function capture(ctx, wrap, n, file) {
  const bench = await ctx.hostBench();
  const raw = `${file}.raw`;
  nodeJson(bench, ['synth', raw, String(n)]);
  const b = readFileSync(raw);
  for (let o = 200_000; o < b.length; o += 200_000) b[o] ^= 0x55;
  writeFileSync(raw, b);
  execFileSync('node', [wrap, raw, file, BOARDS[0]], { cwd: ROOT, stdio: 'pipe' });
  const stats = JSON.parse(execFileSync('node', [CLI, 'stats', file, '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] }));
  return { tptBytes: statSync(file).size, rawBytes: b.length, stats };
}

const duBytes = (dir) => Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);

/** The large dataset: every table file of the one exported capture, hard-linked under `copies` capture ids over two boards. */
function replicate(from, to, copies) {
  for (const table of readdirSync(from).filter((t) => !t.startsWith('_') && t !== 'csv')) {
    const boardDir = readdirSync(join(from, table))[0];
    const capDir = readdirSync(join(from, table, boardDir))[0];
    // Every file of the partition: the export starts a new part-<n>.parquet every 64 row groups.
    const srcDir = join(from, table, boardDir, capDir);
    const files = readdirSync(srcDir).filter((f) => f.endsWith('.parquet'));
    for (let i = 0; i < copies; i++) {
      const dir = join(to, table, `board=${BOARDS[i % 2]}`, `capture=copy${String(i).padStart(4, '0')}`);
      mkdirSync(dir, { recursive: true });
      for (const f of files) {
        try {
          linkSync(join(srcDir, f), join(dir, f));
        } catch {
          copyFileSync(join(srcDir, f), join(dir, f));
        }
      }
    }
  }
  copyFileSync(join(from, '_schema.json'), join(to, '_schema.json'));
}

async function query(sql, dataset) {
  const r = await timed('node', [CLI, 'query', sql, dataset, '--format', 'jsonl']);
  const rows = r.code === 0 ? r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : null;
  return { ok: r.code === 0, wallS: r.wallS, cpuS: r.cpuS, maxRssMB: r.maxRssMB, rows, error: r.code === 0 ? undefined : r.stderr.trim().split('\n')[0] };
}

function daskInstalled() {
  return spawnSync(PYTHON, ['-c', 'import distributed, pandas'], { stdio: 'ignore' }).status === 0;
}

async function dask(ctx, wrap, n) {
  if (!daskInstalled()) return { notMeasured: 'python3-distributed is not installed (test/data/deps.sh installs it)' };
  const file = join(ctx.work, 'dask.tpt');
  const c = await capture(ctx, wrap, n, file);
  const ds = join(ctx.work, 'dask-ds');
  const ex = await timed('node', [CLI, 'export', file, '--format', 'parquet', '--csv', '-o', ds]);
  if (ex.code !== 0) return { error: `export --csv: ${ex.stderr.trim().split('\n')[0]}` };
  log(`dask: the questions of test/data/dask_questions.py over ${c.stats.total.decoded} events, Dask then DuckDB`);
  const py = await timed(PYTHON, [join(ROOT, 'test', 'data', 'dask_questions.py'), ds]);
  if (py.code !== 0) return { error: `dask: ${py.stderr.trim().split('\n').slice(-1)[0]}` };
  const answers = JSON.parse(py.stdout.trim().split('\n').pop());
  const duck = [];
  for (const sql of DASK_SQL) duck.push(await query(sql, ds));
  const spans = duck[2].rows?.[0];
  const sums = duck[3].rows?.[0];
  const agree = duck.every((d) => d.ok) &&
    answers.spans.n === Number(spans.n) && answers.spans.max === Number(spans.max) && answers.spans.p99 === Number(spans.p99) &&
    answers.t_ns_sum_mod_2_64 === sums.sum && answers.events === Number(sums.n);
  return {
    events: c.stats.total.decoded,
    workers: answers.workers,
    partitions: answers.partitions,
    daskWallS: py.wallS,
    daskCpuS: py.cpuS,
    duckdbWallS: duck.reduce((s, d) => s + (d.wallS ?? NaN), 0),
    duckdbQueries: duck.length,
    agree,
  };
}

/** Peak memory must not follow the capture's length: the export of a longer capture, its files removed again. */
async function exportBig(ctx, wrap, n) {
  const file = join(ctx.work, 'data-big.tpt');
  log(`data: synthesise ${n} events with link losses; export --format parquet (peak RSS and rate)`);
  const c = await capture(ctx, wrap, n, file);
  const out = join(ctx.work, 'data-big-one');
  const ex = await timed('node', [CLI, 'export', file, '--format', 'parquet', '-o', out]);
  rmSync(out, { recursive: true, force: true });
  rmSync(file, { force: true });
  rmSync(`${file}.raw`, { force: true });
  if (ex.code !== 0) return { error: `export --format parquet: ${ex.stderr.trim().split('\n')[0]}` };
  const events = c.stats.total.decoded;
  return { events, tptBytes: c.tptBytes, wallS: ex.wallS, cpuS: ex.cpuS, maxRssMB: ex.maxRssMB, eventsPerS: events / ex.wallS, mbPerS: c.tptBytes / 1e6 / ex.wallS };
}

async function measure(ctx) {
  const env = process.env;
  const N = Number(env.TPBENCH_DATA_EVENTS ?? 2_000_000);
  const TOTAL = Number(env.TPBENCH_DATA_TOTAL ?? 100_000_000);
  const DASK_N = Number(env.TPBENCH_DASK_EVENTS ?? 500_000);
  const BIG_N = Number(env.TPBENCH_DATA_BIG_EVENTS ?? 10_000_000);
  const wrap = await wrapper(ctx);
  const file = join(ctx.work, 'data.tpt');
  log(`data: synthesise ${N} events with link losses, as a .tpt`);
  const c = await capture(ctx, wrap, N, file);
  const decoded = c.stats.total.decoded;
  const one = join(ctx.work, 'data-one');
  log('data: export --format parquet');
  const ex = await timed('node', [CLI, 'export', file, '--format', 'parquet', '-o', one]);
  if (ex.code !== 0) throw new Error(`export --format parquet: ${ex.stderr.trim().split('\n')[0]}`);
  const datasetBytes = duBytes(one);
  const res = {
    capture: { events: decoded, generated: c.stats.total.generated, link_lost: c.stats.total.link_lost, tptBytes: c.tptBytes, rawBytes: c.rawBytes },
    export: { wallS: ex.wallS, cpuS: ex.cpuS, maxRssMB: ex.maxRssMB, eventsPerS: decoded / ex.wallS, mbPerS: c.tptBytes / 1e6 / ex.wallS, datasetBytes, bytesPerEvent: datasetBytes / decoded, vsTpt: datasetBytes / c.tptBytes },
  };
  if (BIG_N > 0) res.exportBig = await exportBig(ctx, wrap, BIG_N);

  const copies = Math.max(2, Math.ceil(TOTAL / decoded));
  const big = join(ctx.work, 'data-big');
  replicate(one, big, copies);
  const events = copies * decoded;
  res.dataset = { copies, boards: BOARDS.length, events, asked: TOTAL, method: `one export of ${decoded} events, its files hard-linked under ${copies} capture ids on ${BOARDS.length} boards` };
  log(`data: span-duration query over ${events} events`);
  const span = await query(SPAN_SQL, big);
  log(`data: per-board loss query over ${events} events`);
  const loss = await query(LOSS_SQL, big);
  // each copy holds the capture's link losses: the answer is known
  const lostWant = copies * c.stats.total.link_lost;
  const lostGot = loss.rows?.reduce((s, r) => s + Number(r.lost), 0);
  const eventsGot = loss.rows ? BOARDS.reduce((s, b) => s + Number(loss.rows.find((r) => r.board === b)?.events ?? 0), 0) : null;
  res.queries = {
    span: { ...span, rows: span.rows?.length ?? null, spans: span.rows?.reduce((s, r) => s + Number(r.spans), 0) ?? null },
    loss: { ...loss, rows: loss.rows?.length ?? null, correct: lostGot === lostWant && eventsGot === events },
  };
  rmSync(big, { recursive: true, force: true });
  res.dask = await dask(ctx, wrap, DASK_N);
  return res;
}

export async function run(ctx, results) {
  try {
    put(results, ['data'], await measure(ctx));
  } catch (e) {
    put(results, ['data'], { error: e.message });
    log(`data: ${e.message}`);
  }
}
