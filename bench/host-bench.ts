// Host-side benchmark entry, bundled by bench/run.mjs with esbuild and run with node:
//   synth <out> <events>          write a synthetic raw stream (StreamWriter) with that many events
//   decode <file> <runs>          time the pure decode core: accounting only, event objects, batches
//   wirekinds <uart.bin> <tag>    wire bytes per event of each (kind, nargs) group in a UART dump (wirekinds.ts)
// Each prints one JSON object on stdout. The decode core runs in-process on a file already
// in memory, so the figures are the core's, not the disk's.
import { readFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { StreamWriter } from '../host/src/core/encode.js';
import { TraceDecoder } from '../host/src/core/decoder.js';
import { type TraceRecord } from '../host/src/core/types.js';
import { wireKinds } from './wirekinds.js';

const TIMER_HZ = 25_000_000;
const CORES = 2;

/** A small deterministic PRNG so every run synthesises the same bytes. */
function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/**
 * A mix shaped like an instrumented firmware: mostly 2-argument user events with small
 * arguments, some with full-range ones, ISR enter/exit pairs, spans, counters, marks and
 * logs; two cores in alternate packets of ~1 KiB, as the target's channels would send them.
 */
function synth(out: string, events: number): void {
  const fd = openSync(out, 'w');
  const rnd = xorshift32(0x9e3779b9);
  let w = new StreamWriter();
  let written = 0;
  const flush = (): void => {
    const b = w.bytes();
    writeSync(fd, b);
    written += b.length;
    w = new StreamWriter();
  };
  w.header({ boot: true, cores: CORES, mode: 'discard', timerBits: 32, timerHz: TIMER_HZ, packetSize: 1024, packets: 8, ts: 0, session: 1 });
  const seq = new Array<number>(CORES).fill(0);
  const committed = new Array<number>(CORES).fill(0);
  const t = new Array<number>(CORES).fill(1000);
  let done = 0;
  let core = 0;
  while (done < events) {
    const begin = t[core];
    w.beginPacket(core, seq[core], begin, committed[core], 0, 0);
    let n = 0;
    while (w.packetBytes < 1000 - 44 && done + n < events) {
      t[core] += 1 + (rnd() & 0xff);
      const r = rnd() & 0xff;
      const time = t[core];
      if (r < 150) w.event(0, r & 0x1f, time, [rnd() & 0x7f, rnd() & 0x3ff]);
      else if (r < 180) w.event(0, 40, time, [rnd(), rnd()]);
      else if (r < 200) w.event(r & 1 ? 'isr_exit' : 'isr_enter', 16 + (r & 7), time);
      else if (r < 215) w.event(r & 1 ? 'span_end' : 'span_begin', 3, time);
      else if (r < 235) w.event('counter', 4, time, [rnd() & 0xffff]);
      else if (r < 245) w.event('mark', 2, time);
      else w.event('log', 5, time, [rnd() & 0xff, rnd()]);
      n++;
    }
    t[core] += 10;
    w.endPacket(t[core]);
    seq[core]++;
    committed[core] += n;
    done += n;
    core = (core + 1) % CORES;
    if (w.length > 8 << 20) flush();
  }
  for (let c = 0; c < CORES; c++) {
    w.status({ core: c, final: true, ts: t[c] + 100, nextSeq: seq[c], committed: committed[c], dropped: 0, overwritten: 0 });
  }
  flush();
  closeSync(fd);
  process.stdout.write(JSON.stringify({ events: done, bytes: written }) + '\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

type Mode = 'accounting' | 'objects' | 'batch';

/** One pass of the decode core over data in 64 KiB chunks; returns seconds and events seen. */
function decodeOnce(data: Uint8Array, mode: Mode): { s: number; cpuS: number; events: number; decoded: number } {
  let events = 0;
  const sink = (r: TraceRecord): void => {
    if (r.type === 'event') events++;
  };
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const dec = new TraceDecoder(sink, {
    objects: mode === 'objects',
    // the batch API: events as columns, read here as a formatter would start (one id each)
    onEvents:
      mode === 'batch'
        ? (b, from, to) => {
            const id = b.id;
            for (let i = from; i < to; i++) if (id[i] >= 0) events++;
          }
        : undefined,
  });
  const CHUNK = 1 << 16;
  for (let i = 0; i < data.length; i += CHUNK) dec.push(data.subarray(i, Math.min(i + CHUNK, data.length)));
  dec.end();
  const stats = dec.stats();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0);
  let decoded = 0;
  for (const c of stats) decoded += c.decoded;
  return { s, cpuS: (cu.user + cu.system) / 1e6, events, decoded };
}

function decode(file: string, runs: number): void {
  const data = new Uint8Array(readFileSync(file));
  const result: Record<string, unknown> = { bytes: data.length, runs };
  for (const mode of ['accounting', 'objects', 'batch'] as const) {
    decodeOnce(data.subarray(0, Math.min(data.length, 4 << 20)), mode); // warm-up: JIT
    const times: number[] = [];
    const cpu: number[] = [];
    let decoded = 0;
    let events = 0;
    for (let i = 0; i < runs; i++) {
      const r = decodeOnce(data, mode);
      times.push(r.s);
      cpu.push(r.cpuS);
      decoded = r.decoded;
      events = r.events;
    }
    const s = median(times);
    result[mode] = {
      decoded,
      eventRecords: events,
      seconds: times,
      cpuSeconds: cpu,
      medianS: s,
      medianCpuS: median(cpu),
      eventsPerS: decoded / s,
      mbPerS: data.length / 1e6 / s,
    };
  }
  result.maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(result) + '\n');
}

function wirekinds(file: string, tag: string): void {
  const k = wireKinds(new Uint8Array(readFileSync(file)));
  process.stdout.write(JSON.stringify({ tag, ...k }) + '\n');
}

const [cmd, a, b] = process.argv.slice(2);
if (cmd === 'synth') synth(a, Number(b));
else if (cmd === 'decode') decode(a, Number(b));
else if (cmd === 'wirekinds') wirekinds(a, b ?? '');
else {
  process.stderr.write('usage: host-bench synth|decode|wirekinds ...\n');
  process.exitCode = 2;
}
