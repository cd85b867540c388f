// A CTF export of many sessions (a target that resets again and again) holds the files of one
// session at a time: each session's streams are written out and closed when the next begins,
// and the sink factory finishes those files at its next drain(), so the descriptors and write
// buffers an export holds do not grow with its length. The output is the same as when every
// file stays open to the end (the files in memory).
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExport } from '../api/export.js';
import { TraceDecoder } from '../core/decoder.js';
import { StreamWriter } from '../core/encode.js';
import type { TraceRecord } from '../core/types.js';
import { CtfExporter } from './ctf.js';
import { DirSinkFactory, MemorySinkFactory } from './sinks.js';
import { exportRecords } from './types.js';

const SESSIONS = 40;
const CORES = 2;
const UUID = '11111111-2222-3333-4444-555555555555';
const tmp = mkdtempSync(join(tmpdir(), 'tp-ctf-sessions-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** SESSIONS sessions of CORES cores, each opened by a BOOT header, with a link loss in each. */
function stream(): Uint8Array {
  const w = new StreamWriter();
  for (let session = 1; session <= SESSIONS; session++) {
    w.header({ boot: true, cores: CORES, mode: 'discard', timerBits: 32, timerHz: 1_000_000, packetSize: 1024, packets: 8, ts: 0, session });
    const t = [100, 100];
    const committed = [0, 0];
    for (let seq = 0; seq < 60; seq++) {
      const c = seq % CORES;
      const s = seq >> 1;
      // packet 7 of each core is lost on the link
      if (s !== 7) w.beginPacket(c, s, t[c], committed[c], 0, 0, 0);
      for (let e = 0; e < 20; e++) {
        t[c] += 1 + ((e * 37) & 0x3f);
        if (s !== 7) w.event(e % 5, e & 0x1f, t[c], [e, session]);
      }
      t[c] += 3;
      if (s !== 7) w.endPacket(t[c]);
      committed[c] += 20;
    }
  }
  return w.bytes();
}

function decoded(bytes: Uint8Array) {
  const records: TraceRecord[] = [];
  const d = new TraceDecoder((r) => records.push(r));
  d.push(bytes);
  d.end();
  return { records, stats: d.stats() };
}

function digest(bytes: Uint8Array): string {
  return `${bytes.length} ${createHash('sha1').update(bytes).digest('hex')}`;
}

function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (f.isFile()) out[relative(dir, join(f.parentPath, f.name))] = digest(readFileSync(join(f.parentPath, f.name)));
  }
  return out;
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('CTF export of many sessions', () => {
  const bytes = stream();
  const { records, stats } = decoded(bytes);
  const mem = new MemorySinkFactory();
  exportRecords(new CtfExporter(mem, { uuid: UUID }), records, stats);
  const want: Record<string, string> = {};
  for (const [name, sink] of mem.files) want[name] = digest(sink.bytes());

  it('has a trace per session', () => {
    expect(Object.keys(want).length).toBe(SESSIONS * (CORES + 1));
  });

  it("closes each session's files when the next begins: one session's files open at a time", async () => {
    const dir = join(tmp, 'records');
    const out = new DirSinkFactory(dir, true);
    const ctf = new CtfExporter(out, { uuid: UUID });
    const fdsBefore = openFds();
    let mostStreams = 0;
    let mostFiles = 0;
    let mostFds = 0;
    ctf.begin({});
    for (const rec of records) {
      ctf.record(rec);
      mostStreams = Math.max(mostStreams, ctf.openStreams());
      mostFiles = Math.max(mostFiles, out.openFiles);
      mostFds = Math.max(mostFds, openFds());
      // as between input chunks: the files closed are finished here
      if (rec.type === 'header') await out.drain();
    }
    ctf.end(stats);
    await out.end();
    expect(mostStreams).toBe(CORES);
    expect(mostFiles).toBe(CORES);
    expect(mostFds - fdsBefore).toBeLessThanOrEqual(CORES);
    expect(filesUnder(dir)).toEqual(want);
  });

  for (const threads of [false, true]) {
    // on one thread drain() comes once per input chunk (many sessions of this small trace); the
    // pool's path with small stretches drains after each of them
    it(`through runExport (threads: ${threads}): the same files${threads ? ', far fewer open than sessions' : ''}`, async () => {
      const path = join(tmp, `trace-${threads}.bin`);
      writeFileSync(path, bytes);
      const dir = join(tmp, `run-${threads}`);
      const out = new DirSinkFactory(dir, true);
      const ctf = new CtfExporter(out, { uuid: UUID });
      let mostFiles = 0;
      const drain = async () => {
        mostFiles = Math.max(mostFiles, out.openFiles);
        await out.drain();
      };
      const pool = { worker: false, stretch: 4096, after: 0 };
      await runExport(path, ctf, { name: 'trace', label: 'ctf', info: {}, warn: () => undefined, drain, threads, pool });
      await out.end();
      if (threads) expect(mostFiles).toBeGreaterThan(0);
      if (threads) expect(mostFiles).toBeLessThan(SESSIONS);
      expect(filesUnder(dir)).toEqual(want);
    });
  }
});
