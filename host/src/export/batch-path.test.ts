// The exporters' batch path (events as columns, core/batch.ts) writes exactly the bytes of
// their record path (one TraceEvent per event), on every valid vector and on lossy
// multi-core synthetic traces with blobs and full-range arguments.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthTrace } from '../../../test/export/synth.js';
import { TraceDecoder } from '../core/decoder.js';
import { StreamWriter } from '../core/encode.js';
import { ChromeJsonExporter } from './chrome.js';
import { PerfettoExporter } from './perfetto.js';
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

/**
 * ISR and span ends and begins at random over few ids: ends without a begin, nesting past the
 * Chrome exporter's MAX_OPEN (256), and drops between packets (slices across a loss).
 */
function unpairedTrace(): Uint8Array {
  let r = 99;
  const rnd = () => (r = (Math.imul(r, 1103515245) + 12345) >>> 0) >>> 16;
  const w = new StreamWriter();
  w.header({ boot: true, cores: 2, mode: 'discard', timerBits: 32, timerHz: 25_000_000, packetSize: 1024, packets: 8, ts: 0, session: 3 });
  const t = [1000, 1000];
  const committed = [0, 0];
  const dropped = [0, 0];
  for (let p = 0; p < 40; p++) {
    const c = p % 2;
    const seq = p >> 1;
    if (seq % 7 === 3) dropped[c] += 5;
    w.beginPacket(c, seq, t[c], committed[c], dropped[c], 0);
    for (let n = 0; n < 60; n++) {
      t[c] += 1 + (rnd() & 0x3f);
      const x = rnd() & 7;
      // begins twice as often as ends: stacks grow past 256
      const kind = x < 3 ? 'isr_enter' : x < 4 ? 'isr_exit' : x < 6 ? 'span_begin' : x < 7 ? 'span_end' : 'counter';
      w.event(kind, kind === 'counter' ? 4 : 16 + (rnd() & 3), t[c], kind === 'counter' ? [rnd()] : undefined);
    }
    committed[c] += 60;
    t[c] += 10;
    w.endPacket(t[c]);
  }
  return w.bytes();
}

const inputs: [string, Uint8Array][] = [
  ['unpaired', unpairedTrace()],
  ...readdirSync(VECTORS).filter((f) => f.endsWith('.bin')).map((f) => [f, new Uint8Array(readFileSync(join(VECTORS, f)))] as [string, Uint8Array]),
  ['lossy', synthTrace({ evicted: [2], linkLost: [4], corrupted: [6], drops: [[1, 5], [7, 3]], packetsPerCore: 9, eventsPerPacket: 20, blob: new TextEncoder().encode('a,"b"\n') })],
  ['three cores', synthTrace({ cores: 3, packetsPerCore: 5, eventsPerPacket: 37, seed: 7 })],
];

describe.each([
  ['csv', oneFile((s) => new CsvExporter(s))],
  ['chrome', oneFile((s) => new ChromeJsonExporter(s))],
  ['perfetto', oneFile((s) => new PerfettoExporter(s))],
  ['ctf', ctf],
  ['jsonl', oneFile((s) => new JsonlExporter(s))],
] as const)('%s: batch path = record path', (_name, make) => {
  it.each(inputs)('%s', (_n, bytes) => {
    const want = exported(bytes, make, false, bytes.length);
    expect(want.length).toBeGreaterThan(0);
    for (const chunk of [bytes.length, 7]) expect(exported(bytes, make, true, chunk)).toBe(want);
  });
});

describe('the unpaired trace', () => {
  it('has what it is for: ends without a begin, slices closed unfinished past MAX_OPEN, slices across a loss', () => {
    const json = exported(unpairedTrace(), oneFile((s) => new ChromeJsonExporter(s)), true, 1 << 20);
    expect(json).toMatch(/"name":"unmatched ISR 1\d end"/);
    expect(json).toMatch(/"unfinished":true/);
    expect(json).toMatch(/"across_loss":true/);
  });
});
