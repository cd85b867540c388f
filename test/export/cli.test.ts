// The export and view commands end to end, through the bundled CLI: the CTF export read
// by babeltrace2 equals `tracepipe decode --format jsonl` event for event, and the loss
// warnings equal `tracepipe stats --json`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { babeltrace } from './babeltrace.js';
import { synthTrace } from './synth.js';
import { StreamWriter } from '../../host/src/core/encode.js';
import { tuiViewPlugin } from '../../host/build-plugins.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'tp-cli-export-'));
// Inside the repo so the bundle resolves node_modules (the serial binding stays external).
const CLI = resolve('test-artifacts/cli-export/tracepipe.cjs');

beforeAll(async () => {
  mkdirSync('test-artifacts/cli-export', { recursive: true });
  await build({
    entryPoints: ['host/src/bin.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: CLI,
    external: ['@serialport/bindings-cpp'],
    logLevel: 'warning',
    plugins: [tuiViewPlugin],
  });
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tp(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const trace = join(tmp, 'lossy.bin');
writeFileSync(
  trace,
  synthTrace({ evicted: [2], linkLost: [4], corrupted: [6], drops: [[1, 5], [7, 3]], rejects: [[5, 2]], packetsPerCore: 9, eventsPerPacket: 20, blob: new TextEncoder().encode('hello %s') }),
);

describe('tracepipe export / view commands', () => {
  it('CTF: babeltrace2 prints exactly the events of tracepipe decode, and losses as in stats', () => {
    const dec = tp('decode', trace, '--format', 'jsonl', '--events-only');
    expect(dec.code).toBe(0);
    const events = dec.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const stats = JSON.parse(tp('stats', trace, '--json').stdout);
    const dir = join(tmp, 'ctf');
    const ex = tp('export', trace, '--format', 'ctf', '-o', dir);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toBe('');
    const bt = babeltrace(dir, 'seconds');
    expect(bt.events.length).toBe(events.length);
    bt.events.forEach((b, i) => {
      const e = events[i];
      expect(b.time.toString()).toBe(e.t_ns);
      expect(b.cpu).toBe(e.core);
      expect(b.name.startsWith(e.kind)).toBe(true);
      expect(b.fields.get(e.kind.startsWith('isr') ? 'irq' : 'id')).toBe(String(e.id));
      if (e.blob !== undefined) {
        expect(Buffer.from(b.data!).toString('hex')).toBe(e.blob);
      } else {
        const args = [...b.fields.entries()].filter(([k]) => /^(a\d|value)$/.test(k)).map(([, v]) => v);
        expect(args).toEqual(e.args.map(String));
      }
    });
    for (const c of stats.cores) {
      const discarded = bt.discards.filter((d) => d.stream === c.core && d.what === 'events').reduce((s, d) => s + d.count, 0);
      expect(discarded).toBe(c.dropped + c.overwritten + c.link_lost + c.rejected);
      expect(bt.discards.some((d) => d.stream === c.core && d.what === 'packets')).toBe(c.link_lost > 0);
    }
    expect(stats.total.link_lost).toBeGreaterThan(0);
    expect(stats.total.rejected).toBe(4);
  });

  it('JSONL to stdout: schema line, then the decode lines', () => {
    const dec = tp('decode', trace, '--format', 'jsonl');
    const ex = tp('export', trace, '--format', 'jsonl');
    expect(ex.code).toBe(0);
    const lines = ex.stdout.trimEnd().split('\n');
    expect(JSON.parse(lines[0]).type).toBe('schema');
    expect(lines.slice(1, -1)).toEqual(dec.stdout.trimEnd().split('\n'));
    const last = JSON.parse(lines[lines.length - 1]);
    expect(last.type).toBe('stats');
    // the stats record books every cause per core, as stats --json does
    const stats = JSON.parse(tp('stats', trace, '--json').stdout);
    const causes = (c: Record<string, unknown>) => ({ core: c.core, dropped: c.dropped, overwritten: c.overwritten, link_lost: c.link_lost, rejected: c.rejected });
    expect(last.cores.map(causes)).toEqual(stats.cores.map(causes));
    expect(last.cores.map((c: { rejected: number }) => c.rejected)).toEqual([2, 2]);
  });

  it('chrome, perfetto and csv to files, view to HTML; nothing on stdout', () => {
    const pj = join(tmp, 'trace.json');
    const r1 = tp('export', trace, '--format', 'chrome', '-o', pj);
    expect(r1.code).toBe(0);
    expect(r1.stdout).toBe('');
    expect(JSON.parse(readFileSync(pj, 'utf8')).traceEvents.length).toBeGreaterThan(100);
    // without -f: the ending names the format; Perfetto's protobuf starts with its first Trace.packet (field 1, length-delimited)
    const pf = join(tmp, 'trace.perfetto-trace');
    const r3 = tp('export', trace, '-o', pf);
    expect(r3.code).toBe(0);
    expect(r3.stderr).toMatch(/\(perfetto, \d+ events\)/);
    expect(readFileSync(pf)[0]).toBe(0x0a);
    const csv = join(tmp, 'trace.csv');
    expect(tp('export', trace, '-f', 'csv', '-o', csv).code).toBe(0);
    const rows = readFileSync(csv, 'utf8').split('\r\n');
    expect(rows[0].startsWith('type,session,core')).toBe(true);
    // refused events are loss rows of their own cause
    const col = rows[0].split(',');
    const rejected = rows.slice(1).map((r) => r.split(',')).filter((r) => r[0] === 'loss' && r[col.indexOf('cause')] === 'rejected');
    expect(rejected.map((r) => [r[col.indexOf('core')], r[col.indexOf('count')]])).toEqual([['0', '2'], ['1', '2']]);
    const html = join(tmp, 'v.html');
    const r2 = tp('view', trace, '-o', html);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toBe('');
    expect(readFileSync(html, 'utf8')).toContain('id="tp-meta"');
    expect(tp('view', trace).code).toBe(0);
    expect(existsSync(join(tmp, 'lossy.html'))).toBe(true);
  });

  it('view embeds a chosen window or at most --max-events, and says so', () => {
    const html = join(tmp, 'limited.html');
    const r = tp('view', trace, '-o', html, '--max-events', '50');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/wrote .*limited\.html \(50 of \d+ events\)/);
    expect(r.stderr).toMatch(/warning: the view holds the first 50 events/);
    const meta = JSON.parse(/<script type="application\/json" id="tp-meta">(.*?)<\/script>/s.exec(readFileSync(html, 'utf8'))![1]);
    expect(meta.lanes.reduce((s: number, l: { events: number }) => s + l.events, 0)).toBe(50);
    expect(meta.omitted.limit).toBeGreaterThan(100);
    const w = tp('view', trace, '-o', html, '--from', '0.0001', '--to', '0.0002');
    expect(w.code).toBe(0);
    const m2 = JSON.parse(/<script type="application\/json" id="tp-meta">(.*?)<\/script>/s.exec(readFileSync(html, 'utf8'))![1]);
    expect(m2.omitted.window).toBeGreaterThan(0);
    expect(m2.omitted.limit).toBe(0);
    expect(tp('view', trace, '--from', 'soon').code).toBe(2);
  });

  it('bad input: one line, non-zero exit, no output left behind', () => {
    const junk = join(tmp, 'junk.txt');
    writeFileSync(junk, 'this is not a trace\n'.repeat(50));
    const out = join(tmp, 'junk.json');
    const r = tp('export', junk, '--format', 'perfetto', '-o', out);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tracepipe: .*not a tracepipe trace/);
    expect(existsSync(out)).toBe(false);
    const v = tp('view', junk, '-o', join(tmp, 'junk.html'));
    expect(v.code).not.toBe(0);
    expect(existsSync(join(tmp, 'junk.html'))).toBe(false);
    const u = tp('export', trace, '--format', 'pdf');
    expect(u.code).toBe(2);
    expect(u.stderr.trim().split('\n')).toHaveLength(1);
    expect(tp('export', trace, '--format', 'ctf').code).toBe(2);
    const notEmpty = join(tmp, 'notempty');
    mkdirSync(notEmpty);
    writeFileSync(join(notEmpty, 'keep.txt'), 'mine');
    const c = tp('export', trace, '--format', 'ctf', '-o', notEmpty);
    expect(c.code).toBe(1);
    expect(readFileSync(join(notEmpty, 'keep.txt'), 'utf8')).toBe('mine');
    expect(tp('export', trace, '--format', 'jsonl', '-o', trace).code).toBe(2);
    // exporting again into an earlier CTF export replaces it, stale streams included
    const again = join(tmp, 'again');
    expect(tp('export', trace, '--format', 'ctf', '-o', again).code).toBe(0);
    writeFileSync(join(again, 'stream_core7'), 'stale');
    expect(tp('export', trace, '--format', 'ctf', '-o', again).code).toBe(0);
    expect(existsSync(join(again, 'stream_core7'))).toBe(false);
    expect(babeltrace(again, 'cycles').events.length).toBeGreaterThan(100);
    expect(readFileSync(trace).length).toBeGreaterThan(1000);
  });

  it('a missing parent folder is refused alike by ctf, csv and view, and not created (issue 10 item 8)', () => {
    const missing = join(tmp, 'no-such-folder', 'deeper');
    for (const args of [
      ['export', trace, '-f', 'ctf', '-o', join(missing, 'x.ctf')],
      ['export', trace, '-f', 'csv', '-o', join(missing, 'x.csv')],
      ['view', trace, '-o', join(missing, 'x.html')],
    ]) {
      const r = tp(...args);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^tracepipe: cannot write .*: folder .*deeper does not exist$/m);
      expect(existsSync(join(tmp, 'no-such-folder'))).toBe(false);
    }
  });

  it('times babeltrace2 cannot place (past 2^63 ns) are refused in one line, nothing left; just below, it opens', () => {
    const mk = (hz: number, t0: bigint) => {
      const w = new StreamWriter();
      w.header({ boot: true, cores: 1, mode: 'discard', timerBits: 64, timerHz: hz, packetSize: 256, packets: 4, ts: t0, session: 1 });
      w.beginPacket(0, 0, t0, 0, 0, 0);
      w.event('mark', 1, t0 + 1n);
      w.endPacket(t0 + 2n);
      return w.bytes();
    };
    const cases: [string, number, bigint][] = [
      ['1hz', 1, 1n << 63n],
      ['near2p64', 1_000_000, (1n << 64n) - 100n],
    ];
    for (const [name, hz, t0] of cases) {
      const f = join(tmp, `${name}.bin`);
      writeFileSync(f, mk(hz, t0));
      const out = join(tmp, `${name}.ctf`);
      const r = tp('export', f, '-f', 'ctf', '-o', out);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^tracepipe: CTF cannot hold this trace: core 0 reaches tick \d+ .*2\^63 ns/);
      expect(existsSync(out)).toBe(false);
    }
    // 1 GHz, 10 ticks below the limit: written, and babeltrace2 reads it at the exact tick
    const t0 = (1n << 63n) - 1_000_010n;
    const f = join(tmp, 'edge.bin');
    writeFileSync(f, mk(1_000_000_000, t0));
    const out = join(tmp, 'edge.ctf');
    expect(tp('export', f, '-f', 'ctf', '-o', out).code).toBe(0);
    expect(babeltrace(out, 'cycles').events.map((e) => e.time)).toEqual([t0 + 1n]);
  });
});

