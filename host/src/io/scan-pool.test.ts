// The stats pipeline with its worker thread (built here from the sources, as host/build.mjs
// builds it) against the decoder fed directly: the same records and stats for long streams
// with damage, whichever thread scanned which stretch, with and without the worker.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceDecoder } from '../core/decoder.js';
import { StreamWriter } from '../core/encode.js';
import { recordToJson, statsToJson } from '../core/jsonl.js';
import type { TraceRecord } from '../core/types.js';
import { ScanPipeline, SCAN_WORKER_FILE, type ScanPipelineOptions } from './scan-pool.js';

let dir: string;
let workerFile: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tp-scan-'));
  workerFile = join(dir, SCAN_WORKER_FILE);
  await build({ entryPoints: [join(import.meta.dirname, 'scan-worker.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: workerFile, logLevel: 'warning' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A two-core stream of about `packets` packets with a seeded mix of events, a reset in the middle, and damage. */
function stream(packets: number, seed: number): Uint8Array {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 8);
  const w = new StreamWriter();
  for (const session of [1, 2]) {
    w.header({ boot: true, cores: 2, mode: 'discard', timerBits: 32, timerHz: 1_000_000, packetSize: 1024, packets: 8, ts: 0, session });
    const seq = [0, 0];
    const committed = [0, 0];
    const t = [100, 100];
    for (let i = 0; i < packets / 2; i++) {
      const c = i & 1;
      // a packet now and then lost on the link: link_lost in the books
      const lost = rnd() % 50 === 0;
      const n = 1 + (rnd() % 60);
      if (!lost) w.beginPacket(c, seq[c], t[c], committed[c], 0, 0);
      for (let e = 0; e < n; e++) {
        t[c] += 1 + (rnd() & 0xff);
        if (!lost) w.event(rnd() & 3, rnd() & 0x3f, t[c], rnd() & 1 ? [rnd(), rnd() & 0xff] : []);
      }
      t[c] += 5;
      if (!lost) w.endPacket(t[c]);
      seq[c]++;
      committed[c] += n;
    }
    for (let c = 0; c < 2; c++) w.status({ core: c, final: true, ts: t[c] + 10, nextSeq: seq[c], committed: committed[c], dropped: 0, overwritten: 0 });
  }
  const b = w.bytes();
  // damage: flipped bytes (CRC failures, resyncs) and a zeroed stretch
  for (let i = 0; i < 40; i++) b[rnd() % b.length] ^= 1 + (rnd() % 255);
  b.fill(0, b.length >> 1, (b.length >> 1) + 3000);
  return b;
}

type Input = { bytes: Uint8Array; chunk: number };

function direct({ bytes, chunk }: Input): string {
  const recs: TraceRecord[] = [];
  const d = new TraceDecoder((r) => recs.push(r), { objects: false });
  for (let p = 0; p < bytes.length; p += chunk) d.push(bytes.subarray(p, p + chunk));
  d.end();
  return JSON.stringify([recs.map(recordToJson), statsToJson(d.stats())]);
}

async function piped({ bytes, chunk }: Input, opts: ScanPipelineOptions, used?: { byWorker: number; maxHeld?: number }): Promise<string> {
  const recs: TraceRecord[] = [];
  const d = new TraceDecoder((r) => recs.push(r), { objects: false });
  const pipe = new ScanPipeline(d, opts);
  for (let p = 0; p < bytes.length; p += chunk) {
    pipe.push(bytes.subarray(p, p + chunk));
    await pipe.settle();
  }
  await pipe.end();
  if (used) {
    used.byWorker += pipe.byWorker;
    used.maxHeld = Math.max(used.maxHeld ?? 0, pipe.maxHeld);
  }
  d.end();
  return JSON.stringify([recs.map(recordToJson), statsToJson(d.stats())]);
}

describe('ScanPipeline', () => {
  const inputs: Input[] = [
    { bytes: stream(12_000, 1), chunk: 1 << 18 },
    { bytes: stream(9_000, 2), chunk: 77_777 },
    { bytes: stream(300, 3), chunk: 1000 },
  ];

  it('with the worker thread gives the records and stats of the decoder fed directly', async () => {
    const used = { byWorker: 0 };
    for (const input of inputs) {
      const want = direct(input);
      expect(want).toContain('crc_mismatch');
      expect(await piped(input, { workerFile, workerAfter: 0 }, used)).toBe(want);
    }
    expect(used.byWorker).toBeGreaterThan(0);
  });

  it('on this thread alone, the same', async () => {
    for (const input of inputs) expect(await piped(input, { worker: false })).toBe(direct(input));
  });

  it('a frame longer than any buffer (no delimiter in megabytes) is refused as by the decoder, in bounded memory', async () => {
    const good = stream(4000, 4);
    const long = 24 << 20;
    const half = good.length >> 1;
    // good frames, a run without a delimiter, the rest of the good frames, another run
    const bytes = new Uint8Array(good.length + 2 * long).fill(0x41);
    bytes.set(good.subarray(0, half), 0);
    bytes.set(good.subarray(half), half + long);
    const input = { bytes, chunk: 1 << 18 };
    const want = direct(input);
    expect(want).toContain('frame_too_long');
    for (const opts of [{ worker: false }, { workerFile, workerAfter: 0 }]) {
      const used = { byWorker: 0, maxHeld: 0 };
      expect(await piped(input, opts, used)).toBe(want);
      expect(used.maxHeld).toBeLessThan(long);
    }
  });

  it('a worker script that fails to start is an error, not a wrong result', async () => {
    await expect(piped(inputs[0], { workerFile: join(dir, 'missing.cjs'), workerAfter: 0 })).rejects.toThrow();
  });
});
