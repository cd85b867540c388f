// `node bench/render.mjs [--results FILE] [--out FILE]`: BENCHMARKS.md from bench/results.json
// and the data files (bench/targets.json: thresholds; bench/peers.json: peer figures),
// without measuring anything. bench/run.mjs calls render() after measuring.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const BOARDS = ['qemu-mps2-an385', 'microbit', 'qemu-mps2-an521'];
export const OPTS = ['-O2', '-Os'];
const KINDS = ['event0', 'event1', 'event2', 'event4', 'mark', 'span_begin', 'span_end', 'counter', 'isr_enter', 'isr_exit', 'log2'];

export function loadData(dir = HERE) {
  return {
    targets: JSON.parse(readFileSync(join(dir, 'targets.json'), 'utf8')),
    peers: JSON.parse(readFileSync(join(dir, 'peers.json'), 'utf8')),
  };
}

const fmt = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toFixed(d));
const fmtM = (v) => (v === null || v === undefined || Number.isNaN(v) ? '—' : v < 1e6 ? `${(v / 1e3).toFixed(1)} k` : `${(v / 1e6).toFixed(2)} M`);
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// ---------------------------------------------------------------- metrics

const opt = (r, board, o) => r.target?.boards?.[board]?.opt?.[o];
const record2 = (r, board, o, key = 'record') => {
  const rec = opt(r, board, o)?.[key];
  return Array.isArray(rec) ? num(rec.find((x) => x.kind === 'event2')?.insnsPerEvent) : null;
};
const batched = (w) => num(w?.wholeCpuBatchedInsnsPerEvent ?? w?.wholeCpuInsnsPerEvent);
const cpuRate = (x) => (x?.decoded && x.medianCpuS ? x.decoded / x.medianCpuS : null);
const bt2 = (r) => (r.host?.babeltrace2?.ok ? r.host.babeltrace2 : null);

/** Sums a field of the reliability script's v1 and v2 objects; null unless both are there. */
function reliabilitySum(r, field) {
  const rel = r.reliability;
  const v = [rel?.v1?.[field], rel?.v2?.[field]];
  return v.every((x) => typeof x === 'number') ? v[0] + v[1] : null;
}

function wholeMetric(set, board) {
  return (r) => {
    const w = opt(r, board, '-O2')?.[set];
    const v = batched(w);
    return { value: v, text: `${fmt(v)} insns (${fmt(w?.wholeCpuInsnsPerEvent)} polling after every event)` };
  };
}

function exportMetric(format, field) {
  return (r) => {
    const x = r.host?.exports?.formats?.[format];
    const v = x?.ok ? num(x[field]) : null;
    return { value: v, text: x && !x.ok ? `failed: ${x.error ?? ''}` : field === 'mbPerS' ? `${fmt(v)} MB/s` : `${fmtM(v)} lines/s` };
  };
}

const RSS_FORMATS = ['ctf', 'perfetto', 'csv'];

/** Peak RSS of the ctf, perfetto and csv exports, the largest over the export trace and the long one. */
function exportRssMetric(r) {
  const sizes = [r.host?.exports, r.host?.exportsBig].filter((x) => x);
  const all = [];
  const parts = sizes.map((x) => {
    const mbs = RSS_FORMATS.map((f) => (x.formats?.[f]?.ok ? num(x.formats[f].maxRssMB) : null));
    all.push(...mbs);
    return `${RSS_FORMATS.map((f, i) => `${f} ${mbs[i] === null ? '—' : fmt(mbs[i], 0)}`).join(', ')} MB at ${fmtM(x.events)} events`;
  });
  const missing = all.length < 2 * RSS_FORMATS.length || all.some((v) => v === null);
  const v = missing ? null : Math.max(...all);
  return { value: v, text: parts.length ? parts.join('; ') : '—' };
}

/**
 * Every metric a target in bench/targets.json may name: results → { value, text }. value is
 * a number (or a boolean for `is` targets), or null when the run did not measure it;
 * lowerBound: true when value is a max over runs some of which are missing.
 */
export const METRICS = {
  'data.queryEvents': (r) => { const v = num(r.data?.queries?.span?.ok && r.data?.queries?.loss?.ok ? r.data.dataset.events : null); return { value: v, text: v === null ? '—' : `${fmtM(v)} events, span query ${fmt(r.data.queries.span.wallS, 1)} s, loss query ${fmt(r.data.queries.loss.wallS, 1)} s` }; },
  'data.export.maxRssMB': (r) => {
    const runs = [r.data?.export && { n: r.data.capture?.events, x: r.data.export }, r.data?.exportBig && !r.data.exportBig.error && { n: r.data.exportBig.events, x: r.data.exportBig }].filter(Boolean);
    const all = runs.map((k) => num(k.x.maxRssMB));
    const v = all.length === 2 && all.every((x) => x !== null) ? Math.max(...all) : null;
    return { value: v, text: runs.length ? runs.map((k) => `${fmt(k.x.maxRssMB, 0)} MB at ${fmtM(k.n)} events`).join(', ') : '—' };
  },
  'data.loss.correct': (r) => { const v = typeof r.data?.queries?.loss?.correct === 'boolean' ? r.data.queries.loss.correct : null; return { value: v, text: v === null ? '—' : String(v) }; },
  'data.dask.agree': (r) => { const k = r.data?.dask; const v = typeof k?.agree === 'boolean' ? k.agree : null; return { value: v, text: v === null ? (k?.notMeasured ? 'not measured (python3-distributed not installed)' : '—') : `${v} (Dask ${fmt(k.daskWallS, 1)} s, DuckDB ${fmt(k.duckdbWallS, 1)} s)` }; },
  'record2.an385.O2': (r) => { const v = record2(r, 'qemu-mps2-an385', '-O2'); return { value: v, text: `${fmt(v)} insns` }; },
  'record2.microbit.O2': (r) => { const v = record2(r, 'microbit', '-O2'); return { value: v, text: `${fmt(v)} insns` }; },
  'record2.tiny.microbit.O2': (r) => { const v = record2(r, 'microbit', '-O2', 'recordTiny'); return { value: v, text: `${fmt(v)} insns` }; },
  'masked.longest': (r) => {
    // The max over bench_wire_kinds on every board and opt and over every stress, overload
    // and dump run (bench/sections/maskedpaths.mjs); measured only when every one of them ran.
    let best = null;
    const missing = [];
    let n = 0;
    const consider = (x, where) => {
      if (typeof x?.insns !== 'number') { missing.push(where); return; }
      n++;
      if (!best || x.insns > best.insns) best = { insns: x.insns, where: `${where}, ${x.fn}` };
    };
    for (const b of BOARDS) for (const o of OPTS) consider(opt(r, b, o)?.kinds?.masked?.longestRuntime, `${b} ${o} bench_wire_kinds`);
    for (const b of BOARDS) {
      const builds = r.target?.boards?.[b]?.maskedPaths?.builds;
      if (!builds) { missing.push(`${b} stress paths`); continue; }
      for (const [tag, x] of Object.entries(builds)) for (const [app, v] of Object.entries(x.apps)) consider(v, `${b} ${tag} ${app}`);
    }
    const text = best
      ? `${missing.length ? 'at least ' : ''}${best.insns} insns (${best.where}; max over ${n} runs${missing.length ? `; not measured: ${missing.join(', ')}` : ''})`
      : '—';
    return { value: best ? best.insns : null, lowerBound: missing.length > 0, text };
  },
  'whole.small.an385.O2': wholeMetric('wireSmall', 'qemu-mps2-an385'),
  'whole.random.an385.O2': wholeMetric('wireRandom', 'qemu-mps2-an385'),
  'whole.small.microbit.O2': wholeMetric('wireSmall', 'microbit'),
  'whole.random.microbit.O2': wholeMetric('wireRandom', 'microbit'),
  'whole.small.tiny.microbit.O2': wholeMetric('wireSmallTiny', 'microbit'),
  'whole.random.tiny.microbit.O2': wholeMetric('wireRandomTiny', 'microbit'),
  'wire.random.an385.O2': (r) => { const v = num(opt(r, 'qemu-mps2-an385', '-O2')?.wireRandom?.wireBytesPerEvent); return { value: v, text: `${fmt(v, 2)} B` }; },
  'wire.small.an385.O2': (r) => { const v = num(opt(r, 'qemu-mps2-an385', '-O2')?.wireSmall?.wireBytesPerEvent); return { value: v, text: `${fmt(v, 2)} B` }; },
  'flash.microbit.Os': (r) => { const v = num(r.target?.boards?.microbit?.footprint?.typical?.flash); return { value: v, text: v === null ? '—' : `${v} B` }; },
  'flash.tiny.microbit.Os': (r) => { const v = num(r.target?.boards?.microbit?.footprintTiny?.typical?.flash); return { value: v, text: v === null ? '—' : `${v} B` }; },
  'ramPerCore.max': (r) => {
    const rams = Object.values(r.target?.boards ?? {}).map((b) => b.footprint?.ramPerCore).filter((x) => typeof x === 'number');
    const v = rams.length ? Math.max(...rams) : null;
    return { value: v, text: v === null ? '—' : `${v} B` };
  },
  'decode.accounting.eventsPerS': (r) => { const d = r.host?.decode?.accounting; const v = num(d?.eventsPerS); return { value: v, text: `${fmtM(v)} events/s (${fmtM(cpuRate(d))} per CPU-second)` }; },
  'decode.objects.eventsPerS': (r) => { const d = r.host?.decode?.objects; const v = num(d?.eventsPerS); return { value: v, text: `${fmtM(v)} events/s (${fmtM(cpuRate(d))} per CPU-second)` }; },
  'decode.objects.vsBabeltrace2': (r) => {
    const b = bt2(r);
    const dec = r.host?.decode;
    const ratio = b && dec?.objects ? dec.objects.eventsPerS / b.eventsPerS : null;
    const ratioCpu = b && cpuRate(dec?.objects) ? cpuRate(dec.objects) / b.eventsPerCpuS : null;
    const ratioAcc = b && dec?.accounting ? dec.accounting.eventsPerS / b.eventsPerS : null;
    return { value: num(ratio), text: ratio === null ? '—' : `${fmt(ratio, 2)}× by wall time, ${fmt(ratioCpu, 2)}× by CPU time (accounting only: ${fmt(ratioAcc, 2)}×)` };
  },
  'stats.eventsPerS': (r) => { const s = r.host?.stats; const v = s?.ok ? num(s.eventsPerS) : null; return { value: v, text: `${fmtM(v)} events/s (${fmtM(s?.eventsPerCpuS)} per CPU-second, ${fmtM(r.host?.trace?.events)} events)` }; },
  'stats.vsBabeltrace2': (r) => {
    const s = r.host?.stats;
    const b = bt2(r);
    const same = r.host?.exports?.events === r.host?.trace?.events;
    const v = s?.ok && b && same ? s.eventsPerS / b.eventsPerS : null;
    return { value: num(v), text: v === null ? (same ? '—' : '— (babeltrace2 read a trace of another size)') : `${fmt(v, 2)}× by wall time, ${fmt(s.eventsPerCpuS / b.eventsPerCpuS, 2)}× by CPU time` };
  },
  'stats.maxRssMB': (r) => { const v = num(r.host?.stats?.maxRssMB); return { value: v, text: v === null ? '—' : `${fmt(v, 0)} MB at ${fmtM(r.host.trace.events)} events` }; },
  'stats.rssGrowth': (r) => {
    const big = num(r.host?.stats?.maxRssMB);
    const small = num(r.host?.statsSmall?.maxRssMB);
    const v = big && small ? big / small : null;
    return { value: v, text: v === null ? '—' : `${fmt(small, 0)} MB at ${fmtM(r.host.statsSmall.events)} events, ${fmt(big, 0)} MB at ${fmtM(r.host.trace.events)} (${fmt(v, 2)}×)` };
  },
  'decode.text.vsBabeltrace2': (r) => {
    const d = r.host?.decodeText;
    const ok = d?.tracepipe?.ok && d?.babeltrace2?.ok;
    const v = ok ? d.tracepipe.eventsPerS / d.babeltrace2.eventsPerS : null;
    return { value: num(v), text: v === null ? (d?.babeltrace2?.error ? `— (${d.babeltrace2.error})` : '—') : `${fmt(v, 2)}× by wall time, ${fmt(d.tracepipe.eventsPerCpuS / d.babeltrace2.eventsPerCpuS, 2)}× by CPU time (${fmtM(d.events)} events)` };
  },
  'decode.jsonl.linesPerS': (r) => { const d = r.host?.decodeJsonl; const v = d?.ok ? num(d.eventsPerS) : null; return { value: v, text: `${fmtM(v)} event lines/s (${fmtM(d?.eventsPerCpuS)} per CPU-second, ${fmtM(r.host?.trace?.events)} events)` }; },
  'stats.big.maxRssMB': (r) => { const b = r.host?.statsBig; const v = b?.ok ? num(b.maxRssMB) : null; return { value: v, text: v === null ? '—' : `${fmt(v, 0)} MB at ${fmtM(b.events)} events (${fmtM(b.eventsPerS)} events/s)` }; },
  'export.jsonl.eventsPerS': exportMetric('jsonl', 'eventsPerS'),
  'export.ctf.mbPerS': exportMetric('ctf', 'mbPerS'),
  'export.perfetto.mbPerS': exportMetric('perfetto', 'mbPerS'),
  'export.chrome.mbPerS': exportMetric('chrome', 'mbPerS'),
  'export.csv.mbPerS': exportMetric('csv', 'mbPerS'),
  'export.maxRssMB': exportRssMetric,
  'live.lossless': (r) => {
    const live = r.live && !r.live.error ? r.live : null;
    const ok = live ? live.dropped === 0 && live.link_lost === 0 && live.overwritten === 0 && live.identity === true && (live.groundTruth?.dropped ?? 0) === 0 : null;
    return { value: ok, text: live ? `${fmtM(live.eventsPerS)} events/s, dropped ${live.dropped}, link_lost ${live.link_lost}${live.rawLink ? `; ${fmt((live.eventsPerS / live.rawLink.eventsPerS) * 100, 0)} % of the raw-reader link ceiling` : ''}` : '—' };
  },
  'reliability.crashes': (r) => { const v = reliabilitySum(r, 'crashes'); return { value: v, text: v === null ? '—' : `${v} in ${reliabilitySum(r, 'mutations_tried')} mutations` }; },
  'reliability.eventsInvented': (r) => { const v = reliabilitySum(r, 'events_invented'); return { value: v, text: v === null ? '—' : String(v) }; },
};

