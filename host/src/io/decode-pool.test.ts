// The CTF and Perfetto exports on two threads (the worker built here from the sources, as
// host/build.mjs builds it) against the export on one thread: byte for byte the same files, counts and
// warnings, for streams with several cores, resets, losses of every cause, blobs, times that go
// back, damage and a cut end, whichever thread took which stretch, with and without the worker.
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamWriter } from '../core/encode.js';
import { runExport } from '../api/export.js';
import { CtfExporter } from '../export/ctf.js';
import { PerfettoExporter } from '../export/perfetto.js';
import { MemorySink, MemorySinkFactory } from '../export/sinks.js';
import { DECODE_WORKER_FILE, type DecodePoolOptions } from './decode-pool.js';
import { buildWorker } from './worker-build.js';

let dir: string;
let workerFile: string;
beforeAll(async () => ({ dir, workerFile } = await buildWorker('tp-decode-pool-', 'decode-worker.ts', DECODE_WORKER_FILE)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface StreamOptions {
  cores: number;
  packets: number;
  seed: number;
  /** flipped bytes and a zeroed stretch */
  damage?: boolean;
  /** the last frame cut in two */
  cut?: boolean;
  /** now and then 2^27 ticks or more between events and between packets: CTF's extended event header (export/ctf.ts compactHeader) */
  gaps?: boolean;
}

/** Sessions of `cores` cores with a seeded mix of events, losses of each cause, blobs and times that go back. */
function stream(o: StreamOptions): Uint8Array {
  let x = o.seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) >>> 0), x >>> 8);
  const w = new StreamWriter();
  for (const session of [1, 2]) {
    w.header({ boot: true, cores: o.cores, mode: 'discard', timerBits: 32, timerHz: 1_000_000, packetSize: 1024, packets: 8, ts: 0, session });
    const seq = new Array<number>(o.cores).fill(0);
    const committed = new Array<number>(o.cores).fill(0);
    const dropped = new Array<number>(o.cores).fill(0);
    const overwritten = new Array<number>(o.cores).fill(0);
    const rejected = new Array<number>(o.cores).fill(0);
    // the second session starts past 2^32 ticks: times in two words
    const t = new Array<number>(o.cores).fill(session === 1 ? 100 : 2 ** 33);
    for (let i = 0; i < o.packets; i++) {
      const c = rnd() % o.cores;
      const r = rnd() % 100;
      // losses: a packet lost on the link, events dropped or refused before this one, a packet overwritten
      const lost = r < 2;
      const evicted = r === 4;
      if (r >= 2 && r < 4) dropped[c] += 1 + (rnd() % 5);
      if (r === 5) rejected[c] += 1;
      const n = 1 + (rnd() % 40);
      if (evicted) overwritten[c] += n;
      const begin = t[c];
      const sent = !lost && !evicted;
      if (sent) w.beginPacket(c, seq[c], begin, committed[c], dropped[c], overwritten[c], rejected[c]);
      for (let e = 0; e < n; e++) {
        t[c] += o.gaps && rnd() % 4 === 0 ? 2 ** 27 + (rnd() & 0xff) : rnd() % 3 === 0 ? 0 : 1 + (rnd() & 0xff);
        if (!sent) continue;
        const k = rnd() % 8;
        if (k === 7 && rnd() % 4 === 0) w.event('log', rnd() & 0x3f, t[c], [], Uint8Array.from({ length: rnd() % 20 }, () => rnd() & 0xff));
        else {
          const args = Array.from({ length: rnd() % 4 }, () => (rnd() % 3 === 0 ? BigInt(rnd()) << 32n : rnd() & 0xfff));
          w.event(rnd() % 7, rnd() & 0x3f, t[c], args);
        }
      }
      // now and then a packet that ends before its last events (time_unproven), and the next one
      // begins there: CTF clamps the times that go back
      if (r === 6) t[c] = Math.max(begin, t[c] - 60);
      else t[c] += o.gaps && rnd() % 4 === 0 ? 2 ** 27 + (rnd() & 1) : 5;
      if (sent) w.endPacket(t[c]);
      seq[c]++;
      committed[c] += n;
    }
    for (let c = 0; c < o.cores; c++) {
      w.status({ core: c, final: true, ts: t[c] + 10, nextSeq: seq[c], committed: committed[c], dropped: dropped[c], overwritten: overwritten[c] });
    }
  }
  let b = w.bytes();
  if (o.damage) {
    for (let i = 0; i < 30; i++) b[rnd() % b.length] ^= 1 + (rnd() % 255);
    b.fill(0, b.length >> 1, (b.length >> 1) + 2000);
  }
  if (o.cut) b = b.subarray(0, b.length - 7);
  return b;
}

interface Export {
  /** each file's length and SHA-1 (comparing the bytes themselves is slow in expect) */
  files: Record<string, string>;
  events: number;
  warnings: string[];
  counts: number[];
}

