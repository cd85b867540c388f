// tracepipe run --board <board> <app.elf>: the firmware under QEMU, captured live through the
// emulated UART on a pty (the same serial path as a board on USB).
import type { Command } from 'commander';
import { checkCapturedBuildId, openElf } from '../elf-option.js';
import { boardOfElf, liveFailure, runUnderQemu, summaryLines, type LiveSummary } from '../live-run.js';
import { defaultBoard, findRepoRoot } from '../../io/repo.js';
import { parseBaud, parseSeconds } from '../options.js';
import { compareGroundTruth } from '../ground-truth.js';
import { CliIo } from '../output.js';
import { addFilterOptions, checkFollowOptions, followSink, type FilterOptions } from '../record-filter.js';
import { InvalidArgumentError } from 'commander';

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number.');
  return n;
}

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
    .option('--follow', "print each decoded record on stdout as it arrives (the text of `decode`; names from --elf, else from <app.elf>); the summary then goes to stderr");
  addFilterOptions(cmd)
    .action(async (elf: string, opts: FilterOptions & { board?: string; output: string; duration?: number; semihostLog?: string; baud?: number | true; force?: boolean; timerPresetUs?: number; wrapEveryMs?: number; follow?: boolean; elf?: string }) => {
      checkFollowOptions(opts);
      const names = await openElf(opts, io.warn);
      // the firmware being run names its own events unless --elf says otherwise
      const follow = opts.follow ? followSink(opts, names ?? (await openElf({ elf, force: opts.force }, io.warn)), io) : undefined;
      const root = findRepoRoot();
      const summary = await runUnderQemu({
        board: opts.board ?? boardOfElf(root, elf) ?? defaultBoard(root),
        elf,
        output: opts.output,
        durationS: opts.duration,
        semihostLog: opts.semihostLog,
        pace: opts.baud === true ? 'board' : opts.baud,
        timerPresetUs: opts.timerPresetUs,
        wrapEveryMs: opts.wrapEveryMs,
        overwrite: opts.force === true,
        follow,
      });
      reportLive(summary, io, follow !== undefined);
      checkCapturedBuildId(names, summary.header, summary.output);
    });
}