// ---------------------------------------------------------------- targets

const OP_TEXT = { '<=': '≤', '>=': '≥' };

function limitText(t) {
  if (t.op === 'is') return '';
  if (t.op === '<=' && t.limit === 0) return '0 ';
  if (t.unit === 'B' && t.limit >= 1024) return `${OP_TEXT[t.op]} ${t.limit / 1024} KB `;
  const v = t.limit >= 1e6 ? `${t.limit / 1e6} M` : String(t.limit);
  return `${OP_TEXT[t.op]} ${v}${t.unit ? (t.unit === '×' ? '×' : ` ${t.unit}`) : ''} `;
}

/** met: true / false, or null when the value was not measured. */
export function verdictOf(op, limit, value) {
  if (value === null || value === undefined) return null;
  if (op === '<=') return value <= limit;
  if (op === '>=') return value >= limit;
  if (op === 'is') return value === limit;
  throw new Error(`bench/targets.json: unknown op ${op}`);
}

export function evaluate(r, targets) {
  return targets.targets.map((t) => {
    if (t.metric !== null && !METRICS[t.metric]) throw new Error(`bench/targets.json: ${t.id} names an unknown metric ${t.metric}`);
    const m = t.metric === null ? { value: null, text: 'not measured by this bench' } : METRICS[t.metric](r);
    // A lower bound (a max over runs, some missing) can only miss a <= target, never meet it.
    let ok = verdictOf(t.op, t.limit, m.value);
    if (m.lowerBound && !(t.op === '<=' && ok === false)) ok = null;
    return { id: t.id, issue: t.issue, metric: t.metric, target: `${limitText(t)}${t.what}`, value: m.text, ok };
  });
}

/** The target ids the report's sections quote, besides the targets table. */
export const QUOTED_TARGETS = ['i13.masked', 'i13.record.m3', 'i13.whole.m3.small', 'i11.stats', 'i11.stats.bt2'];

function quoted(targets, id) {
  const t = targets.targets.find((x) => x.id === id);
  if (!t) throw new Error(`bench/targets.json has no target ${id}`);
  return `${limitText(t).trim()} (issue ${t.issue})`;
}

const verdict = (ok) => (ok === null || ok === undefined ? 'NOT MEASURED' : ok ? 'MET' : 'MISSED');

