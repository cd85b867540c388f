// `npm run bench`: runs every measuring section (bench/sections/*.mjs), writes
// bench/results.json and renders BENCHMARKS.md from it (bench/render.mjs). Target figures
// come from QEMU under -icount (deterministic); host figures are medians of several runs on
// this (shared, noisy) machine.
//
//   node bench/run.mjs                       every section; a fresh results.json
//   node bench/run.mjs --only host,live      those sections, merged into results.json
//   node bench/run.mjs --list                the sections
//   --results FILE / --out FILE              another results file / report (default
//                                            bench/results.json, BENCHMARKS.md)
//
// Knobs (environment): see configFromEnv in bench/harness.mjs. TPBENCH_ONLY (a comma list,
// as --only; "target" stands for record,wire,masked,footprint) is still read.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, RESULTS, configFromEnv, createContext, loadavg, log, machine, readResults, writeResults } from './harness.mjs';
import { render } from './render.mjs';
import * as record from './sections/record.mjs';
import * as wire from './sections/wire.mjs';
import * as masked from './sections/masked.mjs';
import * as maskedpaths from './sections/maskedpaths.mjs';
import * as footprint from './sections/footprint.mjs';
import * as host from './sections/host.mjs';
import * as live from './sections/live.mjs';
import * as faults from './sections/faults.mjs';
import * as reliability from './sections/reliability.mjs';
import * as data from './sections/data.mjs';
import * as rp2040usb from './sections/rp2040usb.mjs';

// Run order: the target sections first (footprint reads the builds the others made).
const SECTIONS = [record, wire, masked, maskedpaths, footprint, rp2040usb, live, host, data, faults, reliability];
const ALIASES = { target: ['record', 'wire', 'masked', 'maskedpaths', 'footprint'] };

class UsageError extends Error {}

function selectSections(list) {
  if (!list) return SECTIONS;
  const names = new Set(list.split(',').map((s) => s.trim()).filter(Boolean).flatMap((s) => ALIASES[s] ?? [s]));
  const unknown = [...names].filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length) throw new UsageError(`unknown section ${unknown.join(', ')} (sections: ${SECTIONS.map((s) => s.name).join(', ')}; alias: target)`);
  return SECTIONS.filter((s) => names.has(s.name));
}

function parseArgs(argv) {
  const opts = { only: process.env.TPBENCH_ONLY ?? null, results: RESULTS, out: join(ROOT, 'BENCHMARKS.md'), list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') opts.only = argv[++i];
    else if (a.startsWith('--only=')) opts.only = a.slice(7);
    else if (a === '--results') opts.results = argv[++i];
    else if (a === '--out') opts.out = argv[++i];
    else if (a === '--list') opts.list = true;
    else throw new UsageError(`unknown argument ${a} (usage: node bench/run.mjs [--only a,b] [--results FILE] [--out FILE] [--list])`);
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.list) {
    for (const s of SECTIONS) process.stdout.write(`${s.name.padEnd(12)} ${s.about}\n`);
    return;
  }
  const sections = selectSections(opts.only);
  const partial = sections.length !== SECTIONS.length;
  const config = configFromEnv();
  const T0 = Date.now();
  // A partial run merges into the last results; a full run starts afresh, so nothing stale stays.
  const results = partial && existsSync(opts.results) ? readResults(opts.results) : {};
  const mach = machine();
  if (!partial || !results.date) Object.assign(results, { date: new Date().toISOString(), machine: mach, config });
  results.sections ??= {};

  log('build host CLI');
  execFileSync('node', ['host/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const ctx = createContext(config);
  log(`work dir ${ctx.work}`);
  try {
    for (const s of sections) {
      const t = Date.now();
      const meta = { date: new Date().toISOString(), partial, loadavgAtStart: loadavg(), config };
      log(`section ${s.name}: ${s.about}`);
      await s.run(ctx, results);
      results.sections[s.name] = { ...meta, elapsedS: (Date.now() - t) / 1000, loadavgAtEnd: loadavg() };
    }
  } finally {
    ctx.cleanup();
  }
  if (!partial) {
    results.elapsedS = (Date.now() - T0) / 1000;
    results.machine.loadavgAtEnd = loadavg();
  }
  // The verdicts are rendered from the data files, not stored: results.json holds figures only.
  delete results.evaluation;
  writeResults(results, opts.results);
  writeFileSync(opts.out, render(results));
  log(`wrote ${opts.out} and ${opts.results} in ${((Date.now() - T0) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  process.stderr.write(`bench: ${e instanceof UsageError ? e.message : e.stack ?? e}\n`);
  process.exitCode = 1;
});
