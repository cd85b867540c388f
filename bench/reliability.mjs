// `node bench/reliability.mjs`: the container fault sweep (issue 10 item 4) as figures. Captures
// the demo firmware with `tracepipe run -o` (QEMU, real pty, the v2 writer), rewrites the same
// reads as a version 1 file, then applies one seeded mutation per trial (bit flip, inserted byte,
// deleted byte, burst of 1..64 noise bytes, at a uniform file position) and reads each damaged file
// through the CLI's decode path (test/hostile/container-sweep.ts, bundled with esbuild).
// Prints one JSON object: mutations tried, crashes, events invented, bytes lost per damaged
// container byte (median, max), for v2 and for v1.
//
// Needs `npm run build` and `make BOARD=qemu-mps2-an385`. Knobs (environment):
// TPREL_SEEDS (trials per mutation kind and version, default 100), TPREL_DURATION (capture
// seconds, default 3).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'tracepipe.cjs');
const ELF = join(ROOT, 'build', 'qemu-mps2-an385', 'demo.elf');
const SEEDS = Number(process.env.TPREL_SEEDS ?? 100);
const DURATION = String(process.env.TPREL_DURATION ?? 3);

for (const need of [CLI, ELF]) {
  if (!existsSync(need)) {
    process.stderr.write(`reliability: ${need} is missing (npm run build; make BOARD=qemu-mps2-an385)\n`);
    process.exit(1);
  }
}

const work = mkdtempSync(join(os.tmpdir(), 'tprel-'));
try {
  const { build } = await import('esbuild');
  const bundle = join(work, 'sweep.mjs');
  await build({ entryPoints: [join(ROOT, 'test', 'hostile', 'container-sweep.ts')], bundle: true, platform: 'node', target: 'node20', format: 'esm', outfile: bundle, logLevel: 'warning' });
  const S = await import(pathToFileURL(bundle).href);

  const capture = join(work, 'demo.tpt');
  const run = spawnSync(process.execPath, [CLI, 'run', '--board', 'qemu-mps2-an385', ELF, '-o', capture, '--duration', DURATION], { encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`capture failed: ${run.stderr}`);
  const file = readFileSync(capture);

  const result = {
    description:
      'One seeded mutation per trial in a real capture file (tracepipe run -o, demo firmware under QEMU): flip = one bit, ' +
      'insert/delete = one byte, burst = 1..64 bytes replaced by noise, at a uniform position. Each damaged file is read by ' +
      "the CLI's decode path. bytes lost = raw-stream bytes the container reader did not deliver in their place; per damaged " +
      'byte = bytes lost / bytes the mutation changed (a changed byte passed on in place costs the wire frame it is in, ' +
      'counted in events_lost, not here). v1 = the same reads written as a version 1 file.',
    capture: { file_bytes: file.length, duration_s: Number(DURATION) },
  };
  for (const version of [2, 1]) {
    const clean = await S.cleanCapture(version === 2 ? file : S.rewrite(file, 1), version);
    const trials = [];
    let crashes = 0;
    const crashExamples = [];
    for (const kind of S.MUTATION_KINDS) {
      for (let seed = 1; seed <= SEEDS; seed++) {
        try {
          trials.push(await S.trial(clean, kind, seed * 4 + S.MUTATION_KINDS.indexOf(kind) + 7919 * version));
        } catch (e) {
          crashes++;
          if (crashExamples.length < 3) crashExamples.push(`${kind} seed ${seed}: ${e?.stack ?? e}`);
        }
      }
    }
    const sum = S.summarise(trials);
    result[`v${version}`] = {
      file_bytes: clean.file.length,
      stream_bytes: clean.stream.length,
      records: clean.records.length,
      mutations_tried: trials.length + crashes,
      crashes,
      ...(crashExamples.length ? { crash_examples: crashExamples } : {}),
      events_invented: sum.events_invented,
      identity_failures: sum.identity_failures,
      refused: sum.refused,
      bytes_lost_per_damaged_byte_median: sum.bytes_lost_per_damaged_byte_median,
      bytes_lost_per_damaged_byte_max: sum.bytes_lost_per_damaged_byte_max,
      bytes_lost_per_damaged_byte_mean: sum.bytes_lost_per_damaged_byte_mean,
      events_lost_median: sum.events_lost_median,
      events_lost_max: sum.events_lost_max,
      events_in_capture: clean.keys.size,
      stream_bytes_lost_median: sum.stream_bytes_lost_median,
      stream_bytes_lost_max: sum.stream_bytes_lost_max,
      by_kind: sum.by_kind,
    };
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