// Why a figure misses, written for the figures of the run that wrote this text; shown once
// per missed metric.
function missReasons(r, data, missedMetrics) {
  const out = [];
  const an = r.target?.boards?.['qemu-mps2-an385'];
  const has = (m) => missedMetrics.has(m);
  if (has('record2.an385.O2') || has('record2.microbit.O2') || has('record2.tiny.microbit.O2')) {
    out.push('- **Record cost.** The figure is what an instrumented line pays: the fast path is inline (`tp_record_inline.h`: mask, timer read, one bound check that also catches every rare condition, the wrap-pending check, the stores, unmask), and only the packet switch is a call, amortised over the records of a packet. ' +
      'On M0 (micro:bit) the inline path is 18 instructions of assembly plus the argument moves (Thumb-1 has 8 low registers and short load offsets, and the nRF51 timer is read by a capture write and a read at registers too far apart for one base register: one LDM takes those addresses, the wrap flag\'s and the channel from a const table, a second LDM the channel\'s wp, committed and end, two STMs store the record and the channel), plus about 7 per event of packet switch (three masked turns of about 80 instructions on M0, kept apart to bound the masked section). ' +
      'Fix: fewer, larger packets on M0 (the switch is per packet); merging the turns would break the 64-instruction masked bound.');
  }
  if (has('whole.small.an385.O2')) {
    const pf = r.target?.wholeCpuProfile;
    const w = an?.opt?.['-O2']?.wireSmall;
    const perByte = w ? (batched(w) - (record2(r, 'qemu-mps2-an385', '-O2') ?? 0)) / w.wireBytesPerEvent : null;
    const floor = an?.uartFloor?.insnsPerByte;
    const top = pf?.top ? pf.top.slice(0, 6).map((t) => `${t.fn} ${fmt(t.insnsPerEvent, 0)}`).join(', ') : null;
    out.push(`- **Whole-CPU cost.** At -O2 the drain encodes, CRCs and COBS-frames each event in one pass straight into the framer's ring (a loop of its own for 2-argument events whose fields are all one-byte varints: about 44 instructions for their 5 bytes, 15 of them the CRC; a second shape for full-range args), and hands runs of final bytes to the UART in bulk, eight a turn; it spends about ${fmt(perByte, 0)} instructions per wire byte${floor ? ` against a UART floor of ${fmt(floor)}` : ''}. ` +
      (top ? `Profile (insns per event, both passes): ${top}. ` : '') +
      'The CMSDK UART has no TX FIFO, so every byte pays a status read and a branch (about 5.4 a byte with the loop); the rest is the record itself with the app\'s loop, and about 30 per event of per-packet work: the packet head (about 21 bytes through the framer\'s byte loop at 9 instructions a byte), claim and release, 2 or 3 pieces a packet (the 256-byte ring wraps once a packet), two TX interrupts a packet (the second finds nothing: the CMSDK UART raises one per byte sent) and polls that find the packet still open. ' +
      'Polling after every event adds the cost of polls that find no packet ready (idle-close and scheduler checks). ' +
      'Fix: the packet head framed word-wise or by its encoder, the CMSDK TX handler switching its interrupt off after a drain that left nothing in flight, and polling per packet rather than per event in apps. The -Os builds leave the fast shapes and the scheduler\'s shortcuts out for flash and are slower.');
  }
  if (has('whole.small.tiny.microbit.O2') || has('whole.random.tiny.microbit.O2')) {
    out.push('- **Whole-CPU cost, tiny profile.** The tiny core (firmware/src/tiny/) builds each message in place over its packet, runs the CRC in the COBS zero search and writes the COBS codes over the zeros, so a packet goes to the UART in one run; its CRC takes the 16-entry table (two lookups a byte, about 16 instructions a byte on M0), the biggest share after the UART driver, whose byte loop and per-write arming are its own. Fix: the 256-entry table where 1 KB of flash is to spare (`CRC_TABLE=256`), fewer instructions per byte in the UART driver.');
  }
  if (has('flash.microbit.Os') || has('flash.tiny.microbit.Os')) {
    out.push('- **Flash on M0.** What the count holds on micro:bit: the tracer alone, the objects of `firmware/src`, `firmware/arch`, `firmware/drivers` and the board\'s `port.o`; the apps\' periodic timers and `board_link_busy` are board code (`boards/common/<ip>_periodic.c`, `app_board.c`) and not counted. ' +
      'Full profile: the link with its encoders (scheduler, flush and dump state machines, periodic statuses, HEADER, STATUS and PACKET encoders, the whole-message framing: about 1.9 KB), the ring (packet switch, close, init, status snapshot, claim: about 1.1 KB), the command parser, the CRC table, and the drivers and port (about 0.6 KB: timer wrap and alarm, UART transmit, interrupt and init, the crystal start, each register block reached from one base, no register rewritten to its reset value). ' +
      'An -Os build of the full profile takes the whole-message link (no framer ring, `tp_frame.c` not linked: about 0.9 KB less than the framer\'s; a HEADER\'s origins go out as one origin repeated per core, so it keeps no RAM per core) with encoders of its own (a HEADER\'s fixed part from a constant, counters as varint runs, a blob as an event whose one argument is its length; tp_wire.c\'s encoders not linked: about 0.55 KB less), reads the build id without a parse, and on ARMv6-M takes the 16-entry CRC table (PORTING 1.5). On a one-core board the loops over cores fold to one, and claim and drain guard take no compare-and-swap (about 0.25 KB less on micro:bit). ' +
      'The tiny profile has a core of its own (firmware/src/tiny/, one core, discard mode, packets owned by two counters, no state words, claim or compare-and-swap, messages built in place), and at -Os is linked with link-time optimisation of the tracer\'s objects (boards/cross.mk LTO; the count is then the LTO output, which holds the tracer alone, named by file from the ELF\'s symbols): about 2.3 KB on micro:bit: the drain 0.96 KB (tp_poll 700 B with the HEADER, FINAL and PACKET builders and the one event loop inlined; the CRC pass and COBS send 92 B; flush 68 B; varint and time helpers 88 B), the ring 0.68 KB (the masked turns 208 B, tp_init with the link\'s and commands\' init 204 B, the slow entry 68 B, close and time 200 B), the command receiver inlined into the UART interrupt with the bitwise CRC-32C 236 B (a size build of the tiny profile links no CRC table: its CPU figures are its -O2 build\'s), the record state and counters 76 B, the drivers\' and port\'s start-up 204 B and the rest of the drivers 114 B. What is left is what the profile must do (varints with the fewest-bytes rule, COBS, CRC, three message kinds, idle close, wrap rules, the flush\'s FINAL at the drain\'s position): cuts of this design are of single instructions now (a one-loop event encoder and compiler flags were tried: no gain). ' +
      'Fix: the tiny profile\'s 1.5 KB needs another design, not cuts (about 750 B more to go, the size of the whole ring): events encoded at record time (the drain then only frames; a cost on the record path and its 32-instruction bound), or hand-written Thumb-1 for the encoder and COBS (perhaps 150 B less), no blobs or checked entry points in the tiny profile; the full profile is within 4 KB by about 90 bytes (its packet switch is pinned by the 64-instruction masked bound).');
  }
  if (has('ramPerCore.max')) {
    out.push('- **RAM per core.** The writer state (`struct tp_chan`) plus the drain\'s per-core words exceed the limit. Fix: narrow counters or drop cached fields.');
  }
  if (has('decode.accounting.eventsPerS')) {
    out.push('- **Decode core, accounting only.** Even without event objects the decoder parses and validates every event (a PACKET must end exactly after its last event, SPEC §6), so this path is a full parse: a varint Cursor with a bounds check per field, CRC-32C byte by byte, a copy out of COBS. ' +
      'Fix: a specialised event loop with the common one-byte varints inlined and one bounds check per event, slicing-by-8 CRC over a Uint32Array view, COBS decoded in place.');
  }
  if (has('decode.objects.eventsPerS')) {
    out.push('- **Decode core with event objects.** Each event becomes a JavaScript object with BigInt ticks and nanoseconds and an args array, and passes through the cross-core merge. A V8 profile puts about 35 ns per event in the merge (without it objects decode at about 12 M/s) and about 4 BigInt allocations per event. ' +
      'The commands no longer take this path: `stats` counts without events, and decode and every exporter read the batch columns (core/batch.ts); objects are what the library hands to callers who ask for them. Fix for those callers: lazy BigInt getters for ticks/tNs (needs the consumers that copy events with spread to change).');
  }
  if (has('decode.objects.vsBabeltrace2')) {
    out.push(`- **Ratio to babeltrace2.** babeltrace2 (native C) reads tracepipe's own CTF export much faster than the ${fmtM(data.peers.babeltrace2.eventsPerS)} events/s of the issue's table: the export writes compact fixed-layout event records. The ratio is against the figure measured in the same run; it follows the decode rate above, and the same fixes apply.`);
  }
  if (has('stats.eventsPerS') || has('stats.vsBabeltrace2')) {
    out.push('- **`stats` speed.** One Node process on one core: Node\'s own start-up (about 0.06 s for `node -e 0`), then loading the bundle from the V8 code cache `npm run build` leaves beside it (host/src/launcher.ts; `--version` about 0.08 s), then the work: for every frame its COBS, length and CRC-32C, the packet head, and a walk of every event\'s varints (the identity needs every packet well formed and its last event\'s time). All of it now runs in one call of a WebAssembly kernel per 64 KiB piece (`scan()` in core/frame-kernel.c, compiled by clang for wasm32 and committed as base64 by host/build-wasm.mjs, a test recompiles it and compares): the walks of two frames side by side in one loop, and their CRCs likewise (two independent chains of loads, each step of a walk otherwise waiting on the one before; a fifth faster for the CRC), one table load per event giving its length and where its dt lies, and a row per packet it can vouch for, which the decoder books in doubles where books are open, nothing was lost and times are below 2^53 (`bookRowFast`; anything else goes the whole way, through the same reading decisions, so every notice has one source). A regular file is read by blocking reads (the read-ahead\'s turns of the event loop cost more than the reads). In-process the kernel takes about 68 ms of the 68 MB (walk 33, CRC 20, COBS 12); the rest of a run is start-up. Across three consecutive bench runs on this machine `stats` took 0.17–0.23 s and babeltrace2\'s dummy sink 2.0–3.2 s on the same events (the table above is the last run): the ratio is 9–19×, and 20× needs about 0.10–0.16 s, of which Node alone takes 0.06 s. ' +
      '`stats --threads 2` (io/scan-pool.ts) cuts a file at fixed offsets; this thread and a worker each read the next stretch themselves, the worker scans into shared memory and this thread books the rows in file order. Its worker does not use the kernel\'s `scan()` yet (it checks frames with the frame scanner, core/frame-scan.ts), so it is now slower than one thread; it stays opt-in, and no cheap sign at start-up tells that a second core is free (the load average lags by a minute). ' +
      'Fix: the walk is now bound by its instructions (four CRC chains were no faster than two; a direct 256 KiB event table gained nothing); what is left is start-up: a smaller bundle for `stats`, and the worker of `--threads 2` on the kernel\'s `scan()`.');
  }
  if (['ctf', 'perfetto', 'csv'].some((f) => has(`export.${f}.mbPerS`)) || has('export.jsonl.eventsPerS')) {
    const fx = r.host?.exports;
    const floors = Object.entries(fx?.formats ?? {}).filter(([, v]) => v.ok && v.writeFloor?.ok)
      .map(([k, v]) => `${k} ${fmt(v.writeFloor.wallS, 2)} s (${fmt((100 * v.writeFloor.wallS) / v.medianWallS, 0)} % of its export's ${fmt(v.medianWallS, 2)} s; ${fmt(v.outputBytes / fx.bytes, 1)} bytes out per byte read, so at most ${fmt(v.writeFloor.captureMBPerS, 0)} MB/s of capture)`);
    out.push('- **Export speed.** Writes to a file now run on libuv\'s thread pool beside the formatting (io/background-writer.ts), and the fsync before the rename has only the last 64 MiB left (the rest is made durable in the background), so wall time is about the larger of the formatting and the writing, not their sum. ' +
      'The main thread\'s part: decoding a two-core capture into batches alone runs at about 55–60 MB/s of capture on one core (`scanEvents`, the splitter, and for the timeline formats the merge of two cores whose events alternate every ~1.5 events; CTF, a stream per core, is fed without the merge), and formatting the text formats costs more than the decode (numbers digit by digit, 85–115 bytes per event). ' +
      'CTF and Perfetto now decode on two threads by default when the load average leaves a core free (io/decode-pool.ts, a file of stream bytes of 16 MiB or more; the rows beside them force one): whichever thread takes a stretch of the file checks its frames, parses their events and packs them in the format\'s event layout into shared memory (CTF\'s events, or Perfetto\'s TracePackets: export/packing.ts, one packer per format); the main thread books the packets in file order through the decoder and copies their packed events into the open CTF packets (the bytes of one thread, tested). Per thread, in-process on the 10 M-event trace (measured with other jobs on the machine), the main thread\'s CPU fell from about 1.4 s to 0.66 s and the worker took 0.58 s, beside about 0.45 s of libuv\'s writes (the kernel\'s copy into the page cache): three threads\' work on two cores, so the gain needs a free second core, and the writes\' CPU is part of the floor below. ' +
      `The disk's part (section 5, the floor table): writing the same output bytes alone took ${floors.length ? floors.join('; ') : '(not measured)'}. Where that floor is below 100 MB/s of capture, no exporter meets the target on this file system. On this VM a first write into page cache it has not used lately costs up to about 2 s of kernel time per GB (a write into pages just freed costs about 0.2 s), so the floors vary from run to run. ` +
      'The CTF layout is now LTTng\'s compact form: a 4-byte event header (5-bit class id, the low 27 bits of the time) while the clock moved less than 2^27 ticks, else a 12-byte one, and 32-bit raw arguments where no value needs 64 bits (such an event goes in a second class of the same name): 32 → 16 bytes per 2-argument event, the output halved, babeltrace2\'s text identical. It gained 5–10 %, all of it from writing fewer bytes: the exporter\'s CPU did not fall (half as many words stored, but a header form and an argument width chosen per event). ' +
      '`--format perfetto` is now Perfetto\'s protobuf (export/perfetto.ts: a sequence per core with its own incremental clock, names interned, about 24 bytes per event, 3.5 bytes out per byte read against the Chrome JSON\'s 16.8, which is `--format chrome`); its packer writes the common events (instants of up to two small arguments, span and ISR slices, counters) a word per store with branchless varints, about 23 ns per event against CTF\'s 10, and it writes 68 % more bytes than CTF: across three consecutive bench runs it read 91–127 MB/s of capture (CTF 105–155), so it meets 100 MB/s only while the machine is quiet. ' +
      'Fix: Perfetto: timestamps in ticks where ns per tick is whole (a clock with a unit multiplier: about a byte less per event), packed bytes written to the file from shared memory without the copy into the writer (about 12 % of the main thread); CTF: packets built in the writer\'s buffers (the main thread copies each byte twice, into the packet and into the write buffer) and one pass over the events in the scan (parsing and packing are two); the timeline formats: decoding in a worker thread beside the formatting (the merge must then pack many short runs into one message), and a cheaper event scan.');
  }
  if (has('data.export.maxRssMB')) {
    out.push('- **Parquet export memory.** Node with DuckDB loaded is already about 90–97 MB; DuckDB keeps one row group of every column in memory while writing and about 20 KB of footer metadata per row group until the file closes. The export now starts a new part-<n>.parquet every 64 row groups (docs/DATA.md, Layout) and hashes the capture through one reused buffer; what still grows with the capture is the wall-clock pass over the input (io/input.ts hands the parser a fresh copy of every chunk, freed only at a GC). ' +
      'Fix: a reused chunk buffer in readTraceInput.');
  }
  if (has('stats.rssGrowth')) {
    out.push('- **Memory.** Peak RSS grew with the trace; the decoder or the stats command holds per-event state.');
  }
  if (has('live.lossless')) {
    out.push('- **Live.** Events were lost or the identity failed; see section 6.');
  }
  return out;
}