async function exportCtf(path: string, threads: boolean, pool?: DecodePoolOptions): Promise<Export> {
  const out = new MemorySinkFactory();
  const ctf = new CtfExporter(out, { uuid: '11111111-2222-3333-4444-555555555555' });
  const warnings: string[] = [];
  const events = await runExport(path, ctf, { name: 'trace', label: 'ctf', info: { source: 'trace' }, warn: (l) => warnings.push(l), threads, pool });
  const files: Record<string, string> = {};
  for (const [name, sink] of out.files) {
    const bytes = sink.bytes();
    files[name] = `${bytes.length} ${createHash('sha1').update(bytes).digest('hex')}`;
  }
  return { files, events, warnings, counts: [ctf.timeClamped, ctf.lossWindowsChanged, ctf.lossWindowsLate] };
}

async function exportPerfetto(path: string, threads: boolean, pool?: DecodePoolOptions): Promise<Export> {
  const out = new MemorySink();
  const warnings: string[] = [];
  const events = await runExport(path, new PerfettoExporter(out), { name: 'trace', label: 'perfetto', info: { source: 'trace' }, warn: (l) => warnings.push(l), threads, pool });
  const bytes = out.bytes();
  return { files: { trace: `${bytes.length} ${createHash('sha1').update(bytes).digest('hex')}` }, events, warnings, counts: [] };
}

describe('Perfetto export on two threads (io/decode-pool.ts)', () => {
  for (const [name, o] of [
    ['two cores', { cores: 2, packets: 1500, seed: 1 }],
    ['three cores, damage', { cores: 3, packets: 2000, seed: 7, damage: true }],
    ['four cores, damage and a cut end', { cores: 4, packets: 2500, seed: 2024, damage: true, cut: true }],
  ] as [string, StreamOptions][]) {
    it(`${name}: the same bytes as on one thread, with and without the worker, most packets packed`, async () => {
      const path = join(dir, `pf-${o.seed}.bin`);
      writeFileSync(path, stream(o));
      const one = await exportPerfetto(path, false);
      expect(one.events).toBeGreaterThan(1000);
      for (const stretch of [4096, 10_000]) {
        const used = { booked: 0, scanned: 0, batches: 0 };
        const here = await exportPerfetto(path, true, { worker: false, stretch, after: 0, used });
        expect(used.booked).toBeGreaterThan(5);
        // new names, blobs, times that go back and new sessions take the batch path; the rest is packed
        expect(used.batches).toBeGreaterThan(0);
        expect(used.batches).toBeLessThan(o.packets / 2);
        expect(here).toEqual(one);
        expect(await exportPerfetto(path, true, { workerFile, stretch, after: 0 })).toEqual(one);
      }
    });
  }
});

describe('CTF export on two threads (io/decode-pool.ts)', () => {
  /** packets the exporter wanted as batches (a loss window, a new class, a clamped time), over the cases */
  let handedBack = 0;
  /** events whose time CTF clamped, over the cases */
  let clamped = 0;
  const cases: [string, StreamOptions][] = [
    ['two cores', { cores: 2, packets: 1500, seed: 1 }],
    ['three cores, damage', { cores: 3, packets: 2000, seed: 7, damage: true }],
    ['one core, a cut end', { cores: 1, packets: 1200, seed: 99, cut: true }],
    ['four cores, damage and a cut end', { cores: 4, packets: 2500, seed: 2024, damage: true, cut: true }],
    ['two cores, gaps of 2^27 ticks', { cores: 2, packets: 3000, seed: 31, gaps: true }],
  ];
  for (const [name, o] of cases) {
    it(`${name}: the same bytes as on one thread, with and without the worker`, async () => {
      const path = join(dir, `${o.seed}.bin`);
      writeFileSync(path, stream(o));
      const one = await exportCtf(path, false);
      expect(one.events).toBeGreaterThan(1000);
      clamped += one.counts[0];
      expect(Object.keys(one.files).length).toBeGreaterThan(o.cores);
      for (const stretch of [4096, 10_000]) {
        const used = { booked: 0, scanned: 0, batches: 0 };
        const here = await exportCtf(path, true, { worker: false, stretch, after: 0, used });
        // the path under test was taken: stretches booked from their scans
        expect(used.booked).toBeGreaterThan(5);
        handedBack += used.batches;
        expect(here).toEqual(one);
        const two = await exportCtf(path, true, { workerFile, stretch, after: 0 });
        expect(two).toEqual(one);
      }
    });
  }

  it('the cases also took the batch path for packets the exporter could not take packed, and clamped times', () => {
    expect(handedBack).toBeGreaterThan(10);
    expect(clamped).toBeGreaterThan(0);
  });

  it('a short file, and a file that is no trace, take the one-thread path and fail as it does', async () => {
    const path = join(dir, 'short.bin');
    writeFileSync(path, stream({ cores: 2, packets: 50, seed: 5 }));
    const used = { booked: 0, scanned: 0, batches: 0 };
    expect(await exportCtf(path, true, { workerFile, used })).toEqual(await exportCtf(path, false));
    expect(used.booked).toBe(0);
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, Buffer.alloc(1 << 16, 0x55));
    const fails = (threads: boolean) => exportCtf(junk, threads, { workerFile, stretch: 4096, after: 0 }).then(() => 'ok', (e: Error) => e.message);
    expect(await fails(true)).toBe(await fails(false));
  });
});