describe('wall clock from a capture file', () => {
  it('exports carry the fitted origin: CTF clock offset, JSONL/Chrome metadata', async () => {
    const { encodeCaptureStart, encodeDataRecords, encodeEventRecord } = await import('../../host/src/core/capture-format.js');
    const { StreamWriter } = await import('../../host/src/core/encode.js');
    const ORIGIN = 1_764_150_000_000_000_000n;
    const HZ = 25_000_000;
    const parts: Uint8Array[] = [encodeCaptureStart({ source: 'serial', writer: 'test' })];
    const head = new StreamWriter();
    head.header({ boot: true, cores: 1, mode: 'discard', timerBits: 32, timerHz: HZ, packetSize: 256, packets: 4, ts: 0, session: 9 });
    parts.push(...encodeDataRecords(ORIGIN + 1000n, head.bytes()));
    let s = 1;
    const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let p = 0; p < 300; p++) {
      const w = new StreamWriter();
      const t0 = 250_000 + p * 250_000; // every 10 ms
      w.beginPacket(0, p, t0, p * 5, 0, 0);
      for (let i = 0; i < 5; i++) w.event('event', 1, t0 + i * 100, [i]);
      const tEnd = t0 + 500;
      w.endPacket(tEnd);
      const tNs = (BigInt(tEnd) * 1_000_000_000n) / BigInt(HZ);
      const latency = 80_000 + Math.floor(-30_000 * Math.log(1 - rand())) + (rand() < 0.1 ? 20_000_000 : 0);
      const host = ORIGIN + tNs + (tNs * 20n) / 1_000_000n + BigInt(latency); // +20 ppm
      parts.push(...encodeDataRecords(host, w.bytes()));
    }
    parts.push(encodeEventRecord(ORIGIN + 4_000_000_000n, { kind: 'end' }));
    const file = join(tmp, 'wall.tpt');
    writeFileSync(file, Buffer.concat(parts));

    const j = tp('export', file, '-f', 'jsonl');
    expect(j.code).toBe(0);
    const schema = JSON.parse(j.stdout.split('\n')[0]);
    const origin = BigInt(schema.wall_clock.origin_unix_ns);
    // the lower envelope sits on the 80 µs latency floor, not on the mean latency (~2 ms)
    expect(Math.abs(Number(origin - ORIGIN) - 80_000)).toBeLessThan(15_000);
    expect(schema.wall_clock.drift_ppm).toBeGreaterThan(19);
    expect(schema.wall_clock.drift_ppm).toBeLessThan(21);
    expect(j.stderr).toMatch(/wall clock: t=0 is 2025-11-26T09:40:00\.0000\d+Z/);

    const dir = join(tmp, 'wall-ctf');
    expect(tp('export', file, '-f', 'ctf', '-o', dir).code).toBe(0);
    const meta = readFileSync(join(dir, 'metadata'), 'utf8');
    expect(meta).toContain('offset_s = 1764150000;');
    const bt = babeltrace(dir, 'seconds');
    expect(bt.events.length).toBe(1500);
    expect(Math.abs(Number(bt.events[0].time - (origin + 10_000_000n)))).toBeLessThanOrEqual(40);

    const pj = join(tmp, 'wall.json');
    expect(tp('export', file, '-f', 'chrome', '-o', pj).code).toBe(0);
    expect(JSON.parse(readFileSync(pj, 'utf8')).metadata.wall_clock.origin_unix_ns).toBe(origin.toString());
    const none = tp('export', file, '-f', 'jsonl', '--no-wall-clock');
    expect(JSON.parse(none.stdout.split('\n')[0]).wall_clock).toBeUndefined();
  });
});