// ---------------------------------------------------------------- report

function targetsSection(r, data, L) {
  const ev = evaluate(r, data.targets);
  L.push('## Targets', '');
  L.push('Thresholds from `bench/targets.json`, checked against this run by `bench/render.mjs`. "NOT MEASURED": the run has no figure for it (a section not run, or a measurement the bench does not make yet).', '');
  for (const [issue, title] of Object.entries(data.targets.issues).sort((a, b) => Number(b[0]) - Number(a[0]))) {
    const rows = ev.filter((e) => String(e.issue) === issue);
    if (rows.length === 0) continue;
    L.push(`### Issue ${issue}: ${title}`, '');
    L.push('| target | measured | verdict |', '|---|---|---|');
    for (const e of rows) L.push(`| ${e.target} | ${e.value} | **${verdict(e.ok)}** |`);
    L.push('');
  }
  const missed = new Set(ev.filter((e) => e.ok === false).map((e) => e.metric));
  const reasons = missReasons(r, data, missed);
  if (reasons.length) {
    L.push('### Why each miss, and what would fix it', '');
    L.push(...reasons, '');
  }
  return ev;
}

function peersSection(r, data, L) {
  const p = data.peers;
  L.push(`## Against the peers (${p.source}: ${p.conditions})`, '');
  const an = r.target?.boards?.['qemu-mps2-an385'];
  const rec2 = record2(r, 'qemu-mps2-an385', '-O2');
  const wr = an?.opt?.['-O2']?.wireRandom?.wireBytesPerEvent;
  const ws = an?.opt?.['-O2']?.wireSmall?.wireBytesPerEvent;
  const code = an?.footprint?.typical?.text;
  L.push('| | record insns/event (net) | wire B/event (full-range / small) | tracer code, B | decode |', '|---|---|---|---|---|');
  for (const t of p.tracers) L.push(`| ${t.name} | ${t.record} | ${t.wire} | ${t.code} | |`);
  L.push(`| ${p.babeltrace2.name} | — | — | — | ${fmtM(p.babeltrace2.eventsPerS)} events/s, ${p.babeltrace2.mbPerS} MB/s |`);
  const bt = r.host?.babeltrace2;
  L.push(`| babeltrace2 (this run, tracepipe's CTF export) | — | — | — | ${bt?.ok ? `${fmtM(bt.eventsPerS)} events/s` : `not measured: ${bt?.error ?? 'skipped'}`} |`);
  const dec = r.host?.decode;
  L.push(`| **tracepipe** (call, reserve/commit, exact loss accounting) | **${fmt(rec2)}** as a call (+${fmt((an?.opt?.['-O2']?.wireSmall?.wholeCpuBatchedInsnsPerEvent ?? NaN) - rec2, 0)} drain, COBS, CRC, UART) | **${fmt(wr, 2)} / ${fmt(ws, 2)}** | **${code ?? '—'}** (M3 -Os, .text of core + port) | **${fmtM(dec?.objects?.eventsPerS)} events/s** with objects, ${fmtM(dec?.accounting?.eventsPerS)} accounting only |`);
  L.push('');
}

