// The SQL views `tracepipe query` offers over one or more Parquet datasets (docs/DATA.md):
// the tables as written, and `spans` and `isrs`, begin/end pairs with their durations.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sqlString } from './parquet-duckdb.js';
import { PARTITION_COLUMNS, TABLES, type TableName } from './parquet.js';

const HIVE_TYPES = `{${Object.entries(PARTITION_COLUMNS)
  .map(([c, t]) => `${c}: ${sqlString(t)}`)
  .join(', ')}}`;

/** One table over every dataset that has it; a table no dataset has is an empty view with the documented columns. */
export function tableViewSql(table: TableName, datasets: string[]): string {
  const globs = datasets.filter((d) => existsSync(join(d, table))).map((d) => sqlString(join(d, table, '**', '*.parquet')));
  if (globs.length === 0) {
    const cols = Object.entries({ ...PARTITION_COLUMNS, ...TABLES[table] }).map(([c, t]) => `NULL::${t} AS ${c}`);
    return `CREATE VIEW ${table} AS SELECT ${cols.join(', ')} WHERE false`;
  }
  return `CREATE VIEW ${table} AS SELECT * FROM read_parquet([${globs.join(', ')}], hive_partitioning = true, hive_types = ${HIVE_TYPES}, union_by_name = true)`;
}

/**
 * Begin/end pairs of one kind pair. Per board, capture, session, core and id, in timeline
 * order (ord), a begin and the next end at the same nesting depth are one pair (so a span of
 * one id may nest in itself); a begin with no end after it (its end
 * was lost, or the capture stopped) and an end with no begin before it are rows of their own
 * with the missing side NULL. `cut` is true when a loss window of that core touches the
 * interval between the pair's ends (for a one-sided row: up to the neighbouring begin or end
 * of the same id, or the trace's edge): an event in it may have been lost, so the pairing
 * may be wrong and the duration is not proven.
 */
export function pairViewSql(view: string, beginKind: string, endKind: string): string {
  const b = sqlString(beginKind);
  const e = sqlString(endKind);
  return `CREATE VIEW ${view} AS
WITH depths AS (
  SELECT board, capture, session, core, id, name, site, kind, t_ns, ord,
    sum(CASE WHEN kind = ${b} THEN 1 ELSE -1 END) OVER (PARTITION BY board, capture, session, core, id ORDER BY ord ROWS UNBOUNDED PRECEDING) AS depth
  FROM events WHERE kind IN (${b}, ${e})
), marks AS (
  SELECT *,
    lead(kind) OVER w AS next_kind, lead(t_ns) OVER w AS next_ns, lead(ord) OVER w AS next_ord, lead(name) OVER w AS next_name,
    lag(kind) OVER w AS prev_kind, lag(t_ns) OVER w AS prev_ns
  FROM depths
  -- a begin opens nesting level depth, its end closes it: pairs are neighbours within one level
  WINDOW w AS (PARTITION BY board, capture, session, core, id, CASE WHEN kind = ${b} THEN depth ELSE depth + 1 END ORDER BY ord)
), pairs AS (
  SELECT board, capture, session, core, id,
    coalesce(name, CASE WHEN kind = ${b} AND next_kind = ${e} THEN next_name END) AS name,
    site,
    CASE WHEN kind = ${b} THEN t_ns END AS begin_ns,
    CASE WHEN kind = ${b} AND next_kind = ${e} THEN next_ns WHEN kind = ${e} THEN t_ns END AS end_ns,
    CASE WHEN kind = ${b} THEN ord END AS begin_ord,
    CASE WHEN kind = ${b} AND next_kind = ${e} THEN next_ord WHEN kind = ${e} THEN ord END AS end_ord,
    CASE WHEN kind = ${b} THEN t_ns ELSE prev_ns END AS lo_ns,
    CASE WHEN kind = ${b} AND next_kind = ${e} THEN next_ns WHEN kind = ${e} THEN t_ns ELSE next_ns END AS hi_ns
  FROM marks
  WHERE kind = ${b} OR prev_kind IS DISTINCT FROM ${b}
)
SELECT p.board, p.capture, p.session, p.core, p.id, p.name, p.site, p.begin_ns, p.end_ns,
  p.end_ns - p.begin_ns AS duration_ns,
  p.begin_ns IS NOT NULL AND p.end_ns IS NOT NULL AS complete,
  EXISTS (
    SELECT 1 FROM losses l
    WHERE l.board = p.board AND l.capture = p.capture AND l.session = p.session AND l.core = p.core
      AND (p.hi_ns IS NULL OR l.from_ns <= p.hi_ns) AND (p.lo_ns IS NULL OR l.to_ns >= p.lo_ns)
  ) AS cut,
  p.begin_ord, p.end_ord
FROM pairs p`;
}

/** Every statement that sets up the views, in order. */
export function viewStatements(datasets: string[]): string[] {
  return [
    ...(Object.keys(TABLES) as TableName[]).map((t) => tableViewSql(t, datasets)),
    pairViewSql('spans', 'span_begin', 'span_end'),
    pairViewSql('isrs', 'isr_enter', 'isr_exit'),
  ];
}
