// tracepipe run --board <board> <app.elf>: the firmware under QEMU, captured live through the
// emulated UART on a pty (the same serial path as a board on USB), through the library's
// emulatorRun (api/capture.ts), with the status line, console echo and signals of a terminal.
import type { Command } from 'commander';
import { checkCapturedBuildId, openElf } from '../elf-option.js';
import { boardOfElf, liveFailure, summaryLines, type LiveSummary } from '../live-run.js';
import { emulatorRun, type EmulatorRunOptions, type LiveEdge } from '../../api/capture.js';
import { defaultBoard, findRepoRoot } from '../../io/repo.js';
import { parseBaud, parseSeconds } from '../options.js';
import { compareGroundTruth } from '../ground-truth.js';
import { CliIo } from '../output.js';
import { addFilterOptions, checkFollowOptions, followSink, type FilterOptions } from '../record-filter.js';
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../errors.js';
import { viewTerminal, withLiveView } from '../tui/live-view.js';

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number.');
  return n;
}

/** What a terminal adds to the library's live runs: the status line and the firmware's console
 * on stderr, and Ctrl-C as a graceful stop. */
export const TERMINAL: LiveEdge = { status: process.stderr, handleSignals: true, echoTarget: true };

/** Prints the summary (on stderr under --follow, whose records own stdout); throws when the
 * run itself failed (the capture is kept either way). */
export function reportLive(s: LiveSummary, io = new CliIo(), followed = false): void {
  (followed ? io.stderr : io.stdout).write(`${summaryLines(s).join('\n')}\n`);
  if (s.live.flushed === false && s.live.noFlush) {
    io.status('warning: the target does not flush on request (HEADER flag NO_FLUSH, tiny profile) and did not flush on its own; the books are not closed');
  } else if (s.live.flushed === false) {
    io.status('warning: not every core sent its FINAL status after CMD_FLUSH; the books may not be closed');
  }
  if (s.groundTruth.length > 0 && !compareGroundTruth(s.groundTruth, s.stats).match) {
    io.status("warning: the host's accounting differs from the firmware's ground truth");
  }
  const failure = liveFailure(s);
  if (failure) throw failure;
}

export function register(program: Command, io = new CliIo()): void {
  const cmd = program
    .command('run')
    .description('run firmware under QEMU and capture its trace live through the UART pty')
    .argument('<app.elf>', 'firmware ELF built for the board')
    .option('--board <name>', "board to emulate (boards/<name>/board.json gives the emulator; default: the board of the ELF's build/<board>/ folder, else make's default)")
    .option('-o, --output <file>', 'capture file to write', 'trace.tpt')
    .option('--duration <seconds>', 'stop after this many seconds of trace, counted from the first byte after CMD_START, not from QEMU launch (default: when the firmware exits, or Ctrl-C)', parseSeconds)
    .option('--semihost-log <file>', "copy the firmware's semihosting output (ground truth) to this file")
    .option('--baud [n]', "pace the emulated UART as a real one at n baud (8N1: n/10 bytes/s): the target then stalls and its ring fills as on the board; --baud alone: the board's uart.baud (board.json). Default: unpaced, as fast as the emulator sends", parseBaud)
    .option('--timer-preset-us <n>', 'rp2040js boards: the TIMER count at reset, in µs (e.g. near 2^32 to test wraps)', parseCount)
    .option('--wrap-every-ms <n>', 'rp2040js boards: skip simulated time so that TIMERAWL wraps every <n> ms of run time', parseCount)
    .option('--follow', "print each decoded record on stdout as it arrives (the text of `decode`; names from --elf, else from <app.elf>); the summary then goes to stderr")
    .option('--tui', 'live terminal view instead of the status line: per-core and per-event rates, losses by cause, the latest logs (q quits; the summary follows)');
  addFilterOptions(cmd)
    .action(async (elf: string, opts: FilterOptions & { board?: string; output: string; duration?: number; semihostLog?: string; baud?: number | true; force?: boolean; timerPresetUs?: number; wrapEveryMs?: number; follow?: boolean; tui?: boolean; elf?: string }) => {
      checkFollowOptions(opts);
      if (opts.tui && opts.follow) throw new UsageError('--tui and --follow both want the terminal: give one of them');
      if (opts.tui) viewTerminal(io, '--tui');
      const names = await openElf(opts, io.warn);
      // the firmware being run names its own events unless --elf says otherwise
      const appNames = opts.follow || opts.tui ? (names ?? (await openElf({ elf, force: opts.force }, io.warn))) : undefined;
      const follow = opts.follow ? followSink(opts, appNames, io) : undefined;
      const root = findRepoRoot();
      const board = opts.board ?? boardOfElf(root, elf) ?? defaultBoard(root);
      const run: EmulatorRunOptions = { board, elf, output: opts.output, durationS: opts.duration, consoleLog: opts.semihostLog, overwrite: opts.force === true };
      const edge: LiveEdge = {
        pace: opts.baud === true ? 'board' : opts.baud,
        timerPresetUs: opts.timerPresetUs,
        wrapEveryMs: opts.wrapEveryMs,
        ...TERMINAL,
      };
      const summary = opts.tui
        ? await withLiveView(io, { title: `tracepipe run --tui: ${elf} on ${board} -> ${opts.output}`, names: appNames, what: '--tui' }, (watcher, stop) =>
            // the firmware's console would scribble over the view: its ground truth is still read
            emulatorRun(run, { ...edge, follow: watcher, stop, status: null, echoTarget: false }),
          )
        : await emulatorRun(run, { ...edge, follow });
      reportLive(summary, io, follow !== undefined);
      checkCapturedBuildId(names, summary.header, summary.output);
    });
}