function targetSections(r, data, L) {
  const cols = [];
  for (const b of BOARDS) for (const o of OPTS) cols.push([b, o]);
  const an = r.target?.boards?.['qemu-mps2-an385'];
  L.push('## 1. Record cost on the target', '');
  L.push('Method: `apps/bench_record` runs under `qemu-system-arm -icount shift=0,sleep=off`, where each guest instruction advances virtual time by 1 ns, so timer ticks × 1e9 / timer_hz = instructions. ' +
    'Per kind it times 391 blocks of 256 records (N = 100 096) and the same noinline loop without the record; (ticks − empty ticks) × insns/tick / N is the net cost, call and argument set-up included. ' +
    'The channel is re-initialised between blocks outside the timed region (discard mode, 8 × 1 KiB packets, nothing transmitted), so the figure holds the fast path plus the packet switch amortised per packet, and no drop or eviction path. ' +
    `Target for event2 on M3 -O2: ${quoted(data.targets, 'i13.record.m3')}.`, '');
  L.push(`| kind | ${cols.map(([b, o]) => `${b} ${o}`).join(' | ')} |`, `|---|${cols.map(() => '---').join('|')}|`);
  for (const k of KINDS) {
    L.push(`| ${k} | ${cols.map(([b, o]) => {
      const x = r.target?.boards?.[b];
      if (!x || x.missing) return 'no board';
      const rr = x.opt?.[o]?.record;
      if (!Array.isArray(rr)) return x.opt?.[o]?.error || rr?.error ? 'error' : '—';
      return fmt(rr.find((y) => y.kind === k)?.insnsPerEvent);
    }).join(' | ')} |`);
  }
  L.push('');
  L.push('**Longest interrupt-masked section**, in instructions executed, measured on the running firmware by a TCG plugin of our own (`bench/masked_plugin.c`: an exact per-instruction counter; a section runs from `cpsid i` to the `msr PRIMASK` that unmasks, nesting tracked). ' +
    'The workload is `apps/bench_wire_kinds`: every record kind with polling drain and flushes, then overwrite-mode evictions and discard-mode drops with the link stopped. `tp_init` is reported apart (it runs once, before anything records). ' +
    `Target at run time: ${quoted(data.targets, 'i13.masked')} on every board.`, '');
  L.push('| board | opt | longest at run time (function) | in tp_init | method |', '|---|---|---|---|---|');
  for (const [b, o] of cols) {
    const k = r.target?.boards?.[b]?.opt?.[o]?.kinds;
    if (!k) continue;
    const x = k.masked;
    if (!x) { L.push(`| ${b} | ${o} | error: ${k.error ?? 'no figure'} | — | — |`); continue; }
    L.push(`| ${b} | ${o} | ${x.longestRuntime ? `${x.longestRuntime.insns} (${x.longestRuntime.fn})` : '—'} | ${x.longestInit?.insns ?? '—'} | ${x.method} |`);
  }
  L.push('');
  const mp = BOARDS.map((b) => [b, r.target?.boards?.[b]?.maskedPaths]).filter(([, x]) => x?.builds);
  if (mp.length) {
    L.push('The same plugin along the paths the stress, overload and flight-recorder apps reach (`bench/sections/maskedpaths.mjs`: each app through `tracepipe run`, flight_recorder through `tracepipe dump`; sections opened in the tracer\'s own code only, those nested in an app\'s own masked section included). ' +
      'Paths: ' + Object.entries(Object.assign({}, ...mp.map(([, x]) => x.paths ?? {}))).map(([a, p]) => `${a}: ${p}`).join('; ') + '. rp2040-pico has no row: it runs under rp2040js, not QEMU, so the TCG plugin cannot run there.', '');
    // in the section's order of the apps (paths), not the order the runs ended in
    const appsAll = [...new Set(mp.flatMap(([, x]) => [...Object.keys(x.paths ?? {}), ...Object.values(x.builds).flatMap((y) => Object.keys(y.apps))]))];
    L.push('| board | build | ' + appsAll.join(' | ') + ' |', '|---|---|' + appsAll.map(() => '---').join('|') + '|');
    for (const [b, x] of mp) {
      for (const [tag, y] of Object.entries(x.builds)) {
        L.push(`| ${b} | ${tag} | ${appsAll.map((a) => { const v = y.apps[a]; return !v ? '—' : typeof v.insns === 'number' ? `${v.insns} (${v.fn})` : 'error'; }).join(' | ')} |`);
      }
    }
    const errs = mp.flatMap(([b, x]) => Object.entries(x.builds).flatMap(([tag, y]) => Object.entries(y.apps).filter(([, v]) => v?.error).map(([a, v]) => `${b} ${tag} ${a}: ${v.error}`)));
    if (errs.length) L.push('', ...errs.map((e) => `- error: ${e}`));
    L.push('');
  }

  L.push('## 2. Whole target CPU per event', '');
  L.push('Method: `apps/bench_wire_small` / `bench_wire_random` record 30 000 two-argument events (N is smaller than for the record cost because these runs move every byte through the QEMU UART model, which is slow on microbit and an521), in two passes: calling `tp_poll()` after each event, and calling it once per 32 events until it has nothing left to send (drain: packet claim, encoding, COBS, CRC-32C, UART register writes); each pass ends with `tp_flush()`; ' +
    'minus the same loop without tracer calls; QEMU `-icount shift=0,sleep=off`, UART to `-serial file:` (never busy, so no waiting is counted). ' +
    `Target for small args on M3 -O2, poll per 32: ${quoted(data.targets, 'i13.whole.m3.small')}.`, '');
  L.push('| board | opt | small args, poll per 32 | small args, poll per event | full-range, poll per 32 | full-range, poll per event | dropped |', '|---|---|---|---|---|---|---|');
  for (const [b, o] of cols) {
    const x = r.target?.boards?.[b]?.opt?.[o];
    if (!x) continue;
    if (x.error || x.wireSmall?.error) { L.push(`| ${b} | ${o} | failed: ${x.error ?? x.wireSmall.error} | | | | |`); continue; }
    L.push(`| ${b} | ${o} | ${fmt(x.wireSmall?.wholeCpuBatchedInsnsPerEvent)} | ${fmt(x.wireSmall?.wholeCpuInsnsPerEvent)} | ${fmt(x.wireRandom?.wholeCpuBatchedInsnsPerEvent)} | ${fmt(x.wireRandom?.wholeCpuInsnsPerEvent)} | ${x.wireSmall?.dropped ?? '—'} / ${x.wireRandom?.dropped ?? '—'} |`);
  }
  L.push('');

  L.push('Drain instructions per wire byte (whole CPU, poll per 32, less the record cost of §1, over the wire bytes of §3) beside the UART floor: the fewest instructions the board\'s transmitter itself needs per byte, with no loop, CRC, COBS or encoding around it.', '');
  L.push('| board | opt | small args | full-range | UART floor | the floor counts |', '|---|---|---|---|---|---|');
  for (const [b, o] of cols) {
    const x = r.target?.boards?.[b];
    const d = x?.opt?.[o]?.drainPerWireByte;
    if (!d) continue;
    const f = x.uartFloor;
    L.push(`| ${b} | ${o} | ${fmt(d.small)} | ${fmt(d.random)} | ${f ? fmt(f.insnsPerByte) : '—'} | ${f?.counts ?? '—'} |`);
  }
  L.push('');

  const pf = r.target?.wholeCpuProfile;
  if (pf && !pf.error) {
    L.push(`Where the instructions go (${pf.board} ${pf.opt}, small args; per-function counts from the plugin's per-instruction profile, inlined functions under their own names, whole run of both passes including the app loop, per recorded event):`, '');
    L.push('| function | insns/event | share |', '|---|---|---|');
    for (const t of pf.top) L.push(`| ${t.fn} | ${fmt(t.insnsPerEvent)} | ${fmt(t.share * 100)} % |`);
    L.push('');
  }

  L.push('## 3. Wire bytes per event', '');
  L.push('Method: every byte QEMU wrote to `-serial file:` divided by the events: HEADER, STATUS and PACKET frames, COBS, CRC-32C and delimiters included. ' +
    '2-argument events from `bench_wire_small` (arguments < 128) and `bench_wire_random` (xorshift32 full-range); per kind from `bench_wire_kinds` (5 000 events per kind and range, flushed between groups; each PACKET frame is charged to the kind of its events, HEADER/STATUS frames are shown apart).', '');
  const a2 = an?.opt?.['-O2'];
  L.push('| 2-arg event, all frames | small args | full-range args |', '|---|---|---|');
  for (const [b, o] of cols) {
    const x = r.target?.boards?.[b]?.opt?.[o];
    if (!x || x.error) continue;
    L.push(`| ${b} ${o} | ${fmt(x.wireSmall?.wireBytesPerEvent, 2)} B | ${fmt(x.wireRandom?.wireBytesPerEvent, 2)} B |`);
  }
  L.push('');
  if (a2?.kinds?.wire) {
    L.push('Per kind (qemu-mps2-an385 -O2; PACKET frames only):', '');
    L.push('| kind | small args, B/event | full-range args, B/event |', '|---|---|---|');
    for (const k of KINDS) L.push(`| ${k} | ${fmt(a2.kinds.wire.small[k]?.bytesPerEvent, 2)} | ${fmt(a2.kinds.wire.random[k]?.bytesPerEvent, 2)} |`);
    L.push('', `HEADER and STATUS frames of that run: ${a2.kinds.otherBytes} B over 110 000 events (${fmt(a2.kinds.otherBytes / 110000, 3)} B/event).`, '');
  }

  L.push('## 4. Footprint', '');
  L.push('Method: the GNU ld map of the linked image (`-Os`, `--gc-sections`), summing the input sections that land in the image from the core (`firmware/src/*.o`) and the board port with the UART transport (its `firmware/arch/` and `firmware/drivers/` objects and `boards/<b>/port.o`). ' +
    'So only what the app links counts; board start-up, app code and app support (the periodic timers of `boards/common/<ip>_periodic.c`, `app_board.c`) do not. "typical" = `bench_wire_small` (tp_init, tp_event2, tp_poll, tp_flush); "all kinds" = `bench_wire_kinds` (every record function). ' +
    'RAM per core besides the ring = writer state (`tp_chan` symbol size from nm / cores) + drain state per core (growth of the drain state `d` from the 1-core an385 build to the 2-core an521 build). ' +
    'Fixed RAM that does not grow with cores (global config, the link\'s message head: an -Os build has no framer ring) is in the RAM column; each ring packet also holds a header of its own, inside the ring.', '');
  L.push('| board | flash typical (text+rodata+data) | flash all kinds | RAM (data+bss) | RAM per core | per-packet header in ring | flash by object (typical) |', '|---|---|---|---|---|---|---|');
  for (const b of BOARDS) {
    const x = r.target?.boards?.[b];
    if (!x || x.missing) { L.push(`| ${b} | no such board | | | | | |`); continue; }
    const f = x.footprint;
    if (!f || f.error) { L.push(`| ${b} | ${f?.error ?? 'not built'} | | | | | |`); continue; }
    L.push(`| ${b} | ${f.typical.flash} B | ${f.allKinds.flash} B | ${f.typical.ram} B | ${f.ramPerCore} B (${f.writerStatePerCore} writer + ${f.drainStatePerCoreMeasured ?? `${f.drainStatePerCore}+4`} drain) | ${f.packetHeaderInRing ?? '—'} B | ${Object.entries(f.typical.flashByObject).map(([k, v]) => `${k.split('/').pop()} ${v}`).join(', ')} |`);
  }
  L.push('');
  const crc = BOARDS.map((b) => r.target?.boards?.[b]?.footprint?.crcTable).find((v) => typeof v === 'number');
  if (crc) {
    L.push(`The CRC-32C table is ${crc} B of that flash (${crc === 1024 ? '256 entries, one lookup a byte: 960 B more than the 64-byte 16-entry table, which `TP_CRC_TABLE=16` selects for builds short of flash' : '16 entries, `TP_CRC_TABLE=16`'}).`, '');
  }
  rp2040UsbSection(r, L);
  profilesTable(r, L);
}

