// tracepipe demo: build the demo firmware, run it under its board's emulator for a few seconds,
// print a stretch of the named, merged timeline, the stats, and what to try next. The capture
// goes to build/demo.tpt in the checkout unless -o says otherwise.
import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { defaultBoard, findRepoRoot } from '../../io/repo.js';
import { CliError } from '../errors.js';
import { CliIo } from '../output.js';
import { emulatorRun } from '../../api/capture.js';
import { openElf } from '../elf-option.js';
import { parseSeconds } from '../options.js';
import { recordLine } from '../record-filter.js';
import { decodeTraceFile } from '../trace-file.js';
import type { TraceEvent } from '../../core/types.js';
import { reportLive, TERMINAL } from './run.js';

/** Lines of timeline the demo shows. */
const TIMELINE_LINES = 16;

function build(root: string, board: string, io: CliIo): Promise<void> {
  return new Promise((resolve, reject) => {
    // only the demo's ELF: a fresh checkout (setup builds one board) needs no other app
    const target = `build/${board}/demo.elf`;
    io.status(`building the firmware: make BOARD=${board} ${target}`);
    const child = spawn('make', [`BOARD=${board}`, target], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(new CliError(err.code === 'ENOENT' ? 'make not found (install the Debian package make)' : err.message)),
    );
    child.on('close', (code) => {
      if (code === 0) {
        resolve();
        return;
      }
      // make's own error is the useful line (e.g. a wrong board name lists the valid ones)
      const lines = tail.split('\n').filter((l) => l.trim() !== '');
      const why = lines.find((l) => /\*\*\*|error/i.test(l)) ?? lines.pop() ?? '';
      reject(new CliError(`firmware build failed (make BOARD=${board}, status ${code})${why ? `: ${why.trim()}` : ''}`));
    });
  });
}

/**
 * A stretch of the named timeline: the start on one core; on several, the lines around the
 * last core's third event, where every core is busy and their records interleave.
 */
export function timelineExcerpt(events: TraceEvent[], lines = TIMELINE_LINES): TraceEvent[] {
  const cores = new Set(events.map((e) => e.core));
  if (cores.size < 2) return events.slice(0, lines);
  const lastCore = Math.max(...cores);
  let seen = 0;
  const third = events.findIndex((e) => e.core === lastCore && ++seen === 3);
  const from = Math.max(0, (third < 0 ? 0 : third) - Math.floor(lines / 2));
  return events.slice(from, from + lines);
}

async function showTimeline(capture: string, elf: string, io: CliIo): Promise<void> {
  const names = await openElf({ elf }, io.warn);
  const events: TraceEvent[] = [];
  let total = 0;
  await decodeTraceFile(capture, {
    onRecord: (raw) => {
      if (raw.type !== 'event') return;
      total++;
      // the excerpt comes from the start; keep only what it can use
      if (events.length < 20_000) events.push(names ? names.apply(raw) : raw);
    },
    warn: () => undefined, // the summary reports discarded frames
  });
  if (events.length === 0) return;
  const cores = new Set(events.map((e) => e.core)).size;
  const shown = timelineExcerpt(events);
  io.stdout.write(
    `timeline (${shown.length} of ${total} events${cores > 1 ? `, ${cores} cores merged in time order` : ''}):\n` +
      shown.map((e) => `  ${recordLine(e)}\n`).join(''),
  );
}

export function register(program: Command, io = new CliIo()): void {
  program
    .command('demo')
    .description('build the demo firmware, run it under emulation for a few seconds, and show its named timeline and stats')
    .option('--board <name>', "emulated board: qemu-mps2-an385, qemu-mps2-an386, qemu-mps2-an521 (2 cores), microbit, rp2040-pico (2 cores, rp2040js) (default: make's default board)")
    .option('--duration <seconds>', 'seconds of trace to capture (counted from the first byte, as for run)', parseSeconds, 3)
    .option('-o, --output <file>', 'capture file (default: build/demo.tpt in the checkout)')
    .option('--no-build', 'use the firmware already in build/<board>/demo.elf')
    .action(async (opts: { board?: string; duration: number; output?: string; build: boolean }) => {
      const root = findRepoRoot();
      const board = opts.board ?? defaultBoard(root);
      if (opts.build) await build(root, board, io);
      const output = opts.output ?? join(root, 'build', 'demo.tpt');
      const elf = join(root, 'build', board, 'demo.elf');
      const summary = await emulatorRun(
        {
          board,
          elf,
          output,
          durationS: opts.duration,
          // the default build/demo.tpt is demo's own scratch file; a named -o is the user's
          overwrite: opts.output === undefined,
        },
        TERMINAL,
      );
      if (!summary.live.error) await showTimeline(output, elf, io).catch(() => undefined);
      reportLive(summary, io);
      const shown = relative(process.cwd(), output) || output;
      const elfShown = relative(process.cwd(), elf) || elf;
      io.stdout.write(
        [
          'next:',
          `  npx tracepipe view ${shown} --elf ${elfShown}              timeline in the browser (one HTML file)`,
          `  npx tracepipe export ${shown} --elf ${elfShown} -o demo.perfetto-trace   Perfetto (ui.perfetto.dev); also .json (Chrome JSON), .ctf, .csv, .jsonl`,
          `  npx tracepipe run ${elfShown} --follow --kind log --level debug   live logs as they arrive`,
          `  npx tracepipe run ${elfShown} --tui                                live terminal view: rates, losses, logs (q quits)`,
          `  npx tracepipe decode ${shown} --elf ${elfShown} --site | less    every record, with its source line`,
        ].join('\n') + '\n',
      );
    });
}
