// The Parquet export's staging (parquet-stage.ts) over real DuckDB: every event and loss of a
// trace comes back from the written files as decode gives it, across many 2048-row blocks,
// from the batch columns and from records with the ELF's strings alike.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthTrace } from '../../../test/export/synth.js';
import { TraceDecoder } from '../core/decoder.js';
import type { TraceRecord } from '../core/types.js';
import { type FileLayout, ParquetExporter } from './parquet.js';
import { openDb } from './parquet-duckdb.js';
import { exporterFeed } from './types.js';

const tmp = mkdtempSync(join(tmpdir(), 'tp-parquet-stage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// several blocks, two cores, losses of every kind, blobs and full-range arguments
const TRACE = synthTrace({ evicted: [2], linkLost: [4], drops: [[1, 5], [7, 3]], packetsPerCore: 60, eventsPerPacket: 70, blob: Uint8Array.of(0, 1, 255, 34, 10) });

function decoded(): TraceRecord[] {
  const out: TraceRecord[] = [];
  const d = new TraceDecoder((r) => r.type !== 'notice' && out.push(r));
  d.push(TRACE);
  d.end();
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function rows(dir: string, table: string): Promise<Record<string, unknown>[]> {
  const db = await openDb();
  try {
    const r = await db.conn.runAndReadAll(`SELECT * FROM read_parquet('${join(dir, table)}/*/*/*.parquet') ORDER BY ord`);
    return r.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

async function exported(name: string, named: boolean, feed: (x: ParquetExporter) => void, layout?: FileLayout, dir = join(tmp, name)): Promise<string> {
  const x = new ParquetExporter();
  x.begin({});
  await x.open(named);
  feed(x);
  await x.write(dir, { source: name, inputKind: 'raw', writer: 'test' }, { input: '', id: name, layout });
  return dir;
}

describe('Parquet staging', () => {
  const recs = decoded();
  const events = recs.filter((r) => r.type === 'event');
  const losses = recs.filter((r) => r.type === 'loss');

  it('the trace spans several blocks, with blobs and losses', () => {
    expect(events.length).toBeGreaterThan(3 * 2048);
    expect(events.some((e) => e.blob)).toBe(true);
    expect(losses.length).toBeGreaterThan(2);
  });

  const expectRows = async (dir: string, withStrings: boolean) => {
    const ev = await rows(dir, 'events');
    expect(ev.length).toBe(events.length);
    let ord = 0;
    // ord counts the timeline's events and losses (the other records have no row)
    const ords = new Map<TraceRecord, number>(recs.filter((r) => r.type === 'event' || r.type === 'loss').map((r) => [r, ord++]));
    ev.forEach((row, i) => {
      const e = events[i];
      expect(row).toMatchObject({
        ord: String(ords.get(e)),
        session: e.session,
        core: e.core,
        seq: String(e.seq),
        t_ns: e.tNs.toString(),
        ticks: e.ticks.toString(),
        kind: e.kind,
        id: String(e.id),
        args: e.blob ? null : e.args.map(String),
        blob: e.blob ? expect.any(String) : null,
        value: e.kind === 'counter' && e.args.length === 1 ? e.args[0].toString() : null,
        name: withStrings ? `ev${e.id}` : null,
        text: withStrings ? `t\u00e9xt "${i}"` : null,
      });
    });
    const ls = await rows(dir, 'losses');
    expect(ls).toEqual(
      losses.map((l) => ({ ord: String(ords.get(l)), session: l.session, core: l.core, cause: l.cause, count: String(l.count), from_ns: l.fromNs.toString(), to_ns: l.toNs.toString(), board: 'unknown', capture: expect.any(String) })),
    );
    // blobs byte for byte: DuckDB shows a BLOB with \xNN escapes, so compare them as hex
    const db = await openDb();
    try {
      const r = await db.conn.runAndReadAll(`SELECT hex(blob) AS h FROM read_parquet('${join(dir, 'events')}/*/*/*.parquet') WHERE blob IS NOT NULL ORDER BY ord`);
      expect((r.getRowObjectsJson() as { h: string }[]).map((x) => x.h.toLowerCase())).toEqual(events.filter((e) => e.blob).map((e) => hex(e.blob!)));
    } finally {
      db.close();
    }
  };

  const batchFeed = (x: ParquetExporter) => {
      const feed = exporterFeed(x, {});
      let batched = 0;
      const d = new TraceDecoder((r) => r.type !== 'notice' && feed.onRecord(r), {
        onEvents: (b, from, to) => {
          batched += to - from;
          feed.onEvents!(b, from, to);
        },
      });
      d.push(TRACE);
      d.end();
      feed.end(d.stats());
      expect(batched).toBe(events.length);
  };

  it('from the batch columns: every event and loss as decode gives them', async () => {
    await expectRows(await exported('batches', false, batchFeed), false);
  });

  it('a partition cut into several files reads as one, and a re-export removes the files it no longer writes', async () => {
    const part = (dir: string) => join(dir, 'events', 'board=unknown', 'capture=cut');
    // the smallest groups DuckDB writes (one vector), one per file
    const dir = await exported('cut', false, batchFeed, { rowGroupRows: 2048, rowGroupsPerFile: 1 });
    const cut = readdirSync(part(dir)).sort();
    expect(cut.length).toBe(Math.ceil(events.length / 2048));
    expect(cut).toEqual(cut.map((_, i) => `part-${i}.parquet`).sort());
    await expectRows(dir, false);
    await exported('cut', false, batchFeed, undefined, dir);
    expect(readdirSync(part(dir))).toEqual(['part-0.parquet']);
    await expectRows(dir, false);
  });

  it('from records with the ELF strings: every event, its strings in place', async () => {
    let i = 0;
    const dir = await exported('records', true, (x) => {
      for (const r of recs) x.record(r.type === 'event' ? { ...r, name: `ev${r.id}`, text: `t\u00e9xt "${i++}"` } : r);
      x.end([]);
    });
    await expectRows(dir, true);
  });
});