/** rp2040-pico: the USB-CDC transport next to the UART (bench/sections/rp2040usb.mjs). */
function rp2040UsbSection(r, L) {
  const u = r.target?.rp2040usb;
  if (!u) return;
  L.push('### rp2040-pico: USB-CDC transport and UART', '');
  if (u.error) { L.push(`Not measured: ${u.error}.`, ''); return; }
  L.push('Method (`bench/sections/rp2040usb.mjs`): flash and RAM as above (`bench_wire_small`, `-Os`), built with `TRANSPORT=uart` and `TRANSPORT=usb`; "transport" is the driver object alone (`firmware/drivers/rp2040_<transport>`: its flash from the map, its RAM from nm: for USB the device state, the 512-byte bulk IN queue and the counters). ' +
    'Link bytes: `e2e_clean` (10 000 two-argument events) run under rp2040js by `tracepipe run --board rp2040-pico`, bytes the CLI received over the pty; for USB through the strict model host, with the bulk IN packets it took.', '');
  L.push('| transport | flash (core + port) | RAM (core + port) | transport flash | transport RAM | link bytes per event | bulk IN packets | bytes per packet (ZLPs apart) |', '|---|---|---|---|---|---|---|---|');
  for (const t of ['uart', 'usb']) {
    const f = u.footprint?.[t] ?? {};
    const k = u.link?.[t] ?? {};
    L.push(`| ${t} | ${f.flash ?? '—'} B | ${f.ram ?? '—'} B | ${f.transportFlash ?? '—'} B | ${f.transportRam ?? '—'} B | ${fmt(k.bytesPerEvent, 2)} B (${k.events ?? '—'} events, losses ${k.dropped ?? '—'}/${k.overwritten ?? '—'}/${k.linkLost ?? '—'}) | ${k.inPackets ?? '—'} | ${fmt(k.bytesPerPacket, 1)} |`);
  }
  L.push('');
}

/** Both build profiles (PORTING.md) side by side: flash and RAM at -Os as above, record and
 * whole-CPU cost (2-argument event, poll per 32, as in sections 1 and 2) at -O2 and -Os. */
function profilesTable(r, L) {
  L.push('### 4.1 Build profiles', '');
  L.push('`make PROFILE=full` (default) and `make PROFILE=tiny` (discard mode only, CMD_START/STOP/HEADER, FINAL statuses only from `tp_flush()`; SPEC §8.1). Flash and RAM as above (`bench_wire_small`, -Os); record = `tp_event2` as a call; whole CPU = small / full-range arguments.', '');
  L.push('| board | profile | flash | RAM | record -O2 | record -Os | whole CPU -O2 | whole CPU -Os | flash by object |', '|---|---|---|---|---|---|---|---|---|');
  for (const b of BOARDS) {
    const x = r.target?.boards?.[b];
    if (!x || x.missing) continue;
    for (const [profile, fpKey, sfx] of [['full', 'footprint', ''], ['tiny', 'footprintTiny', 'Tiny']]) {
      const f = x[fpKey];
      const whole = (o) => `${fmt(batched(opt(r, b, o)?.[`wireSmall${sfx}`]))} / ${fmt(batched(opt(r, b, o)?.[`wireRandom${sfx}`]))}`;
      const flash = f && !f.error ? `${f.typical.flash} B` : (f?.error ?? 'not built');
      const byObj = f && !f.error ? Object.entries(f.typical.flashByObject).map(([k, v]) => `${k.split('/').pop()} ${v}`).join(', ') : '';
      L.push(`| ${b} | ${profile} | ${flash} | ${f && !f.error ? `${f.typical.ram} B` : '—'} | ${fmt(record2(r, b, '-O2', `record${sfx}`))} | ${fmt(record2(r, b, '-Os', `record${sfx}`))} | ${whole('-O2')} | ${whole('-Os')} | ${byObj} |`);
    }
  }
  L.push('');
}

