// Host speed: the decode core in-process, the CLI's stats and exports as whole processes,
// and babeltrace2 on the CTF export of the same events, side by side in one run.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, log, median, nodeJson, put, timed } from '../harness.mjs';

export const name = 'host';
export const about = 'decode core, stats, exports and babeltrace2 on a synthetic trace';

function summarise(runs, events, bytes, ok) {
  const wall = median(runs.map((r) => r.wallS ?? NaN));
  const cpu = median(runs.map((r) => r.cpuS ?? NaN));
  return {
    ok,
    runs: runs.length,
    wallS: runs.map((r) => r.wallS),
    medianWallS: wall,
    medianCpuS: cpu,
    eventsPerS: events / wall,
    eventsPerCpuS: events / cpu,
    mbPerS: bytes / 1e6 / wall,
    maxRssMB: Math.max(...runs.map((r) => r.maxRssMB ?? 0)),
  };
}

async function measure(ctx) {
  const { events: EVENTS, exportEvents: EXPORT_EVENTS, runs: RUNS } = ctx.config;
  const bench = await ctx.hostBench();
  const work = ctx.work;
  const res = {};
  const trace = join(work, 'synth.bin');
  log(`synthesise ${EVENTS} events`);
  res.trace = { ...nodeJson(bench, ['synth', trace, String(EVENTS)]), mix: 'see bench/host-bench.ts synth()' };
  log(`decode core, ${RUNS} runs per mode`);
  res.decode = nodeJson(bench, ['decode', trace, String(RUNS)]);

  log(`stats CLI, ${RUNS} runs`);
  const statsRuns = [];
  for (let i = 0; i < RUNS; i++) statsRuns.push(await timed('node', [CLI, 'stats', trace]));
  res.stats = summarise(statsRuns, res.trace.events, res.trace.bytes, statsRuns.every((r) => r.code === 0));

  // constant memory: the same command on a trace 10x smaller
  const small = join(work, 'synth-small.bin');
  const smallEvents = Math.max(100_000, Math.floor(EVENTS / 10));
  const st = nodeJson(bench, ['synth', small, String(smallEvents)]);
  const sr = await timed('node', [CLI, 'stats', small]);
  res.statsSmall = { events: st.events, maxRssMB: sr.maxRssMB };

  let exportTrace = trace;
  let exportInfo = res.trace;
  if (EXPORT_EVENTS !== EVENTS) {
    exportTrace = join(work, 'synth-export.bin');
    exportInfo = nodeJson(bench, ['synth', exportTrace, String(EXPORT_EVENTS)]);
  }
  res.exports = { events: exportInfo.events, bytes: exportInfo.bytes, runs: 1, formats: {} };
  for (const format of ['ctf', 'perfetto', 'jsonl', 'csv']) {
    const out = join(work, `out-${format}`);
    log(`export ${format} (${exportInfo.events} events)`);
    const r = await timed('node', [CLI, 'export', '--format', format, '-o', out, exportTrace]);
    let outBytes = null;
    try {
      outBytes = format === 'ctf'
        ? execFileSync('du', ['-sb', out], { encoding: 'utf8' }).split('\t')[0] * 1
        : statSync(out).size;
    } catch { /* nothing written */ }
    res.exports.formats[format] = { ...summarise([r], exportInfo.events, exportInfo.bytes, r.code === 0), outputBytes: outBytes };
    if (r.code !== 0) res.exports.formats[format].error = r.stderr.trim().split('\n')[0];
    if (format !== 'ctf') rmSync(out, { recursive: true, force: true });
  }
  const ctf = join(work, 'out-ctf');
  if (res.exports.formats.ctf?.ok && existsSync(ctf)) {
    log('babeltrace2 -c sink.utils.dummy on the CTF export');
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await timed('babeltrace2', [ctf, '-c', 'sink.utils.dummy']));
    res.babeltrace2 = summarise(runs, exportInfo.events, exportInfo.bytes, runs.every((r) => r.code === 0));
    res.babeltrace2.ctfBytes = res.exports.formats.ctf.outputBytes;
    if (!res.babeltrace2.ok) res.babeltrace2.error = runs[0].stderr.trim().split('\n').slice(-2).join(' ');
  } else {
    res.babeltrace2 = { ok: false, error: 'no CTF export to read' };
  }
  rmSync(ctf, { recursive: true, force: true });
  if (ctx.config.bigEvents > 0) await measureBig(ctx, bench, res);
  return res;
}

/**
 * Peak RSS independent of trace length: stats and the ctf, perfetto and csv exports again on
 * a trace 10x longer, made here and removed after. The one-file formats write to /dev/null
 * (a device is written in place, as to a file), so the disk holds only the input and the CTF
 * folder; their MB/s there leave out the file system.
 */
async function measureBig(ctx, bench, res) {
  const trace = join(ctx.work, 'synth-big.bin');
  log(`synthesise ${ctx.config.bigEvents} events (peak RSS on a long trace)`);
  const info = nodeJson(bench, ['synth', trace, String(ctx.config.bigEvents)]);
  res.exportsBig = { events: info.events, bytes: info.bytes, formats: {} };
  try {
    const st = await timed('node', [CLI, 'stats', trace]);
    res.statsBig = { ...summarise([st], info.events, info.bytes, st.code === 0) };
    for (const format of ['ctf', 'perfetto', 'csv']) {
      const out = format === 'ctf' ? join(ctx.work, 'out-big-ctf') : '/dev/null';
      log(`export ${format} (${info.events} events, to ${format === 'ctf' ? 'a folder' : '/dev/null'})`);
      const r = await timed('node', [CLI, 'export', '--format', format, '--no-wall-clock', '-o', out, trace]);
      res.exportsBig.formats[format] = summarise([r], info.events, info.bytes, r.code === 0);
      if (r.code !== 0) res.exportsBig.formats[format].error = r.stderr.trim().split('\n')[0];
      if (format === 'ctf') rmSync(out, { recursive: true, force: true });
    }
  } finally {
    rmSync(trace, { force: true });
  }
}

export async function run(ctx, results) {
  try {
    put(results, ['host'], await measure(ctx));
    put(results, ['hostError'], undefined);
  } catch (e) {
    put(results, ['host'], null);
    put(results, ['hostError'], e.message);
    log(`host: ${e.message}`);
  }
}
