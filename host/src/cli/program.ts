// The tracepipe command line. createProgram() builds a fresh commander program (tests build one
// per case); each command lives in commands/<name>.ts and registers itself. Commands throw
// errors (CliError for known ones); only bin.ts prints them and exits.
import { Command, CommanderError } from 'commander';
import { OutputWriteError } from '../export/sinks.js';
import { CliError, errorLine } from './errors.js';
import { CliIo, type CliStreams } from './output.js';
import { VERSION } from './version.js';
import { addElfOptionsTo } from './elf-option.js';
import { register as registerRun } from './commands/run.js';
import { register as registerCapture } from './commands/capture.js';
import { register as registerDecode } from './commands/decode.js';
import { register as registerStats } from './commands/stats.js';
import { register as registerDemo } from './commands/demo.js';
import { register as registerFlash } from './commands/flash.js';
import { register as registerPorts } from './commands/ports.js';
import { register as registerExport } from './commands/export.js';
import { register as registerView } from './commands/view.js';
import { register as registerDump } from './commands/dump.js';
import { register as registerQuery } from './commands/query.js';
import { register as registerTop } from './commands/top.js';

export interface ProgramOptions {
  /** the streams commands read and write (default: the process's) */
  io?: Partial<CliStreams> | CliIo;
  /** where commander writes its own usage errors and help (default: io's stdout and stderr) */
  writeOut?: (text: string) => void;
  writeErr?: (text: string) => void;
}

export function createProgram(options: ProgramOptions = {}): Command {
  const io = options.io instanceof CliIo ? options.io : new CliIo(options.io);
  const program = new Command('tracepipe');
  program
    .description('Event tracer for bare-metal ARM MCUs: capture, decode and account for every event.')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    // Commander would call process.exit; bin.ts does that instead, and tests inspect the error.
    .exitOverride()
    .configureOutput({
      writeOut: options.writeOut ?? ((s) => io.stdout.write(s)),
      writeErr: options.writeErr ?? ((s) => io.stderr.write(s)),
      // One line, in the same form as every other error.
      outputError: (text, write) => write(`tracepipe: ${text.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').trim()}\n`),
    });

  registerRun(program, io);
  registerCapture(program, io);
  registerTop(program, io);
  registerDecode(program, io);
  registerStats(program, io);
  registerDemo(program, io);
  registerFlash(program, io);
  registerPorts(program, io);
  registerExport(program, io);
  registerView(program, io);
  registerDump(program, io);
  registerQuery(program, io);
  addElfOptionsTo(program);
  return program;
}

/**
 * Runs one command line (argv without node and script) and returns its exit status, having
 * written every error as one `tracepipe: ...` line to stderr. bin.ts calls it with the
 * process streams; tests call it in-process with their own.
 */
export async function runCli(args: string[], streams: Partial<CliStreams> = {}): Promise<number> {
  const io = new CliIo(streams);
  const program = createProgram({ io });
  try {
    await program.parseAsync(args, { from: 'user' });
    await io.finish();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed its one line (or the help); usage errors exit 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    // A reader that went away (`tracepipe decode x | head`) is not an error.
    if (err instanceof OutputWriteError && err.readerGone) return 0;
    io.stderr.write(`${errorLine(err)}\n`);
    if (process.env.TRACEPIPE_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