function hostSection(r, data, L) {
  L.push('## 5. Host decode speed', '');
  const h = r.host;
  if (!h) { L.push(r.hostError ? `Not measured: ${r.hostError}.` : 'Not run.', ''); return; }
  L.push(`Trace: ${fmtM(h.trace.events)} events, ${fmt(h.trace.bytes / 1e6)} MB, synthesised with \`StreamWriter\` (host/src/core/encode.ts): 2 cores, 1 KiB packets, a mix of 2-argument events with small and full-range arguments, ISR enter/exit, spans, counters, marks and logs (bench/host-bench.ts). ` +
    `Decode core: in-process (bundled with esbuild, run with node), the file already in memory, fed in 64 KiB chunks, after a warm-up; median of ${h.decode.runs} runs. CLI: \`/usr/bin/time -f '%e %M'\` around \`node dist/tracepipe.cjs …\`, reading the file; wall time includes start-up. ` +
    `The last column is the ratio to babeltrace2 in the same run, by wall time (\`stats\`: ${quoted(data.targets, 'i11.stats')} and ${quoted(data.targets, 'i11.stats.bt2')}).`, '');
  const b = bt2(r);
  const vs = (eps) => (b && typeof eps === 'number' ? `${fmt(eps / b.eventsPerS, 2)}×` : '—');
  L.push('| what | events/s (wall) | MB/s (wall) | events per CPU-second | median wall s | median CPU s | peak RSS MB | runs | vs babeltrace2 |', '|---|---|---|---|---|---|---|---|---|');
  L.push(`| decode core, accounting only (\`{objects:false}\`) | ${fmtM(h.decode.accounting.eventsPerS)} | ${fmt(h.decode.accounting.mbPerS)} | ${fmtM(h.decode.accounting.decoded / h.decode.accounting.medianCpuS)} | ${fmt(h.decode.accounting.medianS, 2)} | ${fmt(h.decode.accounting.medianCpuS, 2)} | ${fmt(h.decode.maxRssMB, 0)} (whole process, trace held in memory) | ${h.decode.runs} | ${vs(h.decode.accounting.eventsPerS)} |`);
  L.push(`| decode core, event objects | ${fmtM(h.decode.objects.eventsPerS)} | ${fmt(h.decode.objects.mbPerS)} | ${fmtM(h.decode.objects.decoded / h.decode.objects.medianCpuS)} | ${fmt(h.decode.objects.medianS, 2)} | ${fmt(h.decode.objects.medianCpuS, 2)} | | ${h.decode.runs} | ${vs(h.decode.objects.eventsPerS)} |`);
  if (h.decode.batch) L.push(`| decode core, batch API (\`onEvents\`, columns) | ${fmtM(h.decode.batch.eventsPerS)} | ${fmt(h.decode.batch.mbPerS)} | ${fmtM(h.decode.batch.decoded / h.decode.batch.medianCpuS)} | ${fmt(h.decode.batch.medianS, 2)} | ${fmt(h.decode.batch.medianCpuS, 2)} | | ${h.decode.runs} | ${vs(h.decode.batch.eventsPerS)} |`);
  L.push(`| \`tracepipe stats\` | ${fmtM(h.stats.eventsPerS)} | ${fmt(h.stats.mbPerS)} | ${fmtM(h.stats.eventsPerCpuS)} | ${fmt(h.stats.medianWallS, 2)} | ${fmt(h.stats.medianCpuS, 2)} | ${fmt(h.stats.maxRssMB, 0)} | ${h.stats.runs} | ${vs(h.stats.eventsPerS)} |`);
  if (h.statsThreads2) L.push(`| \`tracepipe stats --threads 2\` (frames checked on a worker thread too, io/scan-pool.ts; opt-in) | ${fmtM(h.statsThreads2.eventsPerS)} | ${fmt(h.statsThreads2.mbPerS)} | ${fmtM(h.statsThreads2.eventsPerCpuS)} | ${fmt(h.statsThreads2.medianWallS, 2)} | ${fmt(h.statsThreads2.medianCpuS, 2)} | ${fmt(h.statsThreads2.maxRssMB, 0)} | ${h.statsThreads2.runs} | ${vs(h.statsThreads2.eventsPerS)} |`);
  const exportRow = (what, v) =>
    `| ${what}${h.exports.events !== h.trace.events ? ` (${fmtM(h.exports.events)} events)` : ''} | ${v.ok ? fmtM(v.eventsPerS) : `failed: ${v.error}`} | ${v.ok ? fmt(v.mbPerS) : ''} | ${v.ok ? fmtM(v.eventsPerCpuS) : ''} | ${fmt(v.medianWallS, 2)} | ${fmt(v.medianCpuS, 2)} | ${fmt(v.maxRssMB, 0)} | ${v.runs ?? 1} | ${v.ok ? vs(v.eventsPerS) : ''} |`;
  for (const [k, v] of Object.entries(h.exports.formats)) {
    const one = h.exports[`${k}OneThread`];
    L.push(exportRow(`\`tracepipe export --format ${k}\`${one ? ' --threads 2 (a worker thread decodes too, io/decode-pool.ts; the default while a second core is free)' : ''}`, v));
    if (one) L.push(exportRow(`\`tracepipe export --format ${k} --threads 1\` (runs alternating with --threads 2)`, one));
  }
  if (h.decodeJsonl) L.push(`| \`tracepipe decode --format jsonl\` (> /dev/null) | ${fmtM(h.decodeJsonl.eventsPerS)} | ${fmt(h.decodeJsonl.mbPerS)} | ${fmtM(h.decodeJsonl.eventsPerCpuS)} | ${fmt(h.decodeJsonl.medianWallS, 2)} | ${fmt(h.decodeJsonl.medianCpuS, 2)} | ${fmt(h.decodeJsonl.maxRssMB, 0)} | ${h.decodeJsonl.runs} | ${vs(h.decodeJsonl.eventsPerS)} |`);
  if (h.babeltrace2?.ok) {
    L.push(`| \`babeltrace2 -c sink.utils.dummy\` on the CTF export (${fmt(h.babeltrace2.ctfBytes / 1e6)} MB) | ${fmtM(h.babeltrace2.eventsPerS)} | ${fmt(h.babeltrace2.ctfBytes / 1e6 / h.babeltrace2.medianWallS)} (CTF) | ${fmtM(h.babeltrace2.eventsPerCpuS)} | ${fmt(h.babeltrace2.medianWallS, 2)} | ${fmt(h.babeltrace2.medianCpuS, 2)} | ${fmt(h.babeltrace2.maxRssMB, 0)} | ${h.babeltrace2.runs} | 1× |`);
  } else {
    L.push(`| babeltrace2 | not measured: ${h.babeltrace2?.error ?? ''} | | | | | | | |`);
  }
  L.push('');
  const floors = Object.entries(h.exports.formats).filter(([, v]) => v.ok && v.writeFloor?.ok);
  if (floors.length) {
    L.push('The disk\'s share of each export: the same number of output bytes written alone to the same file system (bench/write-floor.mjs: zeros in 1 MiB chunks, then fsync, as an export to a file does before renaming it into place), right after the export\'s output was removed. No export of that output can read the capture faster than the last column.', '');
    L.push('| format | output MB | output bytes per capture byte | export wall s | writing them alone: wall s | CPU s | output MB/s | capture MB/s that allows |', '|---|---|---|---|---|---|---|---|');
    for (const [k, v] of floors) {
      const f = v.writeFloor;
      L.push(`| ${k} | ${fmt(v.outputBytes / 1e6)} | ${fmt(v.outputBytes / h.exports.bytes, 1)} | ${fmt(v.medianWallS, 2)} | ${fmt(f.wallS, 2)} | ${fmt(f.cpuS, 2)} | ${fmt(f.outMBPerS, 0)} | ${fmt(f.captureMBPerS, 0)} |`);
    }
    L.push('');
  }
  const dt = h.decodeText;
  if (dt) {
    const row = (what, x) => (x?.ok ? `| ${what} | ${fmtM(x.eventsPerS)} | ${fmt(x.mbPerS)} | ${fmtM(x.eventsPerCpuS)} | ${fmt(x.medianWallS, 2)} | ${fmt(x.medianCpuS, 2)} | ${fmt(x.maxRssMB, 0)} | ${x.runs} |` : `| ${what} | not measured: ${x?.error ?? ''} | | | | | | |`);
    const ratio = dt.tracepipe?.ok && dt.babeltrace2?.ok ? `${fmt(dt.tracepipe.eventsPerS / dt.babeltrace2.eventsPerS, 2)}×` : '—';
    L.push(`Text output on a ${fmtM(dt.events)}-event trace (the same mix), both to /dev/null (\`decode\`: ${quoted(data.targets, 'i11.decode.text.bt2')}):`, '');
    L.push('| what | events/s (wall) | MB/s of trace (wall) | events per CPU-second | median wall s | median CPU s | peak RSS MB | runs | vs babeltrace2 text |', '|---|---|---|---|---|---|---|---|---|');
    L.push(`${row('`tracepipe decode` (text)', dt.tracepipe)} ${ratio} |`);
    L.push(`${row('`babeltrace2` on the CTF export (default text output)', dt.babeltrace2)} 1× |`, '');
  }
  const qc = h.qemuCaptures;
  if (qc) {
    L.push('`tracepipe stats` on real QEMU captures (raw UART streams of bench_wire_small under QEMU -icount, qemu-mps2-an385):', '');
    L.push('| capture | sessions | events | MB | events/s (wall) | events per CPU-second | median wall s | peak RSS MB | runs |', '|---|---|---|---|---|---|---|---|---|');
    for (const x of [qc.long, qc.sessions]) {
      if (!x) continue;
      L.push(x.ok ? `| ${x.what} | ${x.sessions} | ${fmtM(x.events)} | ${fmt(x.bytes / 1e6)} | ${fmtM(x.eventsPerS)} | ${fmtM(x.eventsPerCpuS)} | ${fmt(x.medianWallS, 2)} | ${fmt(x.maxRssMB, 0)} | ${x.runs} |` : `| not measured: ${x.error ?? ''} | | | | | | | | |`);
    }
    L.push('');
    const sc = qc.sessionsCtf;
    if (sc) L.push(sc.ok ? `\`tracepipe export --format ctf\` of the ${sc.sessions}-session capture (a stream per core and session; a session's files are written out and closed when the next begins): ${fmt(sc.mbPerS)} MB/s, peak RSS ${fmt(sc.maxRssMB, 0)} MB, one run.` : `\`tracepipe export --format ctf\` of the many-session capture: not measured (${sc.error ?? ''}).`, '');
  }
  if (h.startup?.version?.ok) L.push(`Start-up (median of ${h.startup.version.runs}, alternating): \`node -e 0\` ${fmt(h.startup.node.medianWallS, 2)} s wall, \`tracepipe --version\` ${fmt(h.startup.version.medianWallS, 2)} s (${fmt(h.startup.version.medianCpuS, 2)} CPU-s): the CLI bundle compiled from the V8 code cache that \`npm run build\` leaves beside it (host/src/launcher.ts).`, '');
  if (h.statsBig?.ok) L.push(`\`stats\` on a ${fmtM(h.statsBig.events)}-event trace (${fmt(h.statsBig.bytes / 1e6)} MB): ${fmtM(h.statsBig.eventsPerS)} events/s, peak RSS ${fmt(h.statsBig.maxRssMB, 0)} MB.`, '');
  L.push(`Exports ran once each (they are the slowest host step; one run keeps \`npm run bench\` in its time budget). \`stats\` on a ${fmtM(h.statsSmall.events)}-event trace peaked at ${fmt(h.statsSmall.maxRssMB, 0)} MB RSS, against ${fmt(h.stats.maxRssMB, 0)} MB at ${fmtM(h.trace.events)} events.`, '');
  const big = h.exportsBig;
  if (big) {
    L.push(`Long trace (${fmtM(big.events)} events, ${fmt(big.bytes / 1e6)} MB, made for this and removed after): peak RSS independent of trace length. perfetto and csv wrote to /dev/null, ctf to a folder; \`--no-wall-clock\`.`, '');
    L.push('| what | MB/s (wall) | events per CPU-second | wall s | CPU s | peak RSS MB | peak RSS MB at the export trace |', '|---|---|---|---|---|---|---|');
    for (const [k, v] of Object.entries(big.formats)) {
      L.push(`| \`tracepipe export --format ${k}\` | ${v.ok ? fmt(v.mbPerS) : `failed: ${v.error}`} | ${v.ok ? fmtM(v.eventsPerCpuS) : ''} | ${fmt(v.medianWallS, 2)} | ${fmt(v.medianCpuS, 2)} | ${fmt(v.maxRssMB, 0)} | ${fmt(h.exports.formats[k]?.maxRssMB, 0)} |`);
    }
    L.push('');
  }
}

function liveSection(r, L) {
  L.push('## 6. Live throughput', '');
  const lv = r.live;
  if (!lv || lv.error) { L.push(`Not measured${lv?.error ? `: ${lv.error}` : ''}.`, ''); return; }
  L.push(`Method: \`apps/bench_live\` on ${lv.board} under QEMU in real time (no -icount), UART0 on a pty; \`tracepipe capture --port <pty>\` reads it through @serialport/stream (the same path as \`tracepipe run\`, which starts QEMU itself; capturing from a QEMU started by the bench lets \`/usr/bin/time\` measure the host process alone). ` +
    `After CMD_START the app records 2-argument small-argument events in bursts that fit the free ring and polls until the link has taken everything, for ${fmt(lv.seconds, 0)} s of target time: the link sets the rate. Loss figures come from \`tracepipe stats\` on the capture and from the firmware's own ground-truth line.`, '');
  L.push('| events/s | bytes/s | events | target s | dropped | overwritten | link_lost | identity | firmware ground truth | host CPU (user+sys / wall) | host peak RSS |', '|---|---|---|---|---|---|---|---|---|---|---|');
  L.push(`| ${fmtM(lv.eventsPerS)} | ${fmt(lv.bytesPerS / 1e3, 0)} KB/s | ${lv.events} | ${fmt(lv.seconds, 2)} | ${lv.dropped} | ${lv.overwritten} | ${lv.link_lost} | ${lv.identity} | generated ${lv.groundTruth?.generated ?? '—'}, dropped ${lv.groundTruth?.dropped ?? '—'} | ${fmt(lv.hostCpu * 100, 0)} % | ${fmt(lv.hostMaxRssMB, 0)} MB |`);
  const rl = lv.rawLink;
  const load = r.sections?.live?.loadavgAtStart?.[0] ?? r.machine?.loadavgAtStart?.[0];
  if (rl) L.push('', `The same firmware read by the simplest reader (blocking 64 KiB reads of the pty, nothing decoded, run just before): ${fmtM(rl.eventsPerS)} events/s, ${fmt(rl.bytesPerS / 1e3, 0)} KB/s. ` +
    `tracepipe capture reached ${fmt((lv.eventsPerS / rl.eventsPerS) * 100, 0)} % of that link ceiling, using ${fmt(lv.hostCpu * 100, 0)} % of one core (user+sys over its wall time, start-up included). ` +
    'QEMU hands the pty one byte per write() call (shared/reference/qemu.md), so both figures move with the machine\'s load ' + `(load average ${load} at the start of this run).`);
  L.push('');
}

