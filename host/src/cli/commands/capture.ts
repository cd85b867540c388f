// tracepipe capture --port <path>: live capture from a board on a serial port (USB-CDC or UART).
// Through the library's portRun (api/capture.ts), with the status line and signals of a
// terminal; `top` (commands/top.ts) is the same capture behind the live view, with the same options.
import type { Command } from 'commander';
import { checkCapturedBuildId, openElf } from '../elf-option.js';
import { portRun, type PortCaptureOptions } from '../../api/capture.js';
import { parseBaud, parseSeconds } from '../options.js';
import { reportLive, TERMINAL } from './run.js';
import { CliError } from '../errors.js';
import { CliIo } from '../output.js';
import { addFilterOptions, checkFollowOptions, followSink, type FilterOptions } from '../record-filter.js';
import { choosePort, listSerialPorts, loadUsbIdentities } from '../../io/ports.js';
import { findRepoRoot } from '../../io/repo.js';

export interface PortOptions {
  port?: string;
  baud: number;
  output: string;
  duration?: number;
  reconnect?: boolean;
  force?: boolean;
}

/** The options of a port capture, shared by `capture` and `top`. */
export function addPortOptions(cmd: Command): Command {
  return cmd
    .option('--port <path>', 'serial port, e.g. /dev/ttyACM0 (default: the one recognised board, see `tracepipe ports`)')
    .option('--baud <n>', 'baud rate', parseBaud, 115200)
    .option('-o, --output <file>', 'capture file to write', 'trace.tpt')
    .option('--duration <seconds>', 'stop after this many seconds of trace, counted from the first byte after CMD_START (default: Ctrl-C, or when the port goes away)', parseSeconds)
    .option('--reconnect', 'when the port goes away, wait for it to come back and continue the same capture');
}

/** The capture the options describe, on the port given or the one recognised board. */
export async function portCapture(opts: PortOptions, io: CliIo): Promise<PortCaptureOptions & { port: string; output: string }> {
  let port = opts.port;
  if (port === undefined) {
    const choice = choosePort((await listSerialPorts()).ports, loadUsbIdentities(findRepoRoot()));
    if (choice.port === undefined) throw new CliError(choice.message);
    io.status(`using ${choice.port}, ${choice.reason}`);
    port = choice.port;
  }
  return {
    port,
    baud: opts.baud,
    output: opts.output,
    durationS: opts.duration,
    reconnect: opts.reconnect === true,
    overwrite: opts.force === true,
  };
}

export function register(program: Command, io = new CliIo()): void {
  const cmd = addPortOptions(
    program.command('capture').description('capture a live trace from a board on a serial port (sends CMD_START when the port opens)'),
  ).option('--follow', "print each decoded record on stdout as it arrives (the text of `decode`; names from --elf); the summary then goes to stderr");
  addFilterOptions(cmd)
    .action(async (opts: FilterOptions & PortOptions & { follow?: boolean }) => {
      checkFollowOptions(opts);
      const capture = await portCapture(opts, io);
      const names = await openElf(opts, io.warn);
      const follow = opts.follow ? followSink(opts, names, io) : undefined;
      const summary = await portRun(capture, { ...TERMINAL, follow });
      reportLive(summary, io, follow !== undefined);
      checkCapturedBuildId(names, summary.header, summary.output);
    });
}
