// The stats path on two threads (built here from the sources, as host/build.mjs builds the
// worker) against the decoder fed directly: the same records and stats for files with damage,
// resets, frames across every cut and frames longer than a stretch, whichever thread took
// which stretch, with and without the worker.
import fc from 'fast-check';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCaptureStart, encodeDataRecords } from '../core/capture-format.js';
import { TraceDecoder } from '../core/decoder.js';
import { StreamWriter } from '../core/encode.js';
import { recordToJson, statsToJson } from '../core/jsonl.js';
import type { TraceRecord } from '../core/types.js';
import { FrameScanner } from '../core/frame-scan.js';
import { decodeFileParallel, SCAN_WORKER_FILE, SharedStretches, type ParallelFileOptions } from './scan-pool.js';
import { buildWorker } from './worker-build.js';

let dir: string;
let workerFile: string;
beforeAll(async () => ({ dir, workerFile } = await buildWorker('tp-scan-', 'scan-worker.ts', SCAN_WORKER_FILE)));
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

function direct(bytes: Uint8Array): string {
  const recs: TraceRecord[] = [];
  const d = new TraceDecoder((r) => recs.push(r), { objects: false });
  for (let p = 0; p < bytes.length; p += 1 << 18) d.push(bytes.subarray(p, p + (1 << 18)));
  d.end();
  return JSON.stringify([recs.map(recordToJson), statsToJson(d.stats())]);
}

let files = 0;
async function parallel(bytes: Uint8Array, opts: ParallelFileOptions): Promise<string> {
  const file = join(dir, `t${files++}.bin`);
  writeFileSync(file, bytes);
  const recs: TraceRecord[] = [];
  const d = new TraceDecoder((r) => recs.push(r), { objects: false });
  // proven as decodeTraceFile has it: a record other than a notice came
  const proven = () => recs.some((r) => r.type !== 'notice');
  const size = await decodeFileParallel(file, d, { data: (b) => d.push(b), proven }, { after: 0, ...opts });
  expect(size).toBe(bytes.length);
  d.end();
  rmSync(file);
  return JSON.stringify([recs.map(recordToJson), statsToJson(d.stats())]);
}

const used = () => ({ decoded: 0, scanned: 0, booked: 0 });

/** bytes with empty frames (a run of delimiters) after some frames: cuts fall on delimiters too. */
function runsOfDelimiters(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let x = 7;
  for (const b of bytes) {
    out.push(b);
    if (b === 0) for (x = (x * 69069 + 1) >>> 0; x >>> 29 < 5; x = (x * 69069 + 1) >>> 0) out.push(0);
  }
  return Uint8Array.from(out);
}