function faultsSection(r, L) {
  if (r.faultsTable) {
    L.push('## 7. Link faults: frames lost and resynchronisation', '',
      'Method: `test/faults/sweep.test.ts` takes real QEMU UART streams (e2e_clean, 100 000 events, and e2e_overload), applies a seeded fault model (drop, flip, insert, burst of 1–64 noise bytes) at each rate, decodes in random chunks, and checks every result against an oracle computed from the clean stream and the fault list: no invented event, exactly the intact packets decoded, `link_lost` exact, the identity exact. Resync bytes = clean-stream bytes from a fault to the first frame it did not break.', '',
      r.faultsTable.trim(), '');
  } else if (r.faults?.error) {
    L.push('## 7. Link faults', '', `The sweep failed: ${r.faults.error}`, '');
  }
}

function reliabilitySection(r, L) {
  L.push('## 8. Reliability: damaged capture files', '');
  const rel = r.reliability;
  if (!rel || rel.notMeasured || rel.error) {
    L.push(`Not measured${rel?.notMeasured ? ` (${rel.notMeasured})` : rel?.error ? `: ${rel.error}` : ''}.`, '');
    return;
  }
  if (rel.description) L.push(`Method (\`bench/reliability.mjs\`): ${rel.description}`, '');
  const versions = ['v2', 'v1'].filter((v) => rel[v]);
  L.push('| container | file bytes | mutations tried | crashes | events invented | identity failures | refused | bytes lost per damaged byte (median / mean / max) | events lost (median / max) |', '|---|---|---|---|---|---|---|---|---|');
  for (const v of versions) {
    const x = rel[v];
    L.push(`| ${v} | ${x.file_bytes ?? '—'} | ${x.mutations_tried ?? '—'} | ${x.crashes ?? '—'} | ${x.events_invented ?? '—'} | ${x.identity_failures ?? '—'} | ${x.refused ?? '—'} | ${fmt(x.bytes_lost_per_damaged_byte_median, 2)} / ${fmt(x.bytes_lost_per_damaged_byte_mean, 2)} / ${fmt(x.bytes_lost_per_damaged_byte_max, 2)} | ${x.events_lost_median ?? '—'} / ${x.events_lost_max ?? '—'} |`);
  }
  L.push('');
  const kinds = [...new Set(versions.flatMap((v) => Object.keys(rel[v].by_kind ?? {})))];
  if (kinds.length) {
    L.push('By mutation kind (per container: mutations, bytes lost per damaged byte median, events lost median):', '');
    L.push(`| mutation | ${versions.join(' | ')} |`, `|---|${versions.map(() => '---').join('|')}|`);
    for (const k of kinds) {
      L.push(`| ${k} | ${versions.map((v) => {
        const x = rel[v].by_kind?.[k];
        return x ? `${x.mutations ?? '—'}, ${fmt(x.bytes_lost_per_damaged_byte_median, 2)}, ${x.events_lost_median ?? '—'}` : '—';
      }).join(' | ')} |`);
    }
    L.push('');
  }
}

function dataSection(r, L) {
  L.push('## 9. Traces as data: Parquet export, DuckDB queries, Dask', '');
  const d = r.data;
  if (!d || d.error) { L.push(`Not measured${d?.error ? `: ${d.error}` : ''}.`, ''); return; }
  const c = d.capture;
  const x = d.export;
  L.push(`Method (\`bench/sections/data.mjs\`): the host section's synthetic trace (bench/host-bench.ts), one byte flipped every 200 KB so the link loses packets, in a .tpt container; ` +
    `${fmtM(c.events)} events decoded (${c.link_lost} link_lost), ${fmt(c.tptBytes / 1e6)} MB .tpt. \`/usr/bin/time\` around \`node dist/tracepipe.cjs …\`, one run each, start-up included.`, '');
  L.push('| what | events | wall s | CPU s | peak RSS MB | rate |', '|---|---|---|---|---|---|');
  L.push(`| \`export --format parquet\` | ${fmtM(c.events)} | ${fmt(x.wallS, 2)} | ${fmt(x.cpuS, 2)} | ${fmt(x.maxRssMB, 0)} | ${fmtM(x.eventsPerS)} events/s, ${fmt(x.mbPerS, 2)} MB/s of .tpt |`);
  const xb = d.exportBig;
  if (xb && !xb.error) L.push(`| \`export --format parquet\`, a longer capture | ${fmtM(xb.events)} | ${fmt(xb.wallS, 2)} | ${fmt(xb.cpuS, 2)} | ${fmt(xb.maxRssMB, 0)} | ${fmtM(xb.eventsPerS)} events/s, ${fmt(xb.mbPerS, 2)} MB/s of .tpt |`);
  const ds = d.dataset;
  const scaled = ds.events < ds.asked ? ` (**scaled down**: ${fmtM(ds.events)} events, not the ${fmtM(ds.asked)} asked)` : '';
  for (const [k, what] of [['span', 'per-span-duration query (`spans`: count, min, p99, max per board and id)'], ['loss', 'per-board loss query (`losses` by board and cause, with the board\'s events)']]) {
    const q = d.queries[k];
    const extra = k === 'loss' ? `; sums ${q.correct ? 'equal' : '**differ from**'} the capture's link_lost × copies` : '';
    L.push(`| ${what}${scaled} | ${fmtM(ds.events)} | ${q.ok ? fmt(q.wallS, 2) : `failed: ${q.error}`} | ${fmt(q.cpuS, 2)} | ${fmt(q.maxRssMB, 0)} | ${q.ok ? `${fmtM(ds.events / q.wallS)} events/s${extra}` : ''} |`);
  }
  L.push('');
  L.push(`Dataset size: ${fmt(x.datasetBytes / 1e6, 2)} MB of Parquet (ZSTD) for a ${fmt(c.tptBytes / 1e6, 2)} MB .tpt: ${fmt(x.vsTpt, 2)}× the capture, ${fmt(x.bytesPerEvent, 1)} B per event. ` +
    `The queried dataset: ${ds.method} (exporting ${fmtM(ds.asked)} events one capture at a time would not fit the bench's budget on this machine); every file is read as a capture of its own.`, '');
  const k = d.dask;
  if (!k || k.notMeasured || k.error) {
    L.push(`Dask distributed beside DuckDB: not measured${k?.notMeasured ? ` (${k.notMeasured})` : k?.error ? `: ${k.error}` : ''}.`, '');
    return;
  }
  L.push(`Dask distributed beside DuckDB, the questions of \`test/data/dask_questions.py\` (events per board, losses per board and cause, count/min/max/p99 of span durations, the t_ns checksum) on one ${fmtM(k.events)}-event capture exported with \`--csv\` (Debian 12's Dask reads CSV only):`, '');
  L.push('| engine | wall s | CPU s (this process) | answers |', '|---|---|---|---|');
  L.push(`| Dask distributed, local cluster of ${k.workers} worker processes (cluster start-up included) | ${fmt(k.daskWallS, 2)} | ${fmt(k.daskCpuS, 2)} | ${k.agree ? 'identical to DuckDB' : '**differ from DuckDB**'} |`);
  L.push(`| DuckDB, \`tracepipe query\` (${k.duckdbQueries} processes, one per question, start-up included) | ${fmt(k.duckdbWallS, 2)} | | |`);
  L.push('');
}

/** BENCHMARKS.md for results r with the thresholds and peer figures of data. */
export function render(r, data = loadData()) {
  const L = [];
  const m = r.machine ?? {};
  L.push('# tracepipe benchmarks', '');
  L.push(`Generated by \`npm run bench\` (bench/run.mjs, rendered by bench/render.mjs) on ${r.date}; machine-readable copy: \`bench/results.json\`.`, '');
  L.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}; Node ${m.node}; ${m.qemu}; ${m.gcc}; ${m.babeltrace2}. ` +
    `Load average at start ${(m.loadavgAtStart ?? []).join(' / ')} (the machine is shared: host figures are medians and may move between runs; target figures are exact, from QEMU -icount). Whole run: ${fmt(r.elapsedS, 0)} s.`, '');
  const later = r.elapsedS === undefined ? [] : Object.entries(r.sections ?? {}).filter(([, s]) => s.partial && s.date && r.date && s.date > r.date);
  if (later.length) {
    L.push(`Sections measured again after that run (\`node bench/run.mjs --only …\`): ${later.map(([k, s]) => `${k} on ${s.date} (load ${s.loadavgAtStart?.[0] ?? '—'})`).join('; ')}.`, '');
  }
  targetsSection(r, data, L);
  peersSection(r, data, L);
  targetSections(r, data, L);
  hostSection(r, data, L);
  liveSection(r, L);
  const missing = BOARDS.filter((b) => r.target?.boards?.[b]?.missing);
  if (missing.length) L.push(`**Boards missing from this tree:** ${missing.join(', ')}; their columns are empty.`, '');
  L.push('## Reproduce', '', '```',
    `npm run bench            # this run: ${fmt(r.elapsedS / 60, 1)} min on the machine above (budget: 10 min)`,
    'TPBENCH_EVENTS=2000000 TPBENCH_RUNS=1 npm run bench   # quicker, smaller trace',
    'node bench/run.mjs --only host,live   # measure some sections again, merged into bench/results.json',
    'npm run bench:render     # BENCHMARKS.md from bench/results.json and the data files, no measuring',
    '```', '');
  faultsSection(r, L);
  reliabilitySection(r, L);
  dataSection(r, L);
  return L.join('\n');
}

function main(argv) {
  const arg = (name, dflt) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  const results = JSON.parse(readFileSync(arg('--results', join(HERE, 'results.json')), 'utf8'));
  writeFileSync(arg('--out', join(HERE, '..', 'BENCHMARKS.md')), render(results));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`bench/render: ${e.message}\n`);
    process.exitCode = 1;
  }
}
