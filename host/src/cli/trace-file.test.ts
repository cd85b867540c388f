// decodeTraceFile on the stats path (objects: false) with its two-thread path (io/scan-pool.ts,
// here without the worker, which only the bundle has beside it) against the same call without
// it: raw streams (which take that path) and captures (which do not), damaged containers
// included, give the same warnings in the same order and the same stats.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeCaptureStart, encodeDataRecords, encodeEventRecord } from '../core/capture-format.js';
import { StreamWriter } from '../core/encode.js';
import { statsToJson } from '../core/jsonl.js';
import { decodeTraceFile } from './trace-file.js';

const dir = mkdtempSync(join(tmpdir(), 'tp-tracefile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A one-core stream of n packets (about 10 MB for n = 40000) with a FINAL status. */
function stream(n: number): Uint8Array {
  const w = new StreamWriter();
  w.header({ boot: true, cores: 1, mode: 'discard', timerBits: 32, timerHz: 1_000_000, packetSize: 1024, packets: 8, ts: 0, session: 1 });
  let t = 10;
  let committed = 0;
  for (let seq = 0; seq < n; seq++) {
    w.beginPacket(0, seq, t, committed, 0, 0);
    for (let e = 0; e < 30; e++) w.event(0, e, (t += 7), [e * 1000, seq]);
    w.endPacket((t += 3));
    committed += 30;
  }
  w.status({ core: 0, final: true, ts: t + 5, nextSeq: n, committed, dropped: 0, overwritten: 0 });
  return w.bytes();
}

async function both(file: string) {
  const run = async (parallel: boolean) => {
    const warnings: string[] = [];
    const r = await decodeTraceFile(file, { objects: false, parallel, warn: (l) => warnings.push(l) });
    return { warnings, stats: statsToJson(r.stats), valid: r.validRecords };
  };
  return { scanned: await run(true), direct: await run(false) };
}

describe('decodeTraceFile with the scan pipeline', () => {
  // longer than PARALLEL_AFTER: a raw file takes the two-thread path
  const bytes = stream(40_000);

  it('a raw stream with damaged frames', async () => {
    const b = bytes.slice();
    for (let i = 1; i < 30; i++) b[Math.floor((b.length * i) / 31)] ^= 0x5a;
    const file = join(dir, 'raw.bin');
    writeFileSync(file, b);
    const { scanned, direct } = await both(file);
    expect(direct.warnings.some((w) => w.includes('crc_mismatch'))).toBe(true);
    expect(scanned).toEqual(direct);
  });

  it('a raw file with no valid frame is refused the same, after the same bytes', async () => {
    const file = join(dir, 'junk.bin');
    const junk = new Uint8Array(20 << 20).fill(0x41);
    for (let i = 0; i < junk.length; i += 1000) junk[i] = 0;
    writeFileSync(file, junk);
    const run = (parallel: boolean) => decodeTraceFile(file, { objects: false, parallel, warn: () => undefined }).then(() => 'decoded', (e: Error) => e.message);
    const direct = await run(false);
    expect(direct).toContain('no valid frame in its first 16 MiB');
    expect(await run(true)).toBe(direct);
  });

  it('a capture with a disconnect and a damaged record', async () => {
    const parts: Uint8Array[] = [encodeCaptureStart({ source: 'serial', writer: 'test' })];
    let ns = 1_000_000n;
    let damaged = 0;
    for (let p = 0; p < bytes.length; p += 4096) {
      if (p === 4096 * 1998) parts.push(encodeEventRecord(ns, { kind: 'disconnect' }));
      if (p === 4096 * 2000) damaged = parts.reduce((n, x) => n + x.length, 0);
      parts.push(...encodeDataRecords((ns += 1000n), bytes.subarray(p, p + 4096)));
    }
    const file = join(dir, 'cap.tpt');
    const all = Uint8Array.from(Buffer.concat(parts));
    // a record header far into the file (after the pipeline took over), its length garbled
    all.fill(0xff, damaged + 1, damaged + 5);
    writeFileSync(file, all);
    const { scanned, direct } = await both(file);
    const damage = direct.warnings.findIndex((w) => w.includes('capture damaged'));
    expect(damage).toBeGreaterThan(0);
    // warnings of frames after the damage (the cut frame) come after its line
    expect(direct.warnings.slice(damage + 1).some((w) => w.includes('frame'))).toBe(true);
    expect(scanned).toEqual(direct);
  });
});
