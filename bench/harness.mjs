// What every bench section shares: configuration from the environment, the work directory,
// logging, timing a child process, medians, the bundled host-bench entry and the
// masked-section plugin (each built once per run), and the results file.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as T from './target.mjs';

const { ROOT } = T;

export { ROOT };
export const CLI = join(ROOT, 'dist', 'tracepipe.cjs');
export const RESULTS = join(ROOT, 'bench', 'results.json');
export const BOARDS = ['qemu-mps2-an385', 'microbit', 'qemu-mps2-an521'];
export const OPTS = ['-O2', '-Os'];

// Knobs (environment): TPBENCH_EVENTS (synthetic trace size, default 10000000),
// TPBENCH_EXPORT_EVENTS (trace size for the exports and babeltrace2, default the same),
// TPBENCH_BIG_EVENTS (the long trace of the exports' and stats' peak RSS, default 10x
// TPBENCH_EVENTS; 0 skips it),
// TPBENCH_RUNS (host repetitions, default 3), TPBENCH_LIVE_S (live seconds, default 10).
export function configFromEnv(env = process.env) {
  const events = Number(env.TPBENCH_EVENTS ?? 10_000_000);
  return {
    events,
    exportEvents: Number(env.TPBENCH_EXPORT_EVENTS ?? events),
    bigEvents: Number(env.TPBENCH_BIG_EVENTS ?? 10 * events),
    runs: Math.max(1, Number(env.TPBENCH_RUNS ?? 3)),
    liveSeconds: Number(env.TPBENCH_LIVE_S ?? 10),
  };
}

const T0 = Date.now();

