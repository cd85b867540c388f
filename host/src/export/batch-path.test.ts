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
import { CtfExporter } from './ctf.js';
import { JsonlExporter } from './jsonl.js';
import { MemorySink, MemorySinkFactory } from './sinks.js';
import { exporterFeed, type Exporter, type Sink } from './types.js';

const VECTORS = 'protocol/vectors/valid';

interface Made {
  exporter: Exporter;
  /** everything written, every file of a folder in name order */
  text(): string;
}

function oneFile(make: (s: Sink) => Exporter): () => Made {
  return () => {
    const sink = new MemorySink();
    return { exporter: make(sink), text: () => sink.text() };
  };
}

function ctf(): Made {
  const files = new MemorySinkFactory();
  const exporter = new CtfExporter(files, { uuid: '0a1b2c3d-0000-4000-8000-00000000abcd' });
  const text = () =>
    [...files.files.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, f]) => `${name}\n${Buffer.from(f.bytes()).toString('latin1')}`)
      .join('\n');
  return { exporter, text };
}

function exported(bytes: Uint8Array, make: () => Made, batches: boolean, chunk: number): string {
  const { exporter, text } = make();
  const feed = exporterFeed(batches ? exporter : { begin: (i) => exporter.begin(i), record: (r) => exporter.record(r), end: (s) => exporter.end(s) }, {});
  expect(feed.onEvents !== undefined).toBe(batches);
  try {
    const d = new TraceDecoder((r) => r.type !== 'notice' && feed.onRecord(r), { onEvents: feed.onEvents });
    for (let i = 0; i < bytes.length; i += chunk) d.push(bytes.subarray(i, i + chunk));
    d.end();
    feed.end(d.stats());
  } catch (err) {
    // a trace CTF cannot hold (time_64bit) must fail the same way on both paths
    return `throws ${(err as Error).message}`;
  }
  return text();
}

const inputs: [string, Uint8Array][] = [
  ...readdirSync(VECTORS).filter((f) => f.endsWith('.bin')).map((f) => [f, new Uint8Array(readFileSync(join(VECTORS, f)))] as [string, Uint8Array]),
  ['lossy', synthTrace({ evicted: [2], linkLost: [4], corrupted: [6], drops: [[1, 5], [7, 3]], packetsPerCore: 9, eventsPerPacket: 20, blob: new TextEncoder().encode('a,"b"\n') })],
  ['three cores', synthTrace({ cores: 3, packetsPerCore: 5, eventsPerPacket: 37, seed: 7 })],
];

describe.each([
  ['csv', oneFile((s) => new CsvExporter(s))],
  ['perfetto', oneFile((s) => new ChromeJsonExporter(s))],
  ['ctf', ctf],
  ['jsonl', oneFile((s) => new JsonlExporter(s))],
] as const)('%s: batch path = record path', (_name, make) => {
  it.each(inputs)('%s', (_n, bytes) => {
    const want = exported(bytes, make, false, bytes.length);
    expect(want.length).toBeGreaterThan(0);
    for (const chunk of [bytes.length, 7]) expect(exported(bytes, make, true, chunk)).toBe(want);
  });
});