describe('decodeFileParallel', () => {
  const inputs = [stream(12_000, 1), stream(9_000, 2), stream(300, 3), runsOfDelimiters(stream(3000, 5))];

  it('with the worker thread gives the records and stats of the decoder fed directly, at any stretch size', { timeout: 60_000 }, async () => {
    // (which stretches the worker takes depends on timing: the test of any share is below)
    for (const bytes of inputs) {
      const want = direct(bytes);
      expect(want).toContain('crc_mismatch');
      expect(want).toContain('session_reset');
      // stretches shorter than a frame, about one, and many frames long: frames across every cut
      for (const stretch of [700, 1024, 4099, 65_536]) expect(await parallel(bytes, { workerFile, stretch })).toBe(want);
    }
  });

  it('for any share of the stretches taken by another thread and any stretch size, the same (a second thread simulated here)', async () => {
    const bytes = runsOfDelimiters(stream(400, 6));
    const want = direct(bytes);
    const file = join(dir, 'shared.bin');
    writeFileSync(file, bytes);
    const fd = openSync(file, 'r');
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 3000 }), fc.array(fc.nat(4), { minLength: 1, maxLength: 20 }), async (stretch, takes) => {
          const recs: TraceRecord[] = [];
          const d = new TraceDecoder((r) => recs.push(r), { objects: false });
          const other = new FrameScanner();
          const u = used();
          let k = 0;
          let taken = 0;
          // before each stretch this thread takes, the other takes the next takes[k] (while there are slots)
          const alongside = (sh: SharedStretches) => {
            for (let n = takes[k++ % takes.length]; n > 0; n--) {
              const j = sh.claim();
              if (j < 0) break;
              sh.scan(j, fd, other);
              taken++;
            }
          };
          await decodeFileParallel(file, d, { data: (b) => d.push(b), proven: () => true }, { after: 0, worker: false, stretch, alongside, used: u });
          d.end();
          expect(JSON.stringify([recs.map(recordToJson), statsToJson(d.stats())])).toBe(want);
          expect(u.decoded + u.scanned + taken).toBe(Math.ceil(bytes.length / stretch));
          if (takes.some((n) => n > 0)) expect(taken).toBeGreaterThan(0);
        }),
        { numRuns: 60 },
      );
    } finally {
      closeSync(fd);
    }
  });

  it('scanned stretches meet at frame boundaries: none overlaps the next, none starts before its nominal start', () => {
    const bytes = runsOfDelimiters(stream(60, 7));
    const file = join(dir, 'cuts.bin');
    writeFileSync(file, bytes);
    const fd = openSync(file, 'r');
    try {
      for (let stretch = 1; stretch <= 700; stretch += stretch < 100 ? 1 : 7) {
        const sh = SharedStretches.create(bytes.length, stretch);
        const scanner = new FrameScanner();
        let end = 0;
        for (let j = 0; j < sh.count; j++) {
          expect(sh.claim()).toBe(j);
          sh.scan(j, fd, scanner);
          const { at, bytes: frames } = sh.scanned(j);
          if (frames.length > 0) {
            expect(at).toBeGreaterThanOrEqual(Math.max(end, j * stretch));
            expect(frames[frames.length - 1]).toBe(0);
            end = at + frames.length;
          }
          sh.free(j);
          sh.setBooked(j + 1);
        }
      }
    } finally {
      closeSync(fd);
    }
  });

  it('on this thread alone, the same', async () => {
    for (const bytes of inputs) expect(await parallel(bytes, { worker: false, stretch: 4099 })).toBe(direct(bytes));
  });

  it('frames longer than a stretch (no delimiter for many stretches) are refused as by the decoder', async () => {
    const good = stream(4000, 4);
    const long = 300_000;
    const half = good.length >> 1;
    // good frames, a run without a delimiter, the rest of the good frames, another run at the end
    const bytes = new Uint8Array(good.length + 2 * long).fill(0x41);
    bytes.set(good.subarray(0, half), 0);
    bytes.set(good.subarray(half), half + long);
    const want = direct(bytes);
    expect(want).toContain('frame_too_long');
    for (const stretch of [5000, 65_536]) expect(await parallel(bytes, { workerFile, stretch })).toBe(want);
  });

  it('a file that is not a trace is read on this thread only (no worker before a valid frame)', async () => {
    const bytes = new Uint8Array(200_000).fill(7);
    for (let i = 0; i < bytes.length; i += 999) bytes[i] = 0;
    const u = used();
    expect(await parallel(bytes, { workerFile, stretch: 4096, used: u })).toBe(direct(bytes));
    expect(u.booked).toBe(0);
  });

  it('a capture, a short file, a directory and a missing path take the ordinary path (nothing decoded here)', async () => {
    const d = new TraceDecoder(() => undefined, { objects: false });
    const edge = { data: () => expect.unreachable(), proven: () => true };
    const capture = join(dir, 'c.tpt');
    writeFileSync(capture, Buffer.concat([encodeCaptureStart({ source: 'serial', writer: 'test' }), ...encodeDataRecords(1000n, inputs[2])]));
    const short = join(dir, 's.bin');
    writeFileSync(short, inputs[2]);
    expect(await decodeFileParallel(capture, d, edge, { after: 0 })).toBeNull();
    expect(await decodeFileParallel(short, d, edge, { after: inputs[2].length + 1 })).toBeNull();
    expect(await decodeFileParallel(dir, d, edge, { after: 0 })).toBeNull();
    expect(await decodeFileParallel(join(dir, 'none.bin'), d, edge, { after: 0 })).toBeNull();
    expect(d.bytesIn).toBe(0);
  });

  it('a worker script that fails to start leaves every stretch to this thread', async () => {
    const u = used();
    expect(await parallel(inputs[0], { workerFile: join(dir, 'missing.cjs'), stretch: 1024, used: u })).toBe(direct(inputs[0]));
    expect(u.booked).toBe(u.scanned);
  });
});