export function log(msg) {
  process.stderr.write(`[bench ${((Date.now() - T0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.split('\n')[0].trim() : null;
}

export function loadavg() {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    qemu: firstLine('qemu-system-arm', ['--version']),
    gcc: firstLine('arm-none-eabi-gcc', ['--version']),
    babeltrace2: firstLine('babeltrace2', ['--version']),
    loadavgAtStart: loadavg(),
  };
}

/** Runs tasks (async functions) at most n at a time; QEMU under -icount is deterministic, so
 * running two at once changes no target figure. A task that throws yields { error }. */
export async function pool(tasks, n = 2) {
  const out = new Array(tasks.length);
  let next = 0;
  async function worker() {
    while (next < tasks.length) {
      const i = next++;
      try {
        out[i] = await tasks[i]();
      } catch (e) {
        out[i] = { error: e.message };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
  return out;
}

/** Runs a command under /usr/bin/time; resolves with wall s, user+sys s, peak RSS MB, output. */
export function timed(cmd, args, { stdoutFile } = {}) {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/time', ['-f', 'TPTIME %e %U %S %M', cmd, ...args], {
      cwd: ROOT,
      stdio: ['ignore', stdoutFile ? 'ignore' : 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (b) => { out += b; });
    child.stderr.on('data', (b) => { err += b; });
    child.on('close', (code) => {
      const m = /TPTIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      resolve({
        code,
        wallS: m ? Number(m[1]) : null,
        cpuS: m ? Number(m[2]) + Number(m[3]) : null,
        maxRssMB: m ? Number(m[4]) / 1024 : null,
        stdout: out,
        stderr: err.replace(/TPTIME.*\n?/, ''),
      });
    });
  });
}

/** Runs a node script and parses the JSON object on the last line of its stdout. */
export function nodeJson(script, args) {
  const out = execFileSync('node', [script, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out.trim().split('\n').pop());
}

/** Sets obj[path[0]][path[1]]… = value, creating the objects on the way. A section owns the
 * subtrees it sets and replaces them whole, so a re-run leaves nothing stale behind. */
export function put(obj, path, value) {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k];
  }
  if (value === undefined) delete o[path.at(-1)];
  else o[path.at(-1)] = value;
}

export function readResults(file = RESULTS) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export function writeResults(results, file = RESULTS) {
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}

/**
 * What the sections of one run share: the work directory and the artefacts more than one
 * section needs, each built at most once.
 */
export function createContext(config) {
  const work = mkdtempSync(join(os.tmpdir(), 'tpbench-'));
  let hostBench = null;
  let plugin;
  return {
    config,
    work,
    /** bench/host-bench.ts bundled with esbuild; the path of the .mjs. */
    async hostBench() {
      if (!hostBench) {
        const { build } = await import('esbuild');
        const out = join(work, 'host-bench.mjs');
        await build({ entryPoints: [join(ROOT, 'bench', 'host-bench.ts')], bundle: true, platform: 'node', target: 'node20', format: 'esm', outfile: out, logLevel: 'warning' });
        hostBench = out;
      }
      return hostBench;
    },
    /** bench/masked_plugin.c built as a QEMU TCG plugin, or null if it does not build. */
    plugin() {
      if (plugin === undefined) {
        const so = join(work, 'libmasked.so');
        try {
          execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', so, join(ROOT, 'bench', 'masked_plugin.c')], { stdio: 'pipe' });
          plugin = so;
        } catch (e) {
          log(`masked-section plugin did not build (${e.message.split('\n')[0]}); using the static scan`);
          plugin = null;
        }
      }
      return plugin;
    },
    cleanup() {
      rmSync(work, { recursive: true, force: true });
    },
  };
}

const built = new Map();

/** Builds the benchmark apps of board at opt in a profile once per process; null, or make's error. */
export function ensureBuilt(board, opt, profile = 'full') {
  const key = `${board}${opt}-${profile}`;
  if (!built.has(key)) {
    log(`build ${board} ${opt} ${profile}`);
    try {
      T.buildBoard(board, opt, profile);
      built.set(key, null);
    } catch (e) {
      log(e.message);
      built.set(key, e.message);
    }
  }
  return built.get(key);
}

/** Why a profile does not build for a board (the tiny profile is one channel: PORTING.md 1.5), or null. */
export function tinyNotForBoard(board, profile) {
  const cores = T.boardJson(board).cores;
  return profile === 'tiny' && cores > 1 ? `tiny is one-core (board has ${cores} cores)` : null;
}

/** Writes the board's facts into results; false if the board is not in this tree. */
export function boardInfo(results, board) {
  const path = ['target', 'boards', board];
  if (!T.boardExists(board)) {
    put(results, path, { missing: true });
    log(`${board}: no such board in boards/`);
    return false;
  }
  const bj = T.boardJson(board);
  const b = results.target?.boards?.[board];
  if (b?.missing) put(results, path, {});
  put(results, [...path, 'cores'], bj.cores);
  put(results, [...path, 'timerHz'], bj.timer.hz);
  put(results, [...path, 'cpu'], T.boardCpu(board));
  return true;
}

/**
 * Runs measure(board, opt) for every board and optimisation level (two QEMUs at a time) and
 * stores each result, or { error }, at target.boards[board].opt[opt][key]; with profile
 * 'tiny', on the tiny-profile build, at [key + 'Tiny'].
 */
export async function perBuild(results, key, measure, { opts = OPTS, profile = 'full' } = {}) {
  const tasks = [];
  for (const board of BOARDS) {
    if (!boardInfo(results, board)) continue;
    for (const opt of opts) {
      const path = ['target', 'boards', board, 'opt', opt, profile === 'full' ? key : `${key}Tiny`];
      const err = tinyNotForBoard(board, profile) ?? ensureBuilt(board, opt, profile);
      if (err) { put(results, path, { error: err }); continue; }
      tasks.push(async () => {
        let v;
        try {
          v = await measure(board, opt);
          log(`done ${board} ${opt} ${key}`);
        } catch (e) {
          v = { error: e.message };
          log(`${board} ${opt} ${key}: ${e.message}`);
        }
        return [path, v];
      });
    }
  }
  log(`${key}: ${tasks.length} QEMU jobs (2 at a time)`);
  const out = await pool(tasks);
  for (const [path, v] of out) put(results, path, v);
}
