// Every exporter accepts whatever the decoder makes of damaged input: no exception, and
// the one-document formats stay well-formed (Perfetto's: a Trace of whole packets).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBytes, synthTrace } from '../../../test/export/synth.js';
import { ChromeJsonExporter } from './chrome.js';
import { CsvExporter } from './csv.js';
import { CtfExporter } from './ctf.js';
import { JsonlExporter } from './jsonl.js';
import { PerfettoExporter } from './perfetto.js';
import { MemorySink, MemorySinkFactory } from './sinks.js';
import { exportRecords } from './types.js';
import { ViewExporter } from './view.js';

const base = synthTrace({ packetsPerCore: 4, evicted: [1], drops: [[2, 3]], blob: Uint8Array.of(0, 0x3c, 0xff) });

/** A protobuf Trace: only Trace.packet fields (1, length-delimited), whose lengths tile the file. */
function expectTracePackets(b: Uint8Array): void {
  let p = 0;
  while (p < b.length) {
    expect(b[p++]).toBe(0x0a);
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      const x = b[p++];
      len += (x & 0x7f) * 2 ** shift;
      if (x < 0x80) break;
    }
    p += len;
  }
  expect(p).toBe(b.length);
}

describe('exporters on damaged input', () => {
  it('never throw, and JSON stays parseable', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
        fc.nat(base.length),
        (flips, cut) => {
          const b = base.slice(0, Math.max(cut, 1));
          for (const [at, v] of flips) if (at < b.length) b[at] = v;
          const { records, stats } = decodeBytes(b);
          const chrome = new MemorySink();
          exportRecords(new ChromeJsonExporter(chrome), records, stats);
          const doc = JSON.parse(chrome.text());
          expect(Array.isArray(doc.traceEvents)).toBe(true);
          const jsonl = new MemorySink();
          exportRecords(new JsonlExporter(jsonl), records, stats);
          for (const line of jsonl.text().trimEnd().split('\n')) JSON.parse(line);
          exportRecords(new CsvExporter(new MemorySink()), records, stats);
          const perfetto = new MemorySink();
          exportRecords(new PerfettoExporter(perfetto), records, stats);
          expectTracePackets(perfetto.bytes());
          exportRecords(new CtfExporter(new MemorySinkFactory(), { uuid: '00112233-4455-6677-8899-aabbccddeeff' }), records, stats);
          exportRecords(new ViewExporter(new MemorySink()), records, stats);
        },
      ),
      { numRuns: 150, seed: 6 },
    );
  });
});
