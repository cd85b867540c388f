// The exporters' batch path (events as columns, core/batch.ts) writes exactly the bytes of
// their record path (one TraceEvent per event), on every valid vector and on lossy
// multi-core synthetic traces with blobs and full-range arguments.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthTrace } from '../../../test/export/synth.js';
import { TraceDecoder } from '../core/decoder.js';
import { ChromeJsonExporter } from './chrome.js';
import { CsvExporter } from './csv.js';
import { MemorySink } from './sinks.js';
import { exporterFeed, type Exporter, type Sink } from './types.js';

const VECTORS = 'protocol/vectors/valid';

function exported(bytes: Uint8Array, make: (s: Sink) => Exporter, batches: boolean, chunk: number): string {
  const sink = new MemorySink();
  const exporter = make(sink);
  const feed = exporterFeed(batches ? exporter : { begin: (i) => exporter.begin(i), record: (r) => exporter.record(r), end: (s) => exporter.end(s) }, {});
  expect(feed.onEvents !== undefined).toBe(batches);
  const d = new TraceDecoder((r) => r.type !== 'notice' && feed.onRecord(r), { onEvents: feed.onEvents });
  for (let i = 0; i < bytes.length; i += chunk) d.push(bytes.subarray(i, i + chunk));
  d.end();
  feed.end(d.stats());
  return sink.text();
}

const inputs: [string, Uint8Array][] = [
  ...readdirSync(VECTORS).filter((f) => f.endsWith('.bin')).map((f) => [f, new Uint8Array(readFileSync(join(VECTORS, f)))] as [string, Uint8Array]),
  ['lossy', synthTrace({ evicted: [2], linkLost: [4], corrupted: [6], drops: [[1, 5], [7, 3]], packetsPerCore: 9, eventsPerPacket: 20, blob: new TextEncoder().encode('a,"b"\n') })],
  ['three cores', synthTrace({ cores: 3, packetsPerCore: 5, eventsPerPacket: 37, seed: 7 })],
];

describe.each([
  ['csv', (s: Sink) => new CsvExporter(s)],
  ['perfetto', (s: Sink) => new ChromeJsonExporter(s)],
] as const)('%s: batch path = record path', (_name, make) => {
  it.each(inputs)('%s', (_n, bytes) => {
    const want = exported(bytes, make, false, bytes.length);
    expect(want.length).toBeGreaterThan(0);
    for (const chunk of [bytes.length, 7]) expect(exported(bytes, make, true, chunk)).toBe(want);
  });
});
