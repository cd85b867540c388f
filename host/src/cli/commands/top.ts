// tracepipe top [--port <path>]: `capture` behind the live terminal view (cli/tui/): per-core and
// per-event rates, losses by cause, the latest logs. The capture file and the summary printed
// after the view closes are those of `capture`.
import type { Command } from 'commander';
import { checkCapturedBuildId, openElf } from '../elf-option.js';
import { portRun } from '../../api/capture.js';
import { CliIo } from '../output.js';
import { viewTerminal, withLiveView } from '../tui/live-view.js';
import { addPortOptions, portCapture, type PortOptions } from './capture.js';
import { reportLive } from './run.js';

export function register(program: Command, io = new CliIo()): void {
  addPortOptions(
    program
      .command('top')
      .description('live terminal view of a board on a serial port: per-core and per-event rates, losses by cause, the latest logs (q quits; names from --elf)'),
  ).action(async (opts: PortOptions) => {
    viewTerminal(io, 'top');
    const capture = await portCapture(opts, io);
    const names = await openElf(opts, io.warn);
    const summary = await withLiveView(io, { title: `tracepipe top: ${capture.port} -> ${capture.output}`, names, what: 'top' }, (watcher, stop) =>
      portRun(capture, { follow: watcher, stop, handleSignals: true }),
    );
    reportLive(summary, io);
    checkCapturedBuildId(names, summary.header, summary.output);
  });
}
